"""The thread renderer escapes everything a reader or an archive wrote."""

import pytest

from comments.models import Status
from comments.rendering import ThreadContext, thread_html
from comments.threads import visible_thread
from posts.text import paragraphs_html
from tests.factories import PostFactory, reply

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><a href="javascript:alert(1)">x</a>',
    "' onmouseover='alert(1)",
]


def test_paragraphs_and_line_breaks():
    assert paragraphs_html("One\nline.\n\nTwo.") == "<p>One<br>line.</p><p>Two.</p>"
    assert paragraphs_html("") == ""


def render(post) -> str:
    entries = visible_thread(post.comments.order_by("path"))
    return str(thread_html(entries, ThreadContext(post.zone)))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_site_comment_is_escaped_everywhere(text, client):
    post = PostFactory()
    reply(post=post, author_name=text, body=f"{text}\n\n{text}")
    html = render(post)
    assert "<script" not in html
    assert "<img" not in html
    assert '<a href="javascript' not in html
    assert "onmouseover='" not in html
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page


def test_placeholder_says_nothing_of_the_removed_text():
    post = PostFactory()
    hidden = reply(post=post, author_name="Secret name", body="Secret words")
    reply(hidden, author_name="Answer")
    post.comments.filter(pk=hidden.pk).update(status=Status.SPAM)
    html = render(post)
    assert "Secret" not in html
    assert "This comment was removed." in html


def test_the_thread_template_takes_rows_apart_in_their_fields_order():
    """The template unpacks each Row by position: a field added, dropped or
    moved in one place and not the other would shift every value after it."""
    import re
    from pathlib import Path

    from comments.rendering import Row

    template = (Path(__file__).parent.parent / "templates/comments/thread.jinja").read_text()
    unpacked = re.search(r"\{%- for (.*?) in rows -%\}", template).group(1)
    assert [name.strip() for name in unpacked.split(",")] == list(Row._fields)
