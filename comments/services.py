"""Writes that touch more than one row."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from comments.models import Comment, Status
from comments.paths import child_path
from posts.models import Post

_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def normalize_body(text: str) -> str:
    """A reader's text as stored: paragraphs split by one blank line, line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


@transaction.atomic
def comment_create(
    *,
    post: Post,
    author_name: str,
    body: str,
    parent: Comment | None = None,
    email: str = "",
    website: str = "",
    status: str = Status.PUBLISHED,
    posted: datetime | None = None,
) -> Comment:
    """Add a comment written on the site, in its place in the thread."""
    if parent is not None and parent.post_id != post.pk:
        raise ValueError("A reply belongs to its parent's post.")
    posted = posted or timezone.now()
    # The UPDATE takes the post's row lock until commit, so concurrent writers
    # are handed consecutive numbers.
    Post.objects.filter(pk=post.pk).update(last_comment_number=F("last_comment_number") + 1)
    number = Post.objects.values_list("last_comment_number", flat=True).get(pk=post.pk)
    return Comment.objects.create(
        post=post,
        parent=parent,
        number=number,
        path=child_path(parent.path if parent else None, posted, number),
        author_name=author_name.strip(),
        email=email,
        website=website,
        body=normalize_body(body),
        posted=posted,
        posted_text=Comment.format_posted(posted),
        status=status,
    )
