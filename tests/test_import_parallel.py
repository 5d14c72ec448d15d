"""Imports in several processes, committing for real on their own connections."""

import io
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from comments.models import Comment
from importers.models import ImportRun
from importers.running import usable_jobs
from posts.models import Post
from tests.conftest import (
    ARCHIVES,
    MAHDI,
    SAMPLE_COMMENTS,
    SAMPLE_FILES,
    SAMPLE_POSTS,
    subprocess_database_url,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def import_archive(*args) -> str:
    out = io.StringIO()
    call_command("import_archive", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def command_env() -> dict[str, str]:
    """The environment for manage.py in a process of its own, on the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "SECRET_KEY": "test",
        "ALLOWED_HOSTS": "test",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def import_in_a_process(*args) -> subprocess.CompletedProcess:
    """The command as an operator runs it: a fresh process, with no test threads
    around (a threaded process imports in one process only)."""
    return subprocess.run(
        [sys.executable, "manage.py", "import_archive", "-v", "2", *map(str, args)],
        cwd=ROOT, env=command_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def snapshot() -> tuple[list, list]:
    posts = list(Post.objects.order_by("title").values_list("title", "body", "source_name", "slug"))
    comments = list(
        Comment.objects.order_by("post__title", "number").values_list(
            "post__title", "number", "author_name", "body", "posted", "source_file", "source_line"
        )
    )
    return posts, comments


def forget_everything() -> None:
    Comment.objects.all().delete()
    Post.objects.all().delete()


@pytest.fixture
def folder(tmp_path):
    """The sample captures and, among them, three later captures of one post:
    the last one in file order must be the one whose text stays."""
    for capture in ARCHIVES.glob("*.txt"):
        shutil.copy(capture, tmp_path / capture.name)
    text = MAHDI.read_text()
    for n, name in enumerate(("a-later.txt", "m-later.txt", "z-latest.txt"), start=1):
        body = text.replace("Pretty well sourced, too.", f"Pretty well sourced, take {n}.")
        late = f"\n\nLate comment {n}.\n\nNightOwl on March 23, 2007 at {n}:00 AM\n"
        (tmp_path / name).write_text(body + late)
    return tmp_path


def ledger_of(run):
    return sorted(run.files.values_list("path", "outcome", "first_number", "last_number"))


def test_several_processes_import_exactly_what_one_does(folder):
    one = import_in_a_process(folder, "--jobs", "1", "--batch-size", "1")
    assert f"Writing {SAMPLE_FILES + 3} files with 1 process." in one.stdout
    expected = snapshot()
    forget_everything()
    two = import_in_a_process(folder, "--jobs", "2", "--batch-size", "1")
    assert f"Writing {SAMPLE_FILES + 3} files with 2 processes." in two.stdout

    assert snapshot() == expected

    def summary_of(run):
        return re.sub(r" Recorded as run \d+ .*", "", run.stdout.splitlines()[-1])

    assert summary_of(two) == summary_of(one)
    # Both runs' ledgers say the same of every file, whichever process wrote it.
    first, second = ImportRun.objects.order_by("pk")
    assert ledger_of(second) == ledger_of(first)
    assert len(ledger_of(second)) == SAMPLE_FILES + 3
    summary = (
        f"Files: {SAMPLE_FILES + 3} imported, 0 unchanged, 0 failed. "
        f"Posts: {SAMPLE_POSTS} created, 3 updated."
    )
    assert summary in two.stdout
    assert Post.objects.get(title__contains="Mahdi").source_name == str(folder / "z-latest.txt")
    # And a second parallel run finds everything already there.
    again = import_in_a_process(folder, "--jobs", "2", "--batch-size", "1")
    assert f"Files: 0 imported, {SAMPLE_FILES + 3} unchanged, 0 failed." in again.stdout
    assert snapshot() == expected


WALKS = """
import sys
from zoneinfo import ZoneInfo
import django
django.setup()
from importers.running import run_import
from importers.sources import Sources

class Walked:
    walks = 0  # in the process that walks: a worker's count stays its own

    def __iter__(self):
        Walked.walks += 1
        return iter(Sources([sys.argv[1]]))

zone = ZoneInfo("America/New_York")
reports = list(run_import(Walked(), zone=zone, batch_size=1, jobs=2))
print(sum(report.files for report in reports), Walked.walks)
"""


def test_a_parallel_import_leaves_the_walk_of_the_files_to_its_workers(folder):
    """The parent holds no list of the archive's files, nor reads them: its
    memory, which every forked worker starts with, must not grow with the archive."""
    env = {**command_env(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", WALKS, str(folder)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(SAMPLE_FILES + 3), "0"]
    assert Post.objects.count() == SAMPLE_POSTS


def test_how_many_processes_an_import_uses(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert usable_jobs(4, 1000, 200) == 4
    assert usable_jobs(4, 300, 200) == 2  # at most one per batch
    assert usable_jobs(4, 10, 200) == 1
    with transaction.atomic():  # other connections would not see this transaction
        assert usable_jobs(4, 1000, 200) == 1
    monkeypatch.setattr(threading, "active_count", lambda: 3)  # forking may deadlock
    assert usable_jobs(4, 1000, 200) == 1


def test_a_bad_file_in_a_parallel_import_is_reported_and_the_rest_written(folder):
    (folder / "broken.txt").write_text("A title\n\nno byline here\n")
    run = import_in_a_process(folder, "--jobs", "2", "--batch-size", "1")
    assert run.returncode == 1
    assert "with 2 processes" in run.stdout
    assert f"{folder / 'broken.txt'}:3: missing byline" in run.stderr
    assert f"1 of {SAMPLE_FILES + 4} files failed" in run.stderr
    assert Post.objects.count() == SAMPLE_POSTS


def test_two_import_commands_at_once_on_overlapping_folders_duplicate_nothing(folder):
    """Two separate importer processes, as two operators might start them."""
    env = command_env()
    command = [sys.executable, "manage.py", "import_archive", "--quiet", "--batch-size", "1"]
    runs = [
        subprocess.Popen([*command, str(folder)], cwd=ROOT, env=env, stderr=subprocess.PIPE),
        subprocess.Popen([*command, str(ARCHIVES)], cwd=ROOT, env=env, stderr=subprocess.PIPE),
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()

    posts, comments = snapshot()
    forget_everything()
    import_archive(ARCHIVES, "--jobs", "1")
    import_archive(folder, "--jobs", "1")
    alone_posts, alone_comments = snapshot()
    assert len(comments) == len(alone_comments) == SAMPLE_COMMENTS + 3
    assert {c[:5] for c in comments} == {c[:5] for c in alone_comments}
    assert len(posts) == SAMPLE_POSTS


def test_a_real_import_prints_its_summary_once():
    run = import_in_a_process(MAHDI)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Files: 1 imported") == 1, run.stdout


def test_a_named_pipe_or_socket_among_the_captures_is_skipped_with_a_warning(tmp_path):
    """Reading a named pipe would wait for ever: the import must not hang."""
    import socket

    shutil.copy(MAHDI, tmp_path / MAHDI.name)
    os.mkfifo(tmp_path / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "socket.txt"))
    try:
        for extra in ([], ["--jobs", "2", "--batch-size", "1"]):
            run = import_in_a_process(tmp_path, tmp_path / "pipe.txt", *extra)  # folder, and named
            assert run.returncode == 0, run.stderr
            warnings = sorted(run.stderr.splitlines())
            assert warnings == [
                f"{tmp_path / 'pipe.txt'}: warning: a named pipe, not a capture; skipped",
                f"{tmp_path / 'pipe.txt'}: warning: a named pipe, not a capture; skipped",
                f"{tmp_path / 'socket.txt'}: warning: a socket, not a capture; skipped",
            ]
        assert Post.objects.count() == 1
    finally:
        server.close()


def test_an_unreachable_database_is_one_sentence_not_a_line_a_file(folder):
    env = {**command_env(), "DATABASE_URL": "postgres://postgres@127.0.0.1:9/afterword"}
    for jobs in ("1", "2"):
        run = subprocess.run(
            [sys.executable, "manage.py", "import_archive", "--jobs", jobs, str(folder)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 1
        (line,) = run.stderr.strip().splitlines()
        assert line.startswith("CommandError: cannot reach the database (")
        assert line.endswith("nothing more was imported. Re-running the import later is safe.")
