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
        if not key.startswith(("CACHE_", "COMMENTS_", "TRUSTED_", "DJANGO_SETTINGS"))
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
