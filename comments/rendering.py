"""HTML for a thread, written in Python.

A thread is the one loop on the site that runs thousands of times per page,
and the template engine spends some 70 µs a comment resolving variables; this
renders the same markup in a few. Every text a reader or an archive wrote
goes through `escape`, and tests feed it hostile input.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from comments.threads import ThreadEntry


def paragraphs_html(text: str) -> str:
    """Paragraphs (split by a blank line) as <p>, line breaks inside them as <br>."""
    if not text:
        return ""
    return "".join(
        "<p>" + escape(paragraph).replace("\n", "<br>") + "</p>" for paragraph in text.split("\n\n")
    )


def thread_html(entries: Iterable[ThreadEntry]) -> SafeString:
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
        posted = timezone.localtime(comment.posted).isoformat()
        parts.append(
            f'<li id="{anchor}" class="comment d{entry.depth}">'
            f'<div class="comment-body">{paragraphs_html(comment.body)}</div>'
            f'<p class="signature">{escape(comment.author_name)} on '
            f'<a class="permalink" href="#{anchor}"><time datetime="{posted}">'
            f"{escape(comment.posted_text)}</time></a></p></li>"
        )
    return mark_safe("\n".join(parts))
