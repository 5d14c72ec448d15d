"""Read a WordPress export (WXR 1.0, 1.1, 1.2: Tools › Export). Pure Python.

The file is streamed an <item> at a time, so a whole site's export reads in
constant memory. Posts (and pages, when asked) that WordPress shows publicly
come out as ExportedPost; everything else is counted in Skipped: drafts,
pending, private, scheduled and trashed items are never published, and
neither is a password-protected post, its text nor its comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from lxml import etree

from importers.exported import (
    ExportedComment,
    ExportedMention,
    ExportedPost,
    Skipped,
    byline_time,
    elements,
    orphan,
    signature_time,
    text,
)
from importers.html import Sanitiser, paragraphs
from importers.parsing import ArchiveError

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_WP = re.compile(r"^\{http://wordpress\.org/export/1\.[0-2]/\}(.*)$")
WP_VERSIONS = [f"{{http://wordpress.org/export/1.{n}/}}" for n in range(3)]
_NO_DATE = {"", "0000-00-00 00:00:00"}
_DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
STATUSES = {"1": "published", "approve": "published", "0": "pending", "hold": "pending",
            "spam": "spam", "trash": "removed", "post-trashed": "removed"}  # fmt: skip
MENTIONS = {"pingback", "trackback", "webmention"}


def _wp(element: etree._Element) -> dict[str, etree._Element]:
    """The wp: children of an element by local name (any WXR version)."""
    found: dict[str, etree._Element] = {}
    for child in element:
        if isinstance(child.tag, str) and (match := _WP.match(child.tag)):
            found.setdefault(match[1], child)
    return found


def site_of(url: str) -> str:
    """A site's identity in the keys: its host and path, lower-cased."""
    parts = urlsplit(url.strip())
    return (parts.netloc + parts.path.rstrip("/")).lower() or "unknown-site"


class Reader:
    def __init__(self, path: str, zone: ZoneInfo, *, pages: bool, pings: bool) -> None:
        self.path, self.zone, self.pages, self.pings = path, zone, pages, pings
        self.skipped = Skipped()
        self.warnings: list[str] = []
        self.site = ""
        self.sanitiser = Sanitiser()

    def error(self, element: etree._Element | None, message: str) -> ArchiveError:
        return ArchiveError(self.path, (element.sourceline or 1) if element is not None else 1,
                            message)  # fmt: skip

    def warn(self, element: etree._Element, message: str) -> None:
        self.warnings.append(f"{self.path}:{element.sourceline}: warning: {message}")

    def posts(self, file: IO[bytes]) -> Iterator[ExportedPost]:
        site = ("link", *(f"{version}base_site_url" for version in WP_VERSIONS))
        seen_channel = False
        for element in elements(file, self.path, ("item",), site):
            tag = element.tag
            if tag == "item":
                seen_channel = True
                post = self.post(element)
                if post is not None:
                    yield post
            elif tag.endswith("base_site_url") or (
                tag == "link" and not self.site and _in_channel(element)
            ):
                self._site(text(element))
        if not seen_channel and not self.site:
            raise ArchiveError(self.path, 1, "no <channel> with <item>s: not a WordPress export")

    def _site(self, url: str) -> None:
        if url.strip():
            self.site = site_of(url)
            self.sanitiser = Sanitiser(url.strip())

    def when(self, local: etree._Element | None, gmt: etree._Element | None,
             what: str, owner: etree._Element) -> tuple[datetime, datetime]:  # fmt: skip
        """(the moment, the site's wall-clock time): the GMT value, or the
        local one read in the import's zone when the GMT one is empty."""
        local_text, gmt_text = text(local).strip(), text(gmt).strip()
        for value, element in ((local_text, local), (gmt_text, gmt)):
            if value not in _NO_DATE and not _DATE.match(value):
                raise self.error(element, f"{what} is not a date (YYYY-MM-DD HH:MM:SS): {value!r}")
        try:
            wall = datetime.fromisoformat(local_text) if local_text not in _NO_DATE else None
            moment = (
                datetime.fromisoformat(gmt_text).replace(tzinfo=UTC).astimezone(self.zone)
                if gmt_text not in _NO_DATE
                else None
            )
        except ValueError:
            raise self.error(
                local if gmt_text in _NO_DATE else gmt,
                f"{what} does not exist: {local_text or gmt_text}",
            ) from None
        if moment is None:
            if wall is None:
                raise self.error(local if local is not None else owner, f"{what} has no date")
            moment = wall.replace(tzinfo=self.zone)
        if wall is None:
            wall = moment.replace(tzinfo=None)
        return moment, wall

    def post(self, item: etree._Element) -> ExportedPost | None:
        wp = _wp(item)
        kind = text(wp.get("post_type")).strip() or "post"
        status = text(wp.get("status")).strip() or "publish"
        if kind not in {"post", "page"} or (kind == "page" and not self.pages):
            self.skipped.counts[f"{kind}s" if kind in {"page", "attachment"} else kind] += 1
            return None
        if status != "publish":
            self.skipped.counts[f"{status} {kind}s"] += 1
            return None
        if text(wp.get("post_password")):
            self.skipped.counts[f"password-protected {kind}s"] += 1
            return None
        title_element = item.find("title")
        title = " ".join(text(title_element).split())
        post_id = text(wp.get("post_id")).strip()
        if not title:
            raise self.error(title_element if title_element is not None else item,
                             "a published post with no title")  # fmt: skip
        moment, wall = self.when(wp.get("post_date"), wp.get("post_date_gmt"), "post_date", item)
        moment = moment.replace(second=0, microsecond=0)
        body_html = self.sanitiser.clean(text(item.find(CONTENT)))
        categories: list[str] = []
        tags: list[str] = []
        for category in item.findall("category"):
            name = " ".join(text(category).split())
            if not name:
                continue
            target = tags if category.get("domain") == "post_tag" else categories
            if category.get("domain") in {"category", "post_tag", None} and name not in target:
                target.append(name)
        post = ExportedPost(
            source=self.path, format="wordpress",
            key=f"wordpress:{self.site}:post:{post_id}" if post_id else "", source_id=post_id,
            title=title, author=" ".join(text(item.find(CREATOR)).split()) or "unknown",
            published=moment, published_text=byline_time(wall),
            slug=text(wp.get("post_name")).strip(), link=text(item.find("link")).strip(),
            status=status, kind=kind, body=tuple(paragraphs(body_html)), body_html=body_html,
            categories=tuple(categories), tags=tuple(tags), line=item.sourceline or 0,
        )  # fmt: skip
        for element in item:
            if isinstance(element.tag, str) and element.tag.endswith("}comment") \
                    and _WP.match(element.tag):  # fmt: skip
                self.comment(post, element)
        self._thread(post)
        return post

    def comment(self, post: ExportedPost, element: etree._Element) -> None:
        wp = _wp(element)
        comment_id = text(wp.get("comment_id")).strip()
        if not comment_id:
            raise self.error(element, "a comment with no comment_id")
        approved = text(wp.get("comment_approved")).strip()
        status = STATUSES.get(approved)
        if status is None:
            raise self.error(
                wp.get("comment_approved", element),
                f"comment_approved is {approved!r}: not 1, 0, spam or trash",
            )
        moment, wall = self.when(
            wp.get("comment_date"), wp.get("comment_date_gmt"), "comment_date", element
        )
        body_html = self.sanitiser.clean(text(wp.get("comment_content")))
        author = " ".join(text(wp.get("comment_author")).split())
        kind = text(wp.get("comment_type")).strip() or "comment"
        key = f"wordpress:{self.site}:comment:{comment_id}"
        if kind in MENTIONS:
            if not self.pings:
                self.skipped.counts["pings (--no-pings)"] += 1
            else:
                post.mentions.append(ExportedMention(
                    key=key, source_id=comment_id, kind=kind, author=author or "a page",
                    url=text(wp.get("comment_author_url")).strip(), posted=moment,
                    status=status, body=tuple(paragraphs(body_html)), line=element.sourceline or 0,
                ))  # fmt: skip
            return
        if kind != "comment":
            self.skipped.counts[f"{kind} comments"] += 1
            return
        parent = text(wp.get("comment_parent")).strip()
        post.comments.append(ExportedComment(
            key=key, source_id=comment_id, parent_id=parent if parent not in {"", "0"} else None,
            author=author or "Anonymous", email=text(wp.get("comment_author_email")).strip(),
            website=text(wp.get("comment_author_url")).strip(),
            ip_address=text(wp.get("comment_author_IP")).strip(), posted=moment,
            posted_text=signature_time(wall), status=status, body=tuple(paragraphs(body_html)),
            body_html=body_html, line=element.sourceline or 0,
        ))  # fmt: skip

    def _thread(self, post: ExportedPost) -> None:
        """Comments in thread order's raw material: by time, then id; a reply
        whose parent is not in the export (or not a comment) is top-level."""
        post.comments.sort(key=lambda c: (c.posted, _number(c.source_id)))
        ids = {c.source_id for c in post.comments}
        for comment in post.comments:
            if comment.parent_id is not None and (
                comment.parent_id not in ids or comment.parent_id == comment.source_id
            ):
                self.warnings.append(orphan(self.path, comment, comment.parent_id))
                comment.parent_id = None


def _in_channel(element: etree._Element) -> bool:
    parent = element.getparent()
    return parent is not None and parent.tag == "channel"


def _number(source_id: str) -> int:
    return int(source_id) if source_id.isdigit() else 0
