"""The thread renderer the site used before its template: HTML written in
Python with f-strings and escape() on every field. Kept here only as the
benchmark's anchor (bench/thread_bench.py renders the same thread with both).
The pieces that did not change (nesting, anchors, URL finding) are the site's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from comments.quotes import Source
from comments.rendering import ThreadContext, _anchor_href, _descendants, url_pattern
from comments.threads import ThreadEntry
from posts.names import person_url
from posts.text import _urls
from posts.times import zone_named


def machine_time(moment: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """posts.times.machine_time as it was when this renderer was the site's."""
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    sign = "−" if offset.startswith("-") else "+"
    return (
        local.isoformat(timespec="seconds"),
        f"{zone.key} ({local.tzname()}, UTC{sign}{offset[1:3]}:{offset[3:5]})",
    )


def linked_html(text: str) -> str:
    """Escaped text with its URLs as links a search engine does not credit."""
    if "://" not in text and "www." not in text.lower():
        return escape(text)
    parts, start = [], 0
    for at, url in _urls(text):
        href = url if "://" in url else f"http://{url}"
        parts.append(escape(text[start:at]))
        parts.append(f'<a href="{escape(href)}" rel="nofollow ugc noopener">{escape(url)}</a>')
        start = at + len(url)
    parts.append(escape(text[start:]))
    return "".join(parts)


def paragraphs_html(text: str) -> str:
    """Paragraphs (split by a blank line) as <p>, line breaks inside them as
    <br>, URLs as links; everything else escaped."""
    if not text:
        return ""
    return "".join(
        "<p>" + linked_html(paragraph).replace("\n", "<br>") + "</p>"
        for paragraph in text.split("\n\n")
    )


def _body_html(comment, quoted: dict[int, Source], context: ThreadContext) -> str:
    """The comment's paragraphs, with quoted runs of them as block quotes
    that name and link their source."""
    paragraphs = comment.body.split("\n\n") if comment.body else []
    if not quoted:
        return paragraphs_html(comment.body)
    html, index = [], 0
    while index < len(paragraphs):
        source = quoted.get(index)
        if source is None:
            html.append(_paragraph(paragraphs[index]))
            index += 1
            continue
        run = []
        while index < len(paragraphs) and quoted.get(index) == source:
            run.append(_paragraph(paragraphs[index]))
            index += 1
        if source.comment_id is None:
            credit = '<a href="#post">the post</a>'
        else:
            href = _anchor_href(context, source.comment_id)
            credit = f'<a href="{href}">{escape(source.name)}</a>'
        html.append(
            f'<figure class="quote"><blockquote>{"".join(run)}</blockquote>'
            f"<figcaption>quoting {credit}</figcaption></figure>"
        )
    return "".join(html)


def _paragraph(text: str) -> str:
    return "<p>" + linked_html(text).replace("\n", "<br>") + "</p>"


def thread_html(entries: Iterable[ThreadEntry], context: ThreadContext) -> SafeString:
    """The thread as nested lists: each comment's replies in a <details> a
    reader can fold, open to begin with (the page is whole without script)."""
    entries = list(entries)
    urls = _Urls(
        reply=url_pattern("comments:reply"),
        edit=url_pattern("comments:edit"),
        delete=url_pattern("comments:delete"),
        editable_since=timezone.now() - timedelta(seconds=settings.COMMENTS_EDIT_SECONDS),
    )
    nested = _descendants(entries)
    parts: list[str] = []
    open_: list[tuple[int, bool]] = []  # (depth, has replies) of the <li>s still open
    seen_archived = archive_ended = not context.imported_post
    for index, entry in enumerate(entries):
        while open_ and open_[-1][0] >= entry.depth:
            _, has_replies = open_.pop()
            parts.append("</ol></details></li>" if has_replies else "</li>")
        live = not entry.comment.is_imported
        if entry.depth == 0 and not archive_ended:
            if live and seen_archived:
                archive_ended = True
                parts.append(
                    '<li class="archive-end"><p>The archived discussion ends here; '
                    "what follows was written on this site.</p></li>"
                )
            seen_archived = seen_archived or not live
        parts.append(_comment_html(entry, context, urls, live=live))
        count = nested[index]
        if count:
            parts.append(
                f'<details class="replies" open><summary>{count} '
                f"{'reply' if count == 1 else 'replies'}</summary><ol>"
            )
        open_.append((entry.depth, bool(count)))
    while open_:
        _, has_replies = open_.pop()
        parts.append("</ol></details></li>" if has_replies else "</li>")
    return mark_safe("\n".join(parts))


@dataclass(frozen=True, slots=True)
class _Urls:
    reply: str
    edit: str
    delete: str
    editable_since: datetime


def _comment_html(entry: ThreadEntry, context: ThreadContext, urls: _Urls, *, live: bool) -> str:
    """An open <li> with the comment's card (its replies, if any, follow)."""
    comment = entry.comment
    anchor = f"comment-{comment.pk}"
    if entry.placeholder:
        return (
            f'<li id="{anchor}" class="comment placeholder">'
            '<p class="removed">This comment was removed.</p>'
        )
    marked_live = live and context.imported_post
    name = escape(comment.author_name)
    zone = context.post_zone if comment.is_imported else zone_named("")
    datetime_attr, zone_words = machine_time(comment.posted, zone)
    html = [f'<li id="{anchor}" class="comment{" live" if marked_live else ""}"><article>']
    if entry.reply_to is not None:
        html.append(f'<p class="reply-to">in reply to {escape(entry.reply_to)}</p>')
    if entry.awaiting:
        html.append('<p class="awaiting">Your comment is awaiting moderation.</p>')
    html.append(
        f'<div class="comment-body">'
        f"{_body_html(comment, context.quotes.get(comment.pk, {}), context)}</div>"
        f'<p class="signature"><a class="author" href="{escape(person_url(comment.author_name))}">'
        f'{name}</a> on <a class="permalink" href="#{anchor}">'
        f'<time datetime="{datetime_attr}" title="{escape(zone_words)}">'
        f"{escape(comment.posted_text)}</time></a>"
    )
    if comment.edited_at is not None:
        html.append(' <span class="edited">(edited)</span>')
    if marked_live:
        html.append(' <span class="origin">· written here</span>')
    html.append("</p>")
    actions = []
    if comment.is_published:
        actions.append(
            f'<a class="reply" href="{urls.reply.format(comment.pk)}" '
            f'data-reply-to="{comment.pk}" data-name="{name}">Reply '
            f'<span class="visually-hidden">to {name}</span></a>'
        )
    if entry.own and not entry.replied and comment.posted >= urls.editable_since:
        actions.append(f'<a href="{urls.edit.format(comment.pk)}">Edit</a>')
        actions.append(f'<a href="{urls.delete.format(comment.pk)}">Delete</a>')
    if actions:
        html.append('<p class="actions">' + " ".join(actions) + "</p>")
    html.append("</article>")
    return "".join(html)
