"""Afterword's settings: one module, every value from the environment.

Every setting is listed with its meaning in .env.example. A `.env` file at the
top of the checkout is read when present; real environment variables win.
"""

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required_unless_debug(name: str, read, development_default):
    if name in env.ENVIRON:
        return read(name)
    if DEBUG:
        return development_default
    raise ImproperlyConfigured(
        f"{name} must be set when DEBUG is off. For local development set DEBUG=true; "
        "in production see .env.example."
    )


SECRET_KEY = _required_unless_debug(
    "SECRET_KEY", env.str, "development-only-key-not-for-production"
)
ALLOWED_HOSTS = _required_unless_debug(
    "ALLOWED_HOSTS", env.list, ["localhost", "127.0.0.1", "[::1]"]
)

# Without DATABASE_URL a newcomer gets a SQLite file so the site runs at once;
# production and the test suite use PostgreSQL.
if "DATABASE_URL" not in env.ENVIRON:
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'afterword.sqlite3'}"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "posts",
    "comments",
    "importers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
USE_I18N = False
USE_TZ = True
# The zone the archived site published in: captures' wall-clock times are read
# in it, and permalinks' dates are taken in it.
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone name (like America/New_York)."
    ) from None

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

POSTS_PER_PAGE = env.int("POSTS_PER_PAGE", default=20)

# Local memory by default (one process); CACHE_URL=redis://… shares it between
# processes, which the comment rate limit needs when there are several.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Behind N reverse proxies, each appending to X-Forwarded-For, the client's
# address is the Nth from the right. 0: use REMOTE_ADDR and ignore the header,
# which anyone can write.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

# Comments written on the site. Each guard is on by default; 0 turns one off.
COMMENTS_MODERATION = env.str("COMMENTS_MODERATION", default="unknown")
if COMMENTS_MODERATION not in {"publish", "hold", "unknown"}:
    raise ImproperlyConfigured(
        f"COMMENTS_MODERATION={COMMENTS_MODERATION!r}: use publish (at once), hold (every "
        "comment) or unknown (hold commenters with no approved comment yet)."
    )
COMMENTS_MAX_LINKS = env.int("COMMENTS_MAX_LINKS", default=2)  # more are held
COMMENTS_HONEYPOT = env.bool("COMMENTS_HONEYPOT", default=True)
COMMENTS_MIN_SECONDS = env.int("COMMENTS_MIN_SECONDS", default=3)  # faster is a robot
COMMENTS_FORM_MAX_AGE = env.int("COMMENTS_FORM_MAX_AGE", default=24 * 3600)
COMMENTS_RATE_LIMIT = env.int("COMMENTS_RATE_LIMIT", default=5)  # per address…
COMMENTS_RATE_PERIOD = env.int("COMMENTS_RATE_PERIOD", default=60)  # …per this many seconds
COMMENTS_EDIT_SECONDS = env.int("COMMENTS_EDIT_SECONDS", default=15 * 60)
