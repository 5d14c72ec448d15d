"""Turn a post's comments, in thread order, into what a reader sees."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from comments.models import Comment, Status
from comments.paths import SEGMENT_SIZE

# Deeper replies are shown at this depth, labelled with whom they answer: a
# thread stays readable on a phone.
MAX_INDENT = 6


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    comment: Comment
    depth: int  # as indented on the page
    placeholder: bool = False  # a hidden comment kept only so that its replies read in place
    reply_to: str | None = None  # the parent's name, for replies deeper than MAX_INDENT
    own: bool = False  # written from the reader's browser
    replied: bool = False  # has replies (of any status)

    @property
    def awaiting(self) -> bool:
        """Held for moderation: said to its author only, since nobody else sees it."""
        return self.own and self.comment.status != Status.PUBLISHED


def visible_thread(comments: Iterable[Comment], own: Collection[int] = ()) -> list[ThreadEntry]:
    """The published comments in order, the reader's own held ones, and a
    placeholder for each hidden comment with visible replies (a thread must
    not lose its shape)."""
    comments = list(comments)
    own = set(own)

    def shown(comment: Comment) -> bool:
        return comment.is_visible or (
            comment.pk in own and comment.status in (Status.PENDING, Status.SPAM)
        )

    needed: set[bytes] = set()
    parents: set[int] = set()
    for comment in comments:
        if comment.parent_id is not None:
            parents.add(comment.parent_id)
            if shown(comment):
                path = bytes(comment.path)
                needed.update(path[:end] for end in range(SEGMENT_SIZE, len(path), SEGMENT_SIZE))
    entries = []
    names: dict[int, str | None] = {}  # of the comments listed, None for placeholders
    for comment in comments:
        visible = shown(comment)
        if not (visible or bytes(comment.path) in needed):
            continue
        names[comment.pk] = comment.author_name if visible else None
        depth = comment.depth
        reply_to = None
        if depth > MAX_INDENT:
            reply_to = names.get(comment.parent_id) or "a removed comment"
        entries.append(
            ThreadEntry(
                comment,
                min(depth, MAX_INDENT),
                placeholder=not visible,
                reply_to=reply_to,
                own=comment.pk in own,
                replied=comment.pk in parents,
            )
        )
    return entries
