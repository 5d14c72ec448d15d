"""What a site's export (WordPress WXR, Disqus XML) holds, as the importer
reads it: posts with their threads and mentions, each with the source's own
id. Pure Python; importers/wordpress.py and importers/disqus.py fill it in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO
from zoneinfo import ZoneInfo

from lxml import etree

from importers.parsing import ArchiveError

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")  # fmt: skip


@dataclass(slots=True)
class ExportedComment:
    key: str  # the source's own id, as a natural key: "wordpress:SITE:comment:5"
    source_id: str  # "5"
    parent_id: str | None  # the source id of the comment it answers
    author: str
    email: str
    website: str
    ip_address: str
    posted: datetime  # aware
    posted_text: str  # "March 21, 2007 at 7:33 PM", as the site showed it
    status: str  # published, pending, spam, removed
    body: tuple[str, ...]  # paragraphs of text
    body_html: str  # sanitised
    line: int
    # Disqus: the WordPress comment it was synced from ("wp_id=301"), if any.
    wordpress_id: str = ""


@dataclass(slots=True)
class ExportedMention:
    """A pingback or trackback: another page that linked to the post."""

    key: str
    source_id: str
    kind: str  # pingback, trackback
    author: str  # the linking page's title or site, as the source named it
    url: str
    posted: datetime
    status: str
    body: tuple[str, ...]
    line: int


@dataclass(slots=True)
class ExportedPost:
    source: str  # the file
    format: str  # "wordpress", "disqus"
    key: str  # "wordpress:SITE:post:12"; "" where the source has no post id
    source_id: str
    title: str
    author: str
    published: datetime  # aware, to the minute: a post is its title and minute
    published_text: str  # "7:27 pm on March 21, 2007", as the site showed it
    slug: str
    link: str
    status: str  # publish, draft, ...
    kind: str  # post, page
    body: tuple[str, ...]
    body_html: str
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    comments: list[ExportedComment] = field(default_factory=list)
    mentions: list[ExportedMention] = field(default_factory=list)
    line: int = 0
    created_from_thread: bool = False  # Disqus: no such post here; made from the thread

    def as_json(self) -> dict:
        """The dry run's record: the captures' shape, with what exports add."""
        return {
            "source": self.source,
            "format": self.format,
            "id": self.source_id,
            "title": self.title,
            "author": self.author,
            "published": iso(self.published),
            "status": self.status,
            "slug": self.slug,
            "link": self.link,
            "categories": list(self.categories),
            "tags": list(self.tags),
            "body": list(self.body),
            "body_html": self.body_html,
            "comments": [
                {
                    "id": c.source_id,
                    "parent": c.parent_id,
                    "author": c.author,
                    "posted": iso(c.posted),
                    "status": c.status,
                    "body": list(c.body),
                    "body_html": c.body_html,
                }  # fmt: skip
                for c in self.comments
            ],
            "mentions": [
                {
                    "id": m.source_id,
                    "kind": m.kind,
                    "author": m.author,
                    "url": m.url,
                    "posted": iso(m.posted),
                    "body": list(m.body),
                }  # fmt: skip
                for m in self.mentions
            ],
        }


@dataclass(slots=True)
class Skipped:
    """What an export holds that is not imported, by reason: "draft: 2"."""

    counts: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        return ", ".join(f"{reason}: {n}" for reason, n in sorted(self.counts.items()))


def orphan(path: str, comment: ExportedComment, parent_id: str) -> str:
    """The warning for a reply whose parent the export lacks; it becomes a
    comment on the post."""
    return (
        f"{path}:{comment.line}: warning: comment {comment.source_id} answers comment "
        f"{parent_id}, which is not in the export; shown as a comment on the post"
    )


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def byline_time(local: datetime) -> str:
    """'7:27 pm on March 21, 2007': how captures write a post's time."""
    hour = f"{local.hour % 12 or 12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    return f"{hour} on {MONTH_NAMES[local.month - 1]} {local.day}, {local.year}"


def signature_time(local: datetime) -> str:
    """'March 21, 2007 at 7:33 PM': how captures write a comment's time."""
    hour = f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    return f"{MONTH_NAMES[local.month - 1]} {local.day}, {local.year} at {hour}"


def from_utc(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).astimezone(zone)


# Reading XML -------------------------------------------------------------------

HEAD = 2048


def sniff(head: bytes) -> str:
    """The format of a file from its first bytes: "wordpress", "disqus", or
    "capture" for anything else (a capture is plain text)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return "capture"
    lowered = text.lower()
    if b"wordpress.org/export/" in lowered:
        return "wordpress"
    if b"<disqus" in lowered:
        return "disqus"
    return "capture"


def elements(
    file: IO[bytes], path: str, records: tuple[str, ...], also: tuple[str, ...] = ()
) -> Iterator[etree._Element]:
    """Each element named in `records` (namespaced "{uri}name" or plain),
    whole, as its end is read, then forgotten with what came before it, so
    memory stays flat however large the file; and the elements named in
    `also` (the site's own details), kept. Entities are never expanded and
    nothing is fetched: a file that declares a DOCTYPE is refused."""
    head = file.read(HEAD)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        line = head[: max(head.find(b"<!DOCTYPE"), head.find(b"<!ENTITY"))].count(b"\n") + 1
        raise ArchiveError(path, line, "a DOCTYPE or entity declaration, which no export has")
    file.seek(0)
    events = etree.iterparse(
        file, events=("end",), tag=(*records, *also), resolve_entities=False, load_dtd=False,
        no_network=True, huge_tree=True, remove_comments=True,
    )  # fmt: skip
    try:
        for _, element in events:
            yield element
            if element.tag not in records:
                continue
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        message = str(error.msg or error).rsplit(", line ", 1)[0]
        raise ArchiveError(path, line, f"not well-formed XML: {message}") from None


def text(element: etree._Element | None) -> str:
    return (element.text or "") if element is not None else ""
