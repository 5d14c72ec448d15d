"""Writes that touch more than one row."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from comments import notifications
from comments.guards import initial_status
from comments.models import Comment, CommentRevision, PurgedComment, Status
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
    ip_address: str | None = None,
    submission: str = "",
    written_by=None,
) -> Comment:
    """Add a comment written on the site, in its place in the thread;
    `written_by` is the moderator who wrote it from the admin, as staff."""
    if parent is not None and parent.post_id != post.pk:
        raise ValueError("A reply belongs to its parent's post.")
    posted = posted or timezone.now()
    # The UPDATE takes the post's row lock until commit, so concurrent writers
    # are handed consecutive numbers.
    Post.objects.filter(pk=post.pk).update(last_comment_number=F("last_comment_number") + 1)
    number = Post.objects.values_list("last_comment_number", flat=True).get(pk=post.pk)
    comment = Comment.objects.create(
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
        ip_address=ip_address or None,
        submission=submission,
        written_by=written_by,
    )
    if comment.is_published:
        notifications.published(comment)
    elif comment.status == Status.PENDING:
        notifications.held(comment)
    return comment


def comment_submit(*, form, address: str | None) -> tuple[Comment, bool]:
    """Create the comment a valid CommentForm describes, with the status the
    moderation rules give it. Returns (comment, created): the same form sent
    twice (a double click, a reload) returns the comment the first one made."""
    data = form.cleaned_data
    submission = form.submission()
    earlier = Comment.objects.filter(submission=submission).first()
    if earlier is not None:
        return earlier, False
    status = initial_status(
        name=data["name"], email=data["email"], website="", body=data["body"],
        address=address or "",
    )  # fmt: skip
    try:
        comment = comment_create(
            post=form.post, parent=form.parent_comment, author_name=data["name"],
            email=data["email"], body=data["body"], status=status,
            ip_address=address, submission=submission,
        )  # fmt: skip
    except IntegrityError:
        # Both sends arrived at once: the constraint let one through.
        earlier = Comment.objects.filter(submission=submission).first()
        if earlier is None:
            raise
        return earlier, False
    if data.get("notify") and data["email"]:
        notifications.subscribe(email=data["email"], post=form.post, kind=data["notify"])
    return comment, True


class HasReplies(Exception):
    """A comment someone has answered can no longer be edited or deleted by its author."""


class NotEditable(Exception):
    """A comment a moderator holds, marked as spam or removed is not its author's to edit."""


@transaction.atomic
def comment_edit(comment: Comment, body: str) -> Comment:
    """Its author edits a published comment. The new text is judged as a new
    comment's would be (blocklist, link limit, moderation policy): one that
    would be held leaves public view until a moderator decides. The text it
    replaces is kept as a revision."""
    # FOR UPDATE conflicts with the key-share lock a new reply takes on its
    # parent: no reply can slip in between the check and the edit.
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.status != Status.PUBLISHED:
        raise NotEditable
    if locked.replies.exists():
        raise HasReplies
    CommentRevision.objects.create(comment=locked, body=locked.body, status=locked.status)
    locked.body = normalize_body(body)
    locked.status = initial_status(
        name=locked.author_name, email=locked.email, website=locked.website,
        body=locked.body, address=locked.ip_address or "",
    )  # fmt: skip
    locked.edited_at = timezone.now()
    locked.save(update_fields=["body", "status", "edited_at"])
    return locked


BY_AUTHOR = "its author"  # deleted_by for a comment its writer deleted


@transaction.atomic
def comment_delete(comment: Comment) -> None:
    """Its author deletes it: it leaves the thread, and a tombstone stays."""
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.replies.exists():
        raise HasReplies
    comments_delete(Comment.objects.filter(pk=locked.pk), by=BY_AUTHOR)


def comments_delete(comments: QuerySet[Comment], *, by: str) -> int:
    """Delete comments as the site does: each becomes a tombstone (status
    DELETED, who and when), which its thread shows as removed if it has
    replies and which a re-import of its capture never brings back. One
    conditional UPDATE: a comment deleted twice at once is deleted once."""
    return comments.exclude(status=Status.DELETED).update(
        status=Status.DELETED, deleted_at=timezone.now(), deleted_by=by
    )


@transaction.atomic
def comments_purge(*, deleted_before: datetime) -> tuple[int, int]:
    """Remove the rows of comments deleted before `deleted_before`, keeping a
    PurgedComment of each. Those with replies stay: their thread needs them.
    Returns (purged, kept for their replies)."""
    deleted = Comment.objects.filter(status=Status.DELETED, deleted_at__lt=deleted_before)
    answered = deleted.filter(replies__isnull=False).distinct()
    kept = answered.count()
    doomed = list(
        deleted.exclude(pk__in=answered.values("pk")).select_for_update().values(
            "pk", "post_id", "fingerprint", "occurrence", "author_name", "body", "posted",
            "deleted_at", "deleted_by",
        )
    )  # fmt: skip
    PurgedComment.objects.bulk_create(
        [PurgedComment(**{k: v for k, v in row.items() if k != "pk"}) for row in doomed],
        ignore_conflicts=True,  # purged before, restored, deleted again: one is enough
    )
    Comment.objects.filter(pk__in=[row["pk"] for row in doomed]).delete()
    return len(doomed), kept
