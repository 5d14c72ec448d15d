"""The test suite's settings: production settings against PostgreSQL, sped up."""

import os

# bin/test chooses the server (bin/test_database.py); pytest alone, this one.
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/afterword")
os.environ.setdefault("ENV_FILE", os.devnull)  # a developer's .env changes nothing here
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DEBUG", "false")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client speaks plain HTTP, and no collectstatic has run: production's
# redirect and hashed static names are exercised by tests/test_production.py.
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
