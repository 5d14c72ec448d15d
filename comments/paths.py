"""The order of a thread, stored so one indexed query reads it.

Each comment carries a materialized path: its parent's path followed by one
fixed-width segment of its own. Sorting a post's comments by path (bytes, so
no collation can reorder them) lists every comment right after its parent,
siblings in the order they were posted, and ties within a minute (captures are
minute-precise) in the order the comments arrived, since per-post numbers only
grow. Fixed width also makes the depth the path's length over the segment size.
"""

from __future__ import annotations

from datetime import datetime

SEGMENT_SIZE = 9  # 5 bytes of seconds since 0001-01-01 UTC, 4 of the comment's number
_UNIX_EPOCH = 62_135_596_800  # seconds from 0001-01-01 to 1970-01-01, UTC


def segment(posted: datetime, number: int) -> bytes:
    return segment_at(int(posted.timestamp()), number)


def segment_at(unix_seconds: int, number: int) -> bytes:
    """segment() for a time already in seconds since 1970 (UTC)."""
    return (unix_seconds + _UNIX_EPOCH).to_bytes(5, "big") + number.to_bytes(4, "big")


def child_path(parent_path: bytes | memoryview | None, posted: datetime, number: int) -> bytes:
    return bytes(parent_path or b"") + segment(posted, number)


def depth(path: bytes | memoryview) -> int:
    """0 for a comment on the post, 1 for a reply to it, and so on."""
    return len(path) // SEGMENT_SIZE - 1
