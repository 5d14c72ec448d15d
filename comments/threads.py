"""Turn a post's comments, in thread order, into what a reader sees."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.core.paginator import Paginator

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
    moderated: bool = False  # shown to staff although readers do not see it

    @property
    def awaiting(self) -> bool:
        """Held for moderation: said to its author only, since nobody else sees it."""
        return self.own and not self.comment.is_published


def shown_to(comment: Comment, own: Collection[int], *, staff: bool) -> bool:
    """Whether a reader sees the comment itself: published, or their own and
    held (pending or spam), or anything for staff."""
    return (
        staff
        or comment.is_published
        or (comment.pk in own and comment.status in (Status.PENDING, Status.SPAM))
    )


def visible_thread(
    comments: Iterable[Comment], own: Collection[int] = (), *, staff: bool = False
) -> list[ThreadEntry]:
    """The published comments in order, the reader's own held ones, and a
    placeholder for each hidden comment with visible replies (a thread must
    not lose its shape). Staff see every comment in its place, the hidden
    ones marked `moderated`."""
    comments = list(comments)
    own = set(own)

    def shown(comment: Comment) -> bool:
        return shown_to(comment, own, staff=staff)

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
        if depth > MAX_INDENT and comment.parent_id is not None:  # deep: always a reply
            reply_to = names.get(comment.parent_id) or "a removed comment"
        entries.append(
            ThreadEntry(
                comment,
                min(depth, MAX_INDENT),
                placeholder=not visible,
                reply_to=reply_to,
                own=comment.pk in own,
                replied=comment.pk in parents,
                moderated=staff and not comment.is_published,
            )
        )
    return entries


@dataclass(frozen=True, slots=True)
class ThreadPages:
    """A thread cut into pages between top-level comments: a reply is always on
    its parent's page. A thread of its own larger than a page gets a page of
    its own rather than being cut."""

    entries: list[ThreadEntry]
    bounds: list[tuple[int, int]]  # [start, end) in entries, one per page

    @classmethod
    def split(cls, entries: list[ThreadEntry], per_page: int) -> ThreadPages:
        bounds: list[tuple[int, int]] = []
        start = 0
        for index, entry in enumerate(entries):
            if entry.depth == 0 and index - start > 0:
                thread_end = _thread_end(entries, index)
                if thread_end - start > per_page:
                    bounds.append((start, index))
                    start = index
        if entries:
            bounds.append((start, len(entries)))
        return cls(entries, bounds or [(0, 0)])

    @property
    def count(self) -> int:
        return len(self.bounds)

    @property
    def comments(self) -> list[Comment]:
        """Every comment the thread shows (placeholders are not comments)."""
        return [entry.comment for entry in self.entries if not entry.placeholder]

    def position(self, number: int) -> PagePosition:
        """Where page `number` stands: which of the thread's comments it shows."""
        start, end = self.bounds[number - 1]
        before = sum(not entry.placeholder for entry in self.entries[:start])
        shown = sum(not entry.placeholder for entry in self.entries[start:end])
        return PagePosition(number, self.count, before + 1, before + shown)

    def page(self, number: int) -> list[ThreadEntry]:
        start, end = self.bounds[number - 1]
        return self.entries[start:end]

    def page_of(self, comment_id: int) -> int | None:
        """The page that shows the comment; None if it is not shown (a
        placeholder shows only that something was removed)."""
        for number, (start, end) in enumerate(self.bounds, start=1):
            for entry in self.entries[start:end]:
                if entry.comment.pk == comment_id:
                    return None if entry.placeholder else number
        return None

    def page_numbers(self) -> dict[int, int]:
        """{comment id: page number} for every entry."""
        return {
            entry.comment.pk: number
            for number, (start, end) in enumerate(self.bounds, start=1)
            for entry in self.entries[start:end]
        }


@dataclass(frozen=True, slots=True)
class ThreadIndex:
    """Where a long thread's pages begin, worked out from its published
    comments alone, so that it is the same for every reader and is worked
    out once per thread version (comments/paging.py caches it). Pages are cut
    between top-level threads as ThreadPages cuts them; each is a range of
    paths, from the first path of its first top-level thread to the next
    page's, so that every comment any reader sees (their own held ones, a
    placeholder, all of them for staff) falls on exactly one page."""

    starts: tuple[bytes, ...]  # the first path of each page; page 1's is b""
    before: tuple[int, ...]  # published comments on the pages before each
    total: int  # published comments
    imported: int  # of them, from an archive

    @classmethod
    def of(cls, published: Iterable[tuple[bytes, bool]], per_page: int) -> ThreadIndex:
        """From (path, imported) of every published comment, in path order."""
        roots: list[list] = []  # [top-level path segment, comments under it]
        imported = 0
        for path, was_imported in published:
            root = bytes(path[:SEGMENT_SIZE])
            if roots and roots[-1][0] == root:
                roots[-1][1] += 1
            else:
                roots.append([root, 1])
            imported += was_imported
        starts, before = [b""], [0]
        on_page = seen = 0
        for root, size in roots:
            if on_page and on_page + size > per_page:
                starts.append(root)
                before.append(seen)
                on_page = 0
            on_page += size
            seen += size
        return cls(tuple(starts), tuple(before), seen, imported)

    @property
    def count(self) -> int:
        return len(self.starts)

    def bounds(self, number: int) -> tuple[bytes, bytes | None]:
        """Page `number`'s paths: from the first, up to (not including) the second."""
        end = self.starts[number] if number < self.count else None
        return self.starts[number - 1], end

    def page_of(self, path: bytes | memoryview) -> int:
        return bisect_right(self.starts, bytes(path))


@dataclass(frozen=True, slots=True)
class PagePosition:
    """ "Comments 301–600 of 1,234 · page 2 of 5"."""

    number: int
    count: int
    first: int  # the first comment shown, counting from 1
    last: int

    @property
    def numbers(self) -> list[int | str]:
        """The pages to link: both ends and three either side of this one,
        with "…" for the runs between (Django's elided page range)."""
        pages = Paginator(range(self.count), 1)
        return list(pages.get_elided_page_range(self.number, on_each_side=3, on_ends=2))


def _thread_end(entries: list[ThreadEntry], start: int) -> int:
    """The index after the top-level thread that starts at `start`."""
    end = start + 1
    while end < len(entries) and entries[end].depth > 0:
        end += 1
    return end
