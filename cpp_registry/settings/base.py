"""Settings shared by every environment.

Everything that differs between a laptop and production is read from the environment through
django-environ; `production.py` changes only defaults, never behaviour.
"""

from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-only-never-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_fsm",
    "django_fsm_log",
    "simple_history",
    "import_export",  # the back office's CSV and XLSX exports (export only: no import in the admin)
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Multi-factor sign-in required for staff and PMC members (cpp_registry/mfa.py).
    "cpp_registry.mfa.MFARuleConfig",
    "phonenumber_field",
    "cpp_registry.apps.CoreConfig",
    "directory",
    "committee",
    "applications",
    "complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # NUL characters and impossible date parts answer 400 before any view or query sees them.
    "cpp_registry.middleware.HostileInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # django-allauth's log-in stages (the TOTP step after the password), then our rule: staff and PMC members
    # without an authenticator app are sent to set one up before any page that needs a log-in.
    "allauth.account.middleware.AccountMiddleware",
    "cpp_registry.mfa.MFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpp_registry.urls"
WSGI_APPLICATION = "cpp_registry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cpp_registry.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests (production default 60 s); health-checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A writer waits for a lock instead of failing at once (runserver + beat thread).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per-process memory by default; CACHE_URL (for example rediscache://127.0.0.1:6379/1) shares one cache.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    # django-allauth's: the email address, in any case, is the user name.
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock the pair (account, address) after 5 failures, for an hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# allauth's log-in form calls the address "login" and authenticates with `email=`: one function reads
# either, in lower case (the axes documentation's integration with django-allauth).
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "cpp_registry.forms.axes_username"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Accounts (django-allauth, issue 8 §1): sign-up with a verified email address, log-in, log-out and password
# reset by email address (the user model has no username), and multi-factor sign-in by an authenticator app
# (TOTP) with recovery codes — required for staff and PMC members (cpp_registry/mfa.py), optional for others.
ACCOUNT_ADAPTER = "cpp_registry.accounts.AccountAdapter"  # where each person lands after logging in
ACCOUNT_FORMS = {"login": "cpp_registry.forms.LoginForm", "signup": "cpp_registry.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True  # one address per account: it is the user name
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # a password reset for an unknown address sends nothing
ACCOUNT_EMAIL_SUBJECT_PREFIX = "ETSP Registry: "
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell the owner when the password, the address or the second factor changes
# django-axes counts failed log-ins (above); allauth's own count would lock the account from every address.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
MFA_ADAPTER = "cpp_registry.forms.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ETSP Registry"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hant", "繁體中文"),
    ("zh-hans", "简体中文"),
]
# Each app keeps its own catalogue beside its own templates; the project's (core, base layout) last, since
# makemessages files each source under the first of these whose parent folder holds it.
LOCALE_PATHS = [BASE_DIR / app / "locale" for app in ("directory", "committee", "applications", "complaints")] + [
    BASE_DIR / "locale"
]
TIME_ZONE = "Asia/Hong_Kong"
# Dates as Hong Kong writes them in each language: "27 Nov 2026, 07:03", "2026年11月27日 07:03".
FORMAT_MODULE_PATH = ["cpp_registry.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/documents/"  # never served as files: one view checks who may read each (cpp_registry.documents)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = "HK"

# Content-Security-Policy (Django 6): no CDN, no inline script without the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A form sent from an expired page gets the portal's own page, in its language: go back and try again.
CSRF_FAILURE_VIEW = "cpp_registry.views.csrf_failure"


# Email (Django 6.1 MAILERS): console by default; a file or SMTP through the environment.
def mailers(backend):
    backend = {"console": "django.core.mail.backends.console.EmailBackend",
               "file": "django.core.mail.backends.filebased.EmailBackend",
               "smtp": "django.core.mail.backends.smtp.EmailBackend"}.get(backend, backend)  # fmt: skip
    options = {}
    if backend.endswith("filebased.EmailBackend"):
        options = {"file_path": env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))}
    elif backend.endswith("smtp.EmailBackend"):
        options = {
            "host": env("EMAIL_HOST", default="localhost"),
            "port": env.int("EMAIL_PORT", default=25),
            "username": env("EMAIL_HOST_USER", default=""),
            "password": env("EMAIL_HOST_PASSWORD", default=""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=False),
            "timeout": 20,
        }
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


MAILERS = mailers(env("EMAIL_BACKEND", default="console"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ETSP Registry <etsp@cleanerproduction.hk>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The Secretariat's contact (§8.1 of the guide), shown in every page's footer.
SECRETARIAT_CONTACT = {
    "name": _("Cleaner Production Partnership Programme Secretariat"),
    "phone": env("SECRETARIAT_PHONE", default="(852) 2788 5588"),
    "email": env("SECRETARIAT_EMAIL", default="enquiry@cleanerproduction.hk"),
    "website": env("SECRETARIAT_WEBSITE", default="http://www.cleanerproduction.hk"),
    "address": _("HKPC Building, 78 Tat Chee Avenue, Kowloon Tong, Kowloon, Hong Kong"),
}
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Celery. The embedded default runs every task in-process (eager) over an in-memory broker, so that
# `make run` needs no Redis; CELERY_BROKER_URL switches to a real broker and a real worker.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory"))
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {}  # filled in cpp_registry/celery.py from cpp_registry.jobs.SCHEDULE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# §9 (decision): the PMC's quorum — the fewest votes (abstentions included) a motion needs before it can
# be closed. 0: none.
PMC_QUORUM = env.int("PMC_QUORUM", default=0)

# History is for reading (cpp_registry.admin_base.HistoryAdmin): no "revert" anywhere in the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Notices committed but never handed to the worker (a crash after commit) are queued again by the sweep
# (cpp_registry.notices.notices_sweep, every 5 minutes) once handed over longer ago than this.
NOTICES_SWEEP_AFTER_MINUTES = env.int("NOTICES_SWEEP_AFTER_MINUTES", default=5)

# The back office's exports (django-import-export; CSV and XLSX: cpp_registry.admin_base.ExportAdminMixin),
# for whoever may view the model's records. Every cell goes through cpp_registry.csvsafe
# (cpp_registry.admin_base.ExportResource), which keeps the text and prefixes a formula with a quote; the
# library's own escape is off: it drops the leading "=" (changing what was written) and leaves "+", "-"
# and "@" alone. A character XLSX cannot hold is replaced rather than failing the whole export.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
