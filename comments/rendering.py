"""A thread's markup, from templates/comments/thread.jinja.

A thread is the one loop on the site that runs thousands of times per page.
What most readers see of a page of it (no moderator's controls, no held
comment or edit link of their own) is the same for all of them: it is
written once per version of the thread and kept in the cache
(thread_section). Python works out what each comment shows (its nesting,
quotations, times, links and the reader's own actions); the template writes
the markup and escapes everything a reader or an archive wrote. The template
is Jinja2's, through Django's backend: it compiles to Python, where Django's
engine resolves every variable at each use (some 70 µs a comment, against a
few).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from comments.models import Comment, Status
from comments.moderation import actions_for
from comments.paging import CACHE_SECONDS, thread_key, thread_page
from comments.quotes import Source
from comments.readers import OwnComments
from comments.threads import PagePosition, ThreadEntry
from posts.conditional import release
from posts.jinja import jinja2_environment
from posts.models import Post
from posts.names import person_url
from posts.text import Paragraph, paragraph
from posts.times import clock, machine_time, zone_named


def url_pattern(name: str) -> str:
    """A URL with the comment's id left as {}: reverse() for each of a
    thousand comments would cost more than rendering them."""
    return reverse(name, args=[0]).replace("/0/", "/{}/")


@dataclass(frozen=True)
class ThreadContext:
    """What a page knows about the thread beyond the entries it shows."""

    post_zone: ZoneInfo  # imported times are read in the capture's zone
    quotes: dict[int, dict[int, Source]] = field(default_factory=dict)
    pages: dict[int, int] = field(default_factory=dict)  # comment id -> page number
    page: int = 1
    imported_post: bool = False  # mark the comments written here after the archive
    # The reader's own comments posted since may still be changed (OwnComments).
    editable_since: datetime | None = None
    # A moderator reads the page: every comment gets its one-click controls.
    moderator: bool = False
    csrf_token: str = ""  # for the controls' forms


def _anchor_href(context: ThreadContext, comment_id: int) -> str:
    page = context.pages.get(comment_id, context.page)
    if page == context.page:
        return f"#comment-{comment_id}"
    return f"?page={page}#comment-{comment_id}" if page > 1 else f"?#comment-{comment_id}"


# A comment's body is blocks: (name, href, paragraphs), a run of paragraphs
# quoting `name` (linked at `href`), or with name "" the comment's own words.
Block = tuple[str, str, list[Paragraph]]


def _body(comment: Comment, quoted: dict[int, Source], context: ThreadContext) -> list[Block]:
    """The comment's paragraphs, with quoted runs of them as block quotes
    that name and link their source."""
    paragraphs = comment.body.split("\n\n") if comment.body else []
    if not quoted:
        return [("", "", [paragraph(text) for text in paragraphs])]
    blocks, index = [], 0
    while index < len(paragraphs):
        source = quoted.get(index)
        if source is None:
            blocks.append(("", "", [paragraph(paragraphs[index])]))
            index += 1
            continue
        run = []
        while index < len(paragraphs) and quoted.get(index) == source:
            run.append(paragraph(paragraphs[index]))
            index += 1
        if source.comment_id is None:
            blocks.append(("the post", "#post", run))
        else:
            blocks.append((source.name or "", _anchor_href(context, source.comment_id), run))
    return blocks


def _descendants(entries: list[ThreadEntry]) -> list[int]:
    """How many entries nest under each entry (on this page)."""
    counts = [0] * len(entries)
    open_: list[int] = []
    for index, entry in enumerate(entries):
        while open_ and entries[open_[-1]].depth >= entry.depth:
            open_.pop()
        for ancestor in open_:
            counts[ancestor] += 1
        open_.append(index)
    return counts


class Row(NamedTuple):
    """One comment of the thread as the template shows it. The template takes
    a row apart by position, in this order (attribute look-ups in a loop of
    thousands cost more than the markup)."""

    closes: list[bool]  # the <li>s to close first, innermost first: True if it has replies
    archive_end: bool  # the archived discussion ends just before it
    id: int
    placeholder: bool  # a hidden comment kept for its replies: nothing below is shown
    name: str
    posted_text: str
    edited: bool
    live: bool  # marked as written here, after the archive
    reply_to: str | None
    awaiting: bool
    moderation: str  # for staff: the status of a comment readers do not see

    body: list[Block]
    person_url: str
    datetime: str
    zone_words: str
    reply_href: str  # empty where it cannot be answered (held, for its author)
    can_change: bool  # the reader's own, still in its edit window
    replies: int
    by_staff: bool  # a moderator's reply from the admin, marked as the staff's
    # For moderators: the comment's status and the (action, label) buttons that apply.
    status: str
    actions: list[tuple[str, str]]
    change_until: str  # with can_change: "9:47 PM", the end of the edit window
    html: SafeString | str  # an export's comment: its sanitised HTML, shown for the body


_ACTION_BUTTONS = {
    status: [(action.name, action.label) for action in actions_for(status)]
    for status in Status.values
}


def thread_rows(
    entries: list[ThreadEntry], context: ThreadContext, reply_url: str = ""
) -> tuple[list[Row], list[bool]]:
    """The rows of a thread, and the <li>s left to close after the last.
    `reply_url` is the reply page's URL with {} for the comment's id."""
    editable_since = context.editable_since
    edit_window = timedelta(seconds=settings.COMMENTS_EDIT_SECONDS)
    moderator = context.moderator
    nested = _descendants(entries)
    rows: list[Row] = []
    open_: list[tuple[int, bool]] = []  # (depth, has replies) of the <li>s still open
    seen_archived = archive_ended = not context.imported_post
    local_zone = zone_named("")
    for index, entry in enumerate(entries):
        closes = []
        while open_ and open_[-1][0] >= entry.depth:
            closes.append(open_.pop()[1])
        comment = entry.comment
        live = not comment.is_imported
        archive_end = False
        if entry.depth == 0 and not archive_ended:
            if live and seen_archived:
                archive_ended = archive_end = True
            seen_archived = seen_archived or not live
        replies = nested[index]
        if entry.placeholder:
            row = Row(closes, archive_end, comment.pk, True, "", "", False, False, None, False,
                      "", [], "", "", "", "", False, replies, False, "", [], "", "")  # fmt: skip
        else:
            name = comment.author_name
            html = comment.body_format == "html"
            when, zone_words = machine_time(
                comment.posted, local_zone if live else context.post_zone
            )
            can_change = (
                entry.own and not entry.replied and editable_since is not None
                and comment.posted >= editable_since
            )  # fmt: skip
            row = Row(
                closes, archive_end, comment.pk, False, name, comment.posted_text,
                comment.edited_at is not None, live and context.imported_post, entry.reply_to,
                entry.awaiting, comment.get_status_display().lower() if entry.moderated else "",
                [] if html else _body(comment, context.quotes.get(comment.pk, {}), context),
                person_url(name), when, zone_words,
                reply_url.format(comment.pk) if comment.is_published else "",
                can_change, replies, comment.written_by_id is not None,
                comment.status if moderator else "",
                _ACTION_BUTTONS[comment.status] if moderator else [],
                clock(comment.posted + edit_window) if can_change else "",
                # Sanitised when imported (importers/html.py), and only then.
                mark_safe(comment.body_html) if html else "",
            )  # fmt: skip
        rows.append(row)
        open_.append((entry.depth, bool(replies)))
    return rows, [has_replies for _, has_replies in reversed(open_)]


def thread_html(entries: Iterable[ThreadEntry], context: ThreadContext) -> SafeString:
    """The thread's <li> items, rendered by templates/comments/thread.jinja."""
    rows, closing = thread_rows(list(entries), context, url_pattern("comments:reply"))
    template = jinja2_environment().get_template("comments/thread.jinja")
    urls = {
        "edit_url": url_pattern("comments:edit"),
        "delete_url": url_pattern("comments:delete"),
    }
    if context.moderator:
        urls.update(
            moderate_url=url_pattern("admin:comments_comment_moderate"),
            change_url=url_pattern("admin:comments_comment_change"),
            staff_reply_url=url_pattern("admin:comments_comment_reply"),
            block_url=reverse("admin:comments_comment_block") + "?ids={}",
            csrf_token=context.csrf_token,
        )
    html = template.render(rows=rows, closing=closing, **urls)
    return mark_safe(html)  # the template's own output, escaped as it was written


@dataclass(frozen=True, slots=True)
class ThreadSection:
    """A page of a post's thread as the post page shows it."""

    html: SafeString  # the page's <li> items; empty if the thread shows nothing
    position: PagePosition
    total: int  # published comments in the thread
    imported: int  # of them, from an archive


def thread_section(request, post: Post, number: int, *, moderator: bool) -> ThreadSection | None:
    """Page `number` of the post's thread, written for this reader; None if
    the thread has no such page. Unless the reader moderates or wrote one of
    the thread's comments, the page is the same for every reader: it is kept
    in the cache under the thread's version (which any change to one of its
    comments moves on, paging.thread_key) and the code's release, and read
    from there by the next reader without a query."""
    own = OwnComments.of(request)
    own_ids = own.ids
    key = None
    if not moderator and not (own_ids and post.comments.filter(pk__in=own_ids).exists()):
        key = f"{thread_key(post)}:html:{number}:{release()}"
        if (found := cache.get(key)) is not None:
            return found
    page = thread_page(post, number, own=own_ids, staff=moderator)
    if page is None:
        return None
    context = ThreadContext(
        post_zone=post.zone,
        quotes=page.quotes,
        pages=page.pages,
        page=number,
        imported_post=post.is_imported,
        editable_since=own.editable_since,
        moderator=moderator,
        csrf_token=get_token(request) if moderator else "",
    )
    html = thread_html(page.entries, context) if page.entries else SafeString("")
    section = ThreadSection(html, page.position, page.total, page.imported)
    if key is not None:
        cache.set(key, section, CACHE_SECONDS)
    return section
