"""Two importers at once, each on its own connection, committing for real."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from comments.models import Comment
from posts.models import Post
from tests.conftest import ARCHIVES, SAMPLE_COMMENTS, SAMPLE_POSTS


def two_at_once(*args: str) -> list[str]:
    """import_archive ARGS run by two threads at the same moment, each on its
    own connection; their outputs (the first error, if any, is raised)."""
    barrier = threading.Barrier(2)
    outputs, errors = [], []

    def importer():
        out = io.StringIO()
        try:
            barrier.wait()
            call_command("import_archive", *args, stdout=out)
            outputs.append(out.getvalue())
        except Exception as error:  # raised below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=importer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return outputs


@pytest.mark.django_db(transaction=True)
def test_two_importers_on_the_same_folder_duplicate_nothing():
    # One capture per transaction maximises the interleaving.
    outputs = two_at_once(str(ARCHIVES), "--batch-size", "1")
    assert Post.objects.count() == SAMPLE_POSTS
    assert Comment.objects.count() == SAMPLE_COMMENTS
    created = sum(int(out.split("Posts: ")[1].split(" created")[0]) for out in outputs)
    assert created == SAMPLE_POSTS  # each post counted once, by whichever importer made it


@pytest.mark.django_db(transaction=True)
def test_two_importers_of_the_same_exports_duplicate_nothing():
    exports = ARCHIVES.parent.parent.parent / "examples" / "exports"
    two_at_once(str(exports))
    call_command("import_archive", str(exports), stdout=io.StringIO())  # and once alone
    keys = list(Comment.objects.values_list("source_key", flat=True))
    assert len(keys) == len(set(keys)) == 16
    assert Post.objects.count() == 4  # two from WordPress, two made from Disqus threads
