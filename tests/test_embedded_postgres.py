"""PostgreSQL everywhere: which server the settings choose, and the checkout's
embedded server, started, shared, recovered and stopped in processes of their own."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import MAHDI

ROOT = Path(__file__).resolve().parent.parent

SHOW_DATABASE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps(settings.DATABASES['default']))"
)


def environment(**env) -> dict[str, str]:
    """A development process's environment: no DATABASE_URL unless given, no .env."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "DJANGO_", "DEBUG", "EMBEDDED_POSTGRES"))
    }
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ENV_FILE": os.devnull,
        "EMBEDDED_POSTGRES_IDLE_SECONDS": "1",
        **env,
    }


def python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment(**env),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def manage(*args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment(**env),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


# --- Which server the settings choose (nothing is started) ---------------------------


def test_development_without_database_url_uses_the_embedded_server(tmp_path):
    data = tmp_path / "pg"
    run = python(SHOW_DATABASE, DEBUG="true", EMBEDDED_POSTGRES_DIR=str(data))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ENGINE"] == "config.embedded_postgres"
    assert not data.exists()  # reading the settings starts nothing


def test_database_url_embedded_names_it_outside_development_too():
    run = python(SHOW_DATABASE, DEBUG="false", SECRET_KEY="k", ALLOWED_HOSTS="x",
                 DATABASE_URL="embedded")  # fmt: skip
    assert json.loads(run.stdout)["ENGINE"] == "config.embedded_postgres"


def test_a_database_url_names_a_server_as_it_is():
    run = python(SHOW_DATABASE, DEBUG="true", DATABASE_URL="postgres://u@db.example:6543/site")
    shown = json.loads(run.stdout)
    assert (shown["ENGINE"], shown["HOST"], shown["PORT"], shown["NAME"]) == (
        "config.postgresql", "db.example", 6543, "site"
    )  # fmt: skip


@pytest.mark.parametrize("url", ["sqlite:///var/afterword.sqlite3", "mysql://u@h/db"])
def test_any_other_engine_is_refused_in_one_sentence(url):
    run = manage("check", DEBUG="true", DATABASE_URL=url)
    assert run.returncode != 0
    assert "DATABASE_URL must name a PostgreSQL database" in run.stderr
    assert "Traceback" not in run.stderr


def test_development_settings_in_env_file_reach_every_manage_py_command(tmp_path):
    """What bin/serve writes to .env, so that README commands need nothing exported."""
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\n")
    run = manage("import_archive", "--dry-run", str(MAHDI), ENV_FILE=str(env_file))
    assert run.returncode == 0, run.stderr
    assert "Dry run: 1 files parsed" in run.stdout
    production = manage("import_archive", "--dry-run", str(MAHDI))  # no DEBUG anywhere
    assert "must be set when DEBUG is off" in production.stderr


# --- The embedded server itself, in a folder of its own --------------------------------


def postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except FileNotFoundError:
        return None


def wait_until_stopped(data: Path, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if postmaster_pid(data) is None:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def data(tmp_path):
    """A fresh embedded server folder; its server, if any, is stopped afterwards."""
    folder = tmp_path / "pg"
    yield folder
    pid = postmaster_pid(folder)
    if pid and psutil.pid_exists(pid):
        os.kill(pid, signal.SIGTERM)
        wait_until_stopped(folder)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_fresh_checkout_migrates_imports_and_serves_then_stops_its_server(data):
    env = {"DEBUG": "true", "EMBEDDED_POSTGRES_DIR": str(data)}
    migrate = manage("migrate", "--noinput", "-v0", **env)
    assert migrate.returncode == 0, migrate.stderr
    assert wait_until_stopped(data), "the server outlived the only process that used it"
    imported = manage("import_archive", str(MAHDI), **env)
    assert imported.returncode == 0, imported.stderr
    assert "Posts: 1 created" in imported.stdout

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=environment(**env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        page = None
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        assert page is not None, "runserver did not answer"
        assert "AP: Mahdi Army fractures" in page.decode()
        # Only a socket in the data folder: the server listens on no TCP port.
        postmaster = psutil.Process(postmaster_pid(data))
        assert not [c for c in postmaster.net_connections(kind="inet") if c.status == "LISTEN"]
        assert (data / ".s.PGSQL.5432").is_socket()
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        server.wait(timeout=30)
    assert wait_until_stopped(data), "Ctrl-C on the site left its database server running"


@pytest.mark.slow
def test_the_site_ended_with_kill_stops_its_server_too(data):
    """As bin/serve runs it, with the reloader: the serving process connects in a
    thread of its own, where no signal handler can be set."""
    env = {"DEBUG": "true", "EMBEDDED_POSTGRES_DIR": str(data)}
    assert manage("migrate", "--noinput", "-v0", **env).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=ROOT,
        env=environment(**env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            break
        except OSError:
            time.sleep(0.1)
    assert postmaster_pid(data)
    # As a process manager ends a service: the reloader kills its child with
    # SIGKILL on the way out, so the child never gives back its handle.
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    assert wait_until_stopped(data), "kill on the site left its database server running"


HOLD = """
import sys, time
from django.db import connection
import django; django.setup()
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_postmaster_start_time()")
    print(cursor.fetchone()[0].isoformat(), flush=True)
time.sleep(float(sys.argv[1]))
"""


def hold(data: Path, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", HOLD, str(seconds)], cwd=ROOT,
        env=environment(DEBUG="true", EMBEDDED_POSTGRES_DIR=str(data)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_the_server_stays_warm_between_commands_then_stops(data):
    first = hold(data, 0)
    started = first.communicate(timeout=120)[0]
    second = hold(data, 0)  # within the idle second: the same server
    assert second.communicate(timeout=120)[0] == started
    assert wait_until_stopped(data)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_process_ended_with_kill_lets_its_server_stop_too(data, how):
    holder = hold(data, 60)
    assert holder.stdout.readline()  # connected
    holder.send_signal(getattr(signal, how))
    holder.wait(timeout=30)
    assert wait_until_stopped(data), "kill left the database server running"


@pytest.mark.slow
def test_two_processes_started_at_once_on_a_fresh_folder_share_one_server(data):
    first, second = hold(data, 2), hold(data, 2)
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    assert outputs[0][0] == outputs[1][0]  # one server: one start time
    assert wait_until_stopped(data)


CRASH = """
import os, signal, psutil
from django.conf import settings
from django.db import connection
import django; django.setup()
connection.ensure_connection()
data = settings.EMBEDDED_POSTGRES_DIR
janitor = int((data.parent / f".{data.name}.janitor").read_text())
postmaster = int((data / "postmaster.pid").read_text().split()[0])
for pid in (janitor, postmaster):  # as a machine crash would end them
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(10)
os._exit(0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("pid_file", ["left by a dead server", "naming another process"])
def test_a_server_killed_mid_run_is_recovered_by_the_next_start(data, pid_file):
    crashed = python(CRASH, DEBUG="true", EMBEDDED_POSTGRES_DIR=str(data))
    assert crashed.returncode == 0, crashed.stderr
    assert postmaster_pid(data) is not None  # stale
    if pid_file == "naming another process":  # its number since taken by a live process
        stale = (data / "postmaster.pid").read_text().split("\n", 1)[1]
        (data / "postmaster.pid").write_text(f"{os.getpid()}\n{stale}")

    again = hold(data, 0)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert out.strip()
    # The dead process's handle is forgotten: the server stops once unused.
    assert wait_until_stopped(data)


@pytest.mark.slow
def test_a_folder_that_cannot_be_written_is_one_clear_sentence(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    run = manage("migrate", DEBUG="true", EMBEDDED_POSTGRES_DIR=str(blocker / "pg"))
    assert run.returncode != 0
    assert run.stderr.startswith(
        f"Afterword's database: cannot write the embedded PostgreSQL server's folder {blocker}/pg"
    )
    assert "Traceback" not in run.stderr


@pytest.mark.slow
def test_a_handles_file_cut_short_never_stops_a_server_in_use_and_is_mended(data):
    holder = hold(data, 4)
    assert holder.stdout.readline()  # connected, its handle written
    (data / ".handle_pids.json").write_text("")  # as a write cut short by a crash
    time.sleep(2.5)  # over twice the idle second: the janitor must not take it for unused
    assert postmaster_pid(data) is not None
    holder.communicate(timeout=60)
    again = hold(data, 0)  # the next start mends the file
    assert again.communicate(timeout=60)[0].strip()
    assert json.loads((data / ".handle_pids.json").read_text()) == []
    assert wait_until_stopped(data)
