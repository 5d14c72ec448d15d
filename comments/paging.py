"""A thread's pages as a reader gets them.

A short thread is read whole and cut for the reader (ThreadPages). A long one
(LONG_THREAD published comments or more) is cut once per version of the
thread (Thread, kept by a trigger) by its published comments (ThreadIndex),
and that index and the quotations of each page are cached under the version:
a page then reads only its own range of paths, and finding the page of a
comment reads only that comment, however long the thread. Whenever the cache
has neither, the thread's published comments are read once, as plain values,
to work them out again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import OuterRef, Subquery

from comments.models import Comment, Thread
from comments.quotes import MIN_WORDS, Source, find_quotes
from comments.readers import OwnComments, is_moderator
from comments.threads import (
    PagePosition,
    ThreadEntry,
    ThreadIndex,
    ThreadPages,
    shown_to,
    visible_thread,
)
from posts.models import Post

LONG_THREAD = 500  # published comments; below, reading the whole thread costs less
CACHE_SECONDS = 7 * 24 * 3600  # a new version makes new keys: old ones only age out


@dataclass(frozen=True, slots=True)
class ThreadPage:
    entries: list[ThreadEntry]  # what this page shows this reader
    count: int  # pages
    position: PagePosition
    total: int  # published comments in the thread
    imported: int  # of them, from an archive
    quotes: dict[int, dict[int, Source]]  # of the comments shown
    pages: dict[int, int]  # comment id -> page, for links to comments on other pages


def thread_page(post: Post, number: int, *, own: set[int], staff: bool) -> ThreadPage | None:
    """Page `number` of the post's thread as a reader sees it who wrote the
    comments `own` (and moderates, with `staff`); None if the thread has no
    such page."""
    if post.comment_count < LONG_THREAD:
        return _short_page(post, number, own, staff)
    index, quotes = _long_thread(post, number)
    if number > index.count:
        return None
    start, end = index.bounds(number)
    rows = Comment.objects.thread(post).filter(path__gte=start)
    rows = list(rows.filter(path__lt=end) if end is not None else rows)
    entries = visible_thread(rows, own=own, staff=staff)
    shown = sum(not entry.placeholder for entry in entries)
    before = index.before[number - 1]
    position = PagePosition(number, index.count, before + 1, before + shown)
    page_quotes, pages = quotes
    return ThreadPage(entries, index.count, position, index.total, index.imported,
                      page_quotes, pages)  # fmt: skip


def page_of(request, comment: Comment) -> int | None:
    """The page of its thread that shows `comment` to this reader; None if
    it is not shown to them."""
    own = OwnComments.of(request).ids
    staff = is_moderator(request.user)
    post = comment.post
    if post.comment_count < LONG_THREAD:
        entries = visible_thread(Comment.objects.thread(post), own=own, staff=staff)
        return ThreadPages.split(entries, settings.COMMENTS_PER_PAGE).page_of(comment.pk)
    if not shown_to(comment, own, staff=staff):
        return None
    if getattr(comment, "thread_version", None) is not None:  # read with it: with_version
        post.thread_version = comment.thread_version
    index, _ = _long_thread(post, None)
    return index.page_of(comment.path)


def _short_page(post: Post, number: int, own: set[int], staff: bool) -> ThreadPage | None:
    entries = visible_thread(Comment.objects.thread(post), own=own, staff=staff)
    pages = ThreadPages.split(entries, settings.COMMENTS_PER_PAGE)
    if number > pages.count:
        return None
    comments = pages.comments
    imported = sum(comment.is_imported for comment in comments)
    return ThreadPage(
        pages.page(number), pages.count, pages.position(number), len(comments), imported,
        _quotes(post, comments), pages.page_numbers() if pages.count > 1 else {},
    )  # fmt: skip


def _quotes(post: Post, comments: list[Comment]) -> dict[int, dict[int, Source]]:
    """The quotations of a short thread's published comments, cached under
    its version as a long thread's are (a reader's own held comment, or
    staff's view of hidden ones, quotes nothing until published)."""
    published = [comment for comment in comments if comment.is_published]
    key = f"{thread_key(post)}:quotes"
    found = cache.get(key)
    if found is None:
        found = find_quotes(post.body, published)
        cache.set(key, found, CACHE_SECONDS)
    return found


Quotes = tuple[dict[int, dict[int, Source]], dict[int, int]]


# A post page's state, in one query (a conditional request reads nothing
# else): the post's last change (updated_at, which every writer of a post
# sets, and the comment count the database keeps), its thread's version, and
# the neighbouring posts it links to, one step either way along the index
# post_timeline. The query is the database function post_page_state
# (migration comments 0017), whose plan PostgreSQL keeps for the connection.
_PAGE_STATE = "SELECT * FROM post_page_state(%s)"


@dataclass(frozen=True, slots=True)
class PageState:
    post_id: int
    published: datetime.datetime
    digest: str  # the post's last change and its thread's version
    older: Post | None  # the neighbours, with what their links need
    newer: Post | None

    @property
    def shown(self) -> tuple:
        """What the page shows but the reader's own, for its tag."""
        return (self.digest, *(
            (post.pk, post.title, post.slug, post.published) if post else None
            for post in (self.older, self.newer)
        ))  # fmt: skip


def page_state(slug: str) -> PageState | None:
    """The state of the page of the post at `slug`, in one query; None if
    there is no such post."""
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_STATE, [slug])
        row = cursor.fetchone()
    if row is None:
        return None
    post_id, published, changed, version = row[:4]

    def neighbour(values) -> Post | None:
        pk, title, slug, at = values
        return None if pk is None else Post(pk=pk, title=title, slug=slug, published=at)

    return PageState(post_id, published, f"{changed}:{version}", neighbour(row[4:8]),
                     neighbour(row[8:12]))  # fmt: skip


def with_version(rows, post: str = "pk"):
    """Posts, or comments (post="post_id"), annotated with the version of
    their thread, read with them."""
    version = Thread.objects.filter(post_id=OuterRef(post)).values("version")[:1]
    return rows.annotate(thread_version=Subquery(version))


def thread_key(post: Post) -> str:
    """What a thread's cached pages and quotations are kept under: any change
    to its comments (the version) or to the post's text makes a new key."""
    version = getattr(post, "thread_version", None)
    if version is None:
        version = Thread.objects.filter(post_id=post.pk).values_list("version", flat=True).first()
    changed = post.updated_at.timestamp()  # the post's text is quoted too
    return f"thread:{post.pk}:{version}:{changed}:{settings.COMMENTS_PER_PAGE}:{MIN_WORDS}"


class Published(NamedTuple):
    """What a long thread's cut and quotations need of a published comment:
    read as plain values, since a model instance costs more than the work."""

    pk: int
    path: bytes
    imported: bool
    posted: datetime.datetime
    number: int
    author_name: str
    body: str


def _long_thread(post: Post, number: int | None) -> tuple[ThreadIndex, Quotes]:
    """The thread's index and page `number`'s quotations (none without a
    number), from the cache or worked out from its published comments."""
    key = thread_key(post)
    wanted = [f"{key}:index"] + ([f"{key}:quotes:{number}"] if number else [])
    found = cache.get_many(wanted)
    if len(found) == len(wanted):
        return found[wanted[0]], found[wanted[1]] if number else ({}, {})
    rows = (
        Comment.objects.filter(post=post, status=Comment.Status.PUBLISHED)
        .order_by("path")
        .values_list("pk", "path", "fingerprint", "posted", "number", "author_name", "body")
    )
    published = [
        Published(pk, bytes(path), fingerprint != "", posted, number_, name, body)
        for pk, path, fingerprint, posted, number_, name, body in rows
    ]
    index = ThreadIndex.of(((row.path, row.imported) for row in published),
                           settings.COMMENTS_PER_PAGE)  # fmt: skip
    by_page = _quotes_by_page(post, published, index)
    cache.set_many(
        {f"{key}:index": index} | {f"{key}:quotes:{n}": q for n, q in by_page.items()},
        CACHE_SECONDS,
    )
    return index, by_page.get(number, ({}, {})) if number else ({}, {})


def _quotes_by_page(
    post: Post, published: list[Published], index: ThreadIndex
) -> dict[int, Quotes]:
    """Each page's quotations, and the pages of the comments they quote."""
    page_of_comment = {row.pk: index.page_of(row.path) for row in published}
    by_page: dict[int, Quotes] = {n: ({}, {}) for n in range(1, index.count + 1)}
    for comment_id, quoted in find_quotes(post.body, published).items():
        number = page_of_comment[comment_id]
        page_quotes, pages = by_page[number]
        page_quotes[comment_id] = quoted
        for source in quoted.values():
            if source.comment_id is not None:
                pages[source.comment_id] = page_of_comment[source.comment_id]
    return by_page
