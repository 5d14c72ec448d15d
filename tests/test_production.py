"""Production: the image's files, its settings, and the exact gunicorn it runs."""

import io
import logging
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.core.management import call_command
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpResponse
from django.test import RequestFactory

from config.middleware import RequestIdFilter, RequestIdMiddleware
from config.routers import PIN_COOKIE, PrimaryPinMiddleware, PrimaryReplicaRouter
from posts.models import Post
from tests.conftest import MAHDI, subprocess_database_url

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()


def production_env(**extra) -> dict[str, str]:
    """A production environment (DEBUG unset) on the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "SECURE_"))}
    env.update(
        DATABASE_URL=subprocess_database_url(),
        SECRET_KEY="a-production-like-secret-key-of-sufficient-length-and-randomness-0123456789",
        ALLOWED_HOSTS="127.0.0.1,afterword.example.org",
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    return env


# --- The image and compose file --------------------------------------------------------


def image_command() -> list[str]:
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M).group(1)
    return yaml.safe_load(cmd)


def test_the_image_is_slim_python_non_root_pinned_and_has_its_static_files():
    assert re.search(r"^FROM python:3\.13-slim$", DOCKERFILE, re.M)
    assert re.search(r"^USER (?!root)\w+$", DOCKERFILE, re.M)
    assert "pip install --requirement requirements/base.txt" in DOCKERFILE
    assert "collectstatic --noinput" in DOCKERFILE
    pins = [
        line
        for line in (ROOT / "requirements/base.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert pins
    assert all(re.fullmatch(r"[\w.-]+(\[\w+\])?==[\w.]+", line) for line in pins)
    assert image_command() == ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]


def test_compose_runs_db_redis_migrations_and_web_with_health_checks():
    services = COMPOSE["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "housekeeping", "worker", "mailpit"}
    db = services["db"]
    assert db["image"].startswith("postgres:")
    assert any(volume.startswith("db-data:") for volume in db["volumes"])
    assert "db-data" in COMPOSE["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:")
    assert "ping" in services["redis"]["healthcheck"]["test"]

    web = services["web"]
    assert web["command"] == image_command()
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    # The tasks' worker, and a mail catcher the app's mail goes to by default.
    worker = services["worker"]
    assert worker["command"] == ["python", "manage.py", "db_worker"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["environment"]["TASKS_IMMEDIATE"] == "false"
    assert worker["environment"]["EMAIL_URL"] == "${EMAIL_URL:-smtp://mailpit:1025}"
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    # The daily chores (docs/operations.md), once the schema is in place.
    chores = services["housekeeping"]
    assert "python manage.py housekeeping; sleep 3600" in " ".join(chores["command"])
    assert chores["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_environment_names_real_settings_pointing_at_its_services():
    environment = COMPOSE["services"]["web"]["environment"]
    for name in environment:
        assert re.search(rf"^#? ?{name}=", ENV_EXAMPLE, re.M), f"{name} not in .env.example"
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["CACHE_URL"].startswith("redis://redis:6379")
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")  # required, never defaulted


def test_env_example_lists_every_setting_the_code_reads():
    settings_py = (ROOT / "config/settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_py))
    read |= set(re.findall(r'_required_unless_debug\(\s*"([A-Z_]+)"', settings_py))
    gunicorn_py = (ROOT / "config/gunicorn.py").read_text()
    read |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', gunicorn_py))
    assert {"WEB_CONCURRENCY", "GUNICORN_MAX_REQUESTS"} <= read
    missing = {name for name in read if not re.search(rf"^#? ?{name}=", ENV_EXAMPLE, re.M)}
    assert not missing


# --- Settings -----------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings():
    run = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues" in run.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_without_debug_a_missing_required_setting_is_one_clear_sentence(missing):
    env = production_env()
    del env[missing]
    run = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.django_db
def test_healthz_answers_200_and_503_when_the_database_does_not(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.8")  # a balancer asking by address
    assert (response.status_code, response.content) == (200, b"ok\n")
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (503, b"database unavailable\n")


def test_log_lines_carry_the_request_id_and_responses_return_it():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(message)s"))
    logger = logging.getLogger("afterword.test")
    logger.addHandler(handler)

    def view(request):
        logger.warning("inside the request")
        return HttpResponse("ok")

    try:
        middleware = RequestIdMiddleware(view)
        given = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="proxy-id-42"))
        made = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="bad id\nforged"))
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    assert given["X-Request-ID"] == "proxy-id-42"
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])
    assert records == [
        "[proxy-id-42] inside the request",
        f"[{made['X-Request-ID']}] inside the request",
        "[-] outside",
    ]


# --- The read replica router ---------------------------------------------------------


@pytest.fixture
def with_replica(settings):
    settings.READ_REPLICA = "replica"


def route(request):
    """What the router decides for reads and writes made while serving `request`."""
    seen = {}

    def view(request):
        seen["read"] = PrimaryReplicaRouter().db_for_read(Post)
        seen["write"] = PrimaryReplicaRouter().db_for_write(Post)
        return HttpResponse()

    response = PrimaryPinMiddleware(view)(request)
    return seen, response


def test_without_a_replica_everything_goes_to_the_primary():
    seen, _ = route(RequestFactory().get("/"))
    assert seen == {"read": "default", "write": "default"}


def test_reads_go_to_the_replica_but_a_writer_reads_its_own_writes(with_replica):
    factory = RequestFactory()
    seen, response = route(factory.get("/"))
    assert seen == {"read": "replica", "write": "default"}
    assert PIN_COOKIE not in response.cookies

    # The request that writes reads from the primary too, and pins the next ones…
    seen, response = route(factory.post("/comments/post/1/"))
    assert seen == {"read": "default", "write": "default"}
    assert response.cookies[PIN_COOKIE]["max-age"] == 10
    # …such as the post page it redirects to.
    after = factory.get("/2007/03/21/post/")
    after.COOKIES[PIN_COOKIE] = "1"
    seen, response = route(after)
    assert seen["read"] == "default"
    assert PIN_COOKIE not in response.cookies  # the pin expires on its own
    assert PrimaryReplicaRouter().allow_migrate("replica", "posts") is False


# --- The exact gunicorn command line the image runs ----------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_health_pages_and_hashed_static_files(tmp_path):
    call_command("import_archive", str(MAHDI), stdout=io.StringIO())
    post_url = Post.objects.get().get_absolute_url()
    port = free_port()
    env = production_env(
        STATIC_ROOT=str(tmp_path / "static"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True)
    command = [str(Path(sys.executable).parent / image_command()[0]), *image_command()[1:]]
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 (read after it stops)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                status, _, body = fetch(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert (status, body) == (200, b"ok\n")

        # Plain HTTP is sent to HTTPS…
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"{base}{post_url}", timeout=5)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == f"https://127.0.0.1:{port}{post_url}"
        # …and behind the TLS proxy, the page is served with its security headers.
        status, headers, body = fetch(
            f"{base}{post_url}", **{"X-Forwarded-Proto": "https", "X-Request-ID": "smoke-1"}
        )
        assert status == 200
        assert "NEMETI IN SYRACUSE</a> on " in body.decode()
        assert "March 21, 2007 at 7:33 PM</time>" in body.decode()
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Request-ID"] == "smoke-1"

        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body.decode()).group(1)
        status, headers, _ = fetch(
            f"{base}{css}", **{"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert "max-age=315360000" in headers["Cache-Control"]
        assert headers.get("Content-Encoding") == "gzip"
    finally:
        server.terminate()
        server.wait(timeout=30)
    log.seek(0)
    output = log.read()
    assert re.search(rf'"GET {re.escape(post_url)} HTTP/1.1" 200 .*\[smoke-1\]', output), output
    assert shlex.join(image_command()).startswith("gunicorn --config config/gunicorn.py")
