"""The test suite: SQLite unless DATABASE_URL says otherwise; fast hashing; mail kept in memory."""

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-that-is-long-enough-for-django-checks-0123456789"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and "DATABASE_URL" not in env.ENVIRON:
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "TEST": {"NAME": ":memory:"},
    }
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The suite runs tasks eagerly; the one test that needs a real worker on Redis sets its own app config.
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
