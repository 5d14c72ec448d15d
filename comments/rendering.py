"""HTML for a thread, written in Python.

A thread is the one loop on the site that runs thousands of times per page,
and the template engine spends some 70 µs a comment resolving variables; this
renders the same markup in a few. Every text a reader or an archive wrote
goes through `escape`, and tests feed it hostile input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from html import escape

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from comments.threads import ThreadEntry

# http(s) URLs and bare www. addresses; no other scheme is ever linked.
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"


def _urls(text: str):
    """(start, url) of each linkable URL in text."""
    for match in URL_RE.finditer(text):
        url = _trim(match.group())
        if url and url.lower() not in {"www.", "http://", "https://"}:
            yield match.start(), url


def find_urls(text: str) -> list[str]:
    return [url for _, url in _urls(text)]


def _trim(url: str) -> str:
    """Leave off punctuation that ends the sentence rather than the URL, keeping
    a closing parenthesis that has its opening one inside (Wikipedia's links)."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


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


def _url_pattern(name: str) -> str:
    """A URL with the comment's id left as {}: reverse() for each of a
    thousand comments would cost more than rendering them."""
    return reverse(name, args=[0]).replace("/0/", "/{}/")


def thread_html(entries: Iterable[ThreadEntry]) -> SafeString:
    reply_url = _url_pattern("comments:reply")
    edit_url = _url_pattern("comments:edit")
    delete_url = _url_pattern("comments:delete")
    editable_since = timezone.now() - timedelta(seconds=settings.COMMENTS_EDIT_SECONDS)
    parts = []
    for entry in entries:
        comment = entry.comment
        anchor = f"comment-{comment.pk}"
        if entry.placeholder:
            parts.append(
                f'<li id="{anchor}" class="comment d{entry.depth} placeholder">'
                '<p class="removed">This comment was removed.</p></li>'
            )
            continue
        name = escape(comment.author_name)
        posted = timezone.localtime(comment.posted).isoformat()
        html = [f'<li id="{anchor}" class="comment d{entry.depth}">']
        if entry.reply_to is not None:
            html.append(f'<p class="reply-to">in reply to {escape(entry.reply_to)}</p>')
        if entry.awaiting:
            html.append('<p class="awaiting">Your comment is awaiting moderation.</p>')
        html.append(
            f'<div class="comment-body">{paragraphs_html(comment.body)}</div>'
            f'<p class="signature">{name} on '
            f'<a class="permalink" href="#{anchor}"><time datetime="{posted}">'
            f"{escape(comment.posted_text)}</time></a>"
        )
        if comment.edited_at is not None:
            html.append(' <span class="edited">(edited)</span>')
        html.append("</p>")
        actions = []
        if comment.is_visible:
            actions.append(
                f'<a class="reply" href="{reply_url.format(comment.pk)}" '
                f'data-reply-to="{comment.pk}" data-name="{name}">Reply '
                f'<span class="visually-hidden">to {name}</span></a>'
            )
        if entry.own and not entry.replied and comment.posted >= editable_since:
            actions.append(f'<a href="{edit_url.format(comment.pk)}">Edit</a>')
            actions.append(f'<a href="{delete_url.format(comment.pk)}">Delete</a>')
        if actions:
            html.append('<p class="actions">' + " ".join(actions) + "</p>")
        html.append("</li>")
        parts.append("".join(html))
    return mark_safe("\n".join(parts))
