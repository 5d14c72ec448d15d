"""Settings read from the environment, as a fresh process reads them."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SHOW = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'cache': settings.CACHES['default'], "
    "'moderation': settings.COMMENTS_MODERATION, 'proxies': settings.TRUSTED_PROXIES, "
    "'cursors': settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS']}))"
)


def settings_with(**env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        # The settings these tests vary, unset, whatever the suite runs under
        # (behind a pooler, DATABASE_POOLER=true).
        if not key.startswith(
            ("CACHE_", "COMMENTS_", "TRUSTED_", "DJANGO_SETTINGS", "DATABASE_POOLER")
        )
    }
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", **env})
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_the_cache_is_local_memory_by_default_and_redis_from_cache_url():
    default = json.loads(settings_with().stdout)
    assert default["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    redis = json.loads(settings_with(CACHE_URL="redis://127.0.0.1:6379/1").stdout)
    assert redis["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["cache"]["LOCATION"] == "redis://127.0.0.1:6379/1"


def test_comment_guards_come_from_the_environment():
    shown = json.loads(settings_with(COMMENTS_MODERATION="hold", TRUSTED_PROXIES="2").stdout)
    assert (shown["moderation"], shown["proxies"]) == ("hold", 2)


def test_an_unknown_moderation_policy_is_a_clear_error():
    run = settings_with(COMMENTS_MODERATION="sometimes")
    assert run.returncode != 0
    assert "COMMENTS_MODERATION='sometimes': use publish" in run.stderr


def test_behind_a_transaction_pooler_no_server_side_cursors():
    assert json.loads(settings_with().stdout)["cursors"] is False
    assert json.loads(settings_with(DATABASE_POOLER="true").stdout)["cursors"] is True


MAILER = (
    "import json, warnings, django; warnings.simplefilter('error'); django.setup(); "
    "from django.conf import settings; from django.core.mail import mailers; "
    "mailer = mailers.default; "
    "print(json.dumps({'mailers': settings.MAILERS, 'class': type(mailer).__module__, "
    "'host': getattr(mailer, 'host', None), 'tls': getattr(mailer, 'use_tls', None), "
    "'user': getattr(mailer, 'username', None)}))"
)


def mailer_with(**env) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DJANGO_"))}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", **env})
    run = subprocess.run(
        [sys.executable, "-c", MAILER], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_mail_leaves_by_the_mailer_email_url_names_with_no_deprecated_setting():
    # Warnings are errors in that process: no EMAIL_* setting is read.
    console = mailer_with()
    assert console["class"] == "django.core.mail.backends.console"
    assert console["mailers"] == {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {}}
    }
    smtp = mailer_with(EMAIL_URL="smtp+tls://ann:s3cret@mail.example:587")
    assert smtp["class"] == "django.core.mail.backends.smtp"
    assert (smtp["host"], smtp["tls"], smtp["user"]) == ("mail.example", True, "ann")
    assert smtp["mailers"]["default"]["OPTIONS"]["port"] == 587
    production = mailer_with(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="a.example")
    assert production["mailers"]["default"]["OPTIONS"] == {"host": "localhost", "port": 25}
