"""Turn a post's comments, in thread order, into what a reader sees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from comments.models import Comment
from comments.paths import SEGMENT_SIZE

# Deeper replies are shown at this depth: a thread stays readable on a phone.
MAX_INDENT = 6


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    comment: Comment
    depth: int  # as indented on the page
    placeholder: bool  # a hidden comment kept only so that its replies read in place


def visible_thread(comments: Iterable[Comment]) -> list[ThreadEntry]:
    """The published comments, in order, plus a placeholder for each hidden
    comment that has published replies (a thread must not lose its shape)."""
    comments = list(comments)
    needed: set[bytes] = set()
    for comment in comments:
        if comment.is_visible and len(comment.path) > SEGMENT_SIZE:
            path = bytes(comment.path)
            needed.update(path[:end] for end in range(SEGMENT_SIZE, len(path), SEGMENT_SIZE))
    entries = []
    for comment in comments:
        visible = comment.is_visible
        if visible or bytes(comment.path) in needed:
            entries.append(ThreadEntry(comment, min(comment.depth, MAX_INDENT), not visible))
    return entries
