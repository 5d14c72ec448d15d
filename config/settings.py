"""Afterword's settings: one module, every value from the environment.

Every setting is listed with its meaning in .env.example. A `.env` file at the
top of the checkout is read when present; real environment variables win.
"""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.csp import CSP
from jinja2 import StrictUndefined

from config.mail import mailers_from_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE names another file (the tests point it elsewhere, so that a
# developer's .env cannot change what they check).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

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

# PostgreSQL is the only engine. Without DATABASE_URL, development uses the
# checkout's own embedded server (config/embedded_postgres/), started on demand;
# DATABASE_URL=embedded asks for it by name. Production must say where its
# database is: an embedded server there would keep the data in the container.
EMBEDDED_POSTGRES_DIR = BASE_DIR / env.str("EMBEDDED_POSTGRES_DIR", default="var/postgres")
# Seconds it keeps running once no process uses it: warm between commands.
EMBEDDED_POSTGRES_IDLE_SECONDS = env.int("EMBEDDED_POSTGRES_IDLE_SECONDS", default=5)


def _database_settings(url: str) -> dict:
    if url == "embedded":
        return {"ENGINE": "config.embedded_postgres", "NAME": "afterword", "USER": "postgres"}
    config = env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_URL must name a PostgreSQL database (postgres://…), not {url!r}."
        )
    config["ENGINE"] = "config.postgresql"  # Django's, with a cheaper health check
    return config


DATABASES = {
    "default": _database_settings(_required_unless_debug("DATABASE_URL", env.str, "embedded")),
}
# An optional read replica; see config/routers.py for which reads it serves.
READ_REPLICA = None  # the DATABASES alias reads go to, when there is one
if "DATABASE_REPLICA_URL" in env.ENVIRON:
    READ_REPLICA = "replica"
    DATABASES[READ_REPLICA] = _database_settings(env.str("DATABASE_REPLICA_URL"))
    DATABASES[READ_REPLICA]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
    # Behind a pooler in transaction mode (PgBouncer): a server-side cursor
    # would outlive the transaction its server connection was lent for.
    _database["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_POOLER", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A post's page is a post with its thread, which the comments app (built on
# posts) serves: the wiring is here, so that posts need not know of it.
ABSOLUTE_URL_OVERRIDES = {
    "posts.post": lambda post: reverse("comments:post-page", kwargs=post.url_kwargs()),
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # full-text search
    "django.contrib.sitemaps",
    "axes",  # the admin login's throttle
    "django_tasks_db",  # the background tasks' queue, in PostgreSQL
    "posts",
    "comments",
    "importers",
]

MIDDLEWARE = [
    "config.middleware.HealthCheckMiddleware",  # first: no host check, redirect or session
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Pages compressed (a 300-comment thread: 239 KiB of HTML). Django's
    # GZipMiddleware pads each response by a random length against BREACH, and
    # CSRF tokens are masked afresh in every response. Static files are
    # WhiteNoise's, compressed ahead of time, and never reach it.
    "django.middleware.gzip.GZipMiddleware",
    "config.routers.PrimaryPinMiddleware",
    # Above the session and CSRF middleware: it sees the cookies they set.
    "posts.conditional.CacheHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
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
    # The thread and plain text's markup (*.jinja), where speed counts: Jinja2
    # compiles templates to Python. Autoescaping is on, as in Django's engine.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        # A misspelt name is an error, not silently empty.
        "OPTIONS": {"autoescape": True, "auto_reload": DEBUG, "undefined": StrictUndefined},
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
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# WhiteNoise serves them from the web process: hashed names cached for a year,
# compressed copies made at collectstatic time. (With DEBUG, runserver serves
# them from static/ as they are edited.)
if not DEBUG:
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.gzip.GZipMiddleware"),
                      "whitenoise.middleware.WhiteNoiseMiddleware")  # fmt: skip
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Mail, from EMAIL_URL (smtp+tls://user:password@host:587, smtp://mailpit:1025,
# consolemail:// to print messages): the console by default in development.
MAILERS = mailers_from_url(
    env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Afterword <afterword@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address the site is read at, for the links in its mail.
SITE_URL = env.str(
    "SITE_URL",
    default="http://127.0.0.1:8000"
    if DEBUG
    else f"https://{ALLOWED_HOSTS[0].lstrip('.').replace('*', 'localhost')}",
).rstrip("/")

# Background tasks (Django's tasks API). In production they wait in a queue in
# PostgreSQL (django-tasks-db) for `manage.py db_worker`; with
# TASKS_IMMEDIATE=true (development's default) they run at once, in the request.
TASKS_IMMEDIATE = env.bool("TASKS_IMMEDIATE", default=DEBUG)
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TASKS_IMMEDIATE
        else "django_tasks_db.DatabaseBackend",
    }
}

# What the site calls itself: the header, page titles, feeds and the home page.
SITE_NAME = env.str("SITE_NAME", default="Afterword")
SITE_TAGLINE = env.str(
    "SITE_TAGLINE", default="A blog's archive and its readers' conversations, kept readable."
)
SITE_DESCRIPTION = env.str(
    "SITE_DESCRIPTION",
    default="Every post of the archive, with its readers' comment threads under their original "
    "names and times, and the conversation still open.",
)

POSTS_PER_PAGE = env.int("POSTS_PER_PAGE", default=20)
# A post with more comments than this is split into pages, between top-level threads.
COMMENTS_PER_PAGE = env.int("COMMENTS_PER_PAGE", default=300)
if COMMENTS_PER_PAGE < 1:
    raise ImproperlyConfigured("COMMENTS_PER_PAGE must be 1 or more.")
# Results per page of search, and per page of a person's comments.
RESULTS_PER_PAGE = env.int("RESULTS_PER_PAGE", default=20)

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
# Replies reaching one address in one thread within this many seconds of the
# last message go out together, as one.
COMMENTS_DIGEST_SECONDS = env.int("COMMENTS_DIGEST_SECONDS", default=10 * 60)
# Mail the moderators (staff with an email who may change comments) a digest
# when comments wait for them.
COMMENTS_MODERATOR_MAIL = env.bool("COMMENTS_MODERATOR_MAIL", default=not DEBUG)
# The address a comment was sent from is kept this long, for moderators, then
# forgotten by `manage.py housekeeping` (run it hourly: see docs/operations.md).
COMMENTS_ADDRESS_DAYS = env.int("COMMENTS_ADDRESS_DAYS", default=90)
# The name a moderator's reply from the admin is shown under.
COMMENTS_STAFF_NAME = env.str("COMMENTS_STAFF_NAME", default="Afterword staff")

# --- The admin login: repeated failures lock further attempts (django-axes) ---
# From one address, or for one user name, AXES_FAILURE_LIMIT failures lock
# that address or name out for AXES_COOLOFF_MINUTES. Lockouts are listed in
# the admin ("Access attempts"), where staff can delete one to let it in again
# (or: manage.py axes_reset). The address is the one the comment rate limit
# sees, behind TRUSTED_PROXIES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "comments.guards.client_address"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False  # no banner on every start: a dry run's stdout is its report

# Sessions in the database: any web process on any machine serves any reader.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Production security (python manage.py check --deploy reports nothing) ---
# Behind a proxy that terminates TLS, say which header tells it:
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
if proxy_ssl_header := env.tuple("SECURE_PROXY_SSL_HEADER", default=()):
    SECURE_PROXY_SSL_HEADER = proxy_ssl_header
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Content-Security-Policy: everything from this site only, and no inline script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Logging: one line per event on stdout, each with its request's id ---
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.middleware.RequestIdFilter"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "null": {"class": "logging.NullHandler"},
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": "line",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own request errors go to the root handler, traceback included.
        "django": {"level": LOG_LEVEL, "propagate": True},
        # The embedded server's library narrates every step at INFO and dumps
        # logs on failure; config/embedded_postgres/ makes that one sentence.
        "embedded_postgres": {"level": "ERROR", "handlers": ["null"], "propagate": False},
    },
}
