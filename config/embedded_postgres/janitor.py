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
import signal
import sys
import time
from pathlib import Path

import fasteners
import psutil

POLL_SECONDS = 0.5


def living_handles(data: Path) -> list[int]:
    """The processes holding the server, with the dead ones forgotten."""
    handles = data / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (FileNotFoundError, ValueError):
        return []
    living = [pid for pid in pids if psutil.pid_exists(pid)]
    if living != pids:
        handles.write_text(json.dumps(living))
    return living


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
        # The lock that starting processes hold: none can take the server
        # between the last look at the handles and the stop.
        with fasteners.InterProcessLock(str(lock)):
            server = postmaster(data)
            if server is None:
                return  # stopped by someone else
            if living_handles(data):
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
