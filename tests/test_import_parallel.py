"""Imports in several processes, committing for real on their own connections."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from comments.models import Comment
from importers.running import usable_jobs
from posts.models import Post
from tests.conftest import ARCHIVES, MAHDI

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent


def import_archive(*args) -> str:
    out = io.StringIO()
    call_command("import_archive", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


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


def test_several_processes_import_exactly_what_one_does(folder):
    files = len(list(folder.glob("*.txt")))
    assert usable_jobs(2, files, 1) == 2  # the run below really uses two processes

    one = import_archive(folder, "--jobs", "1", "--batch-size", "1")
    expected = snapshot()
    forget_everything()
    two = import_archive(folder, "--jobs", "2", "--batch-size", "1")

    assert snapshot() == expected
    assert two == one
    assert "Files: 10 imported, 0 unchanged, 0 failed. Posts: 7 created, 3 updated." in two
    assert Post.objects.get(title__contains="Mahdi").source_name == str(folder / "z-latest.txt")
    # And a second parallel run finds everything already there.
    again = import_archive(folder, "--jobs", "2", "--batch-size", "1")
    assert "Files: 0 imported, 10 unchanged, 0 failed." in again
    assert snapshot() == expected


def test_a_bad_file_in_a_parallel_import_is_reported_and_the_rest_written(folder):
    (folder / "broken.txt").write_text("A title\n\nno byline here\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 11 files failed"):
        call_command(
            "import_archive", str(folder), "--jobs", "2", "--batch-size", "1",
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert f"{folder / 'broken.txt'}:3: missing byline" in err.getvalue()
    assert Post.objects.count() == 7


def test_two_import_commands_at_once_on_overlapping_folders_duplicate_nothing(folder):
    """Two separate importer processes, as two operators might start them."""
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test", "ALLOWED_HOSTS": "test"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
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
    assert len(comments) == len(alone_comments) == 46
    assert {c[:5] for c in comments} == {c[:5] for c in alone_comments}
    assert len(posts) == 7
