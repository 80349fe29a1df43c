"""`make run`: SQLite under var/, jobs in-process, mail to the console.

DEBUG is off by default, so that a missing page or an error shows the portal's own page in its language,
as in production; `DEBUG=1 make run` turns Django's debug pages on. Static files are served either way:
WhiteNoise finds them in the apps and static/ at each request (WHITENOISE_USE_FINDERS, AUTOREFRESH).
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
