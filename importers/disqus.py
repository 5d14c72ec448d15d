"""Read a Disqus export (the XML Disqus mails to a site's owner). Pure Python.

The file lists every thread (a page that had comments), then every comment
("post" in Disqus's words), in no order of thread. It is read twice, each time
streamed: first the threads (a few fields each), then the comments, which
come out grouped by thread a batch at a time, each after the one it answers.
Memory grows with the number of threads, never with the comments' text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO
from zoneinfo import ZoneInfo

from lxml import etree

from importers.exported import (
    ExportedComment,
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

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
BATCH = 500  # comments of one thread held before they are handed on


@dataclass(slots=True)
class _Thread:
    dsq_id: str
    title: str
    link: str
    created: datetime
    identifier: str
    author: str
    line: int


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return element.find(f"{NS}{name}")


def _name(author: etree._Element | None) -> str:
    return " ".join(text(_child(author, "name") if author is not None else None).split())


def _true(element: etree._Element | None) -> bool:
    return text(element).strip().lower() == "true"


class Reader:
    def __init__(self, path: str, zone: ZoneInfo) -> None:
        self.path, self.zone = path, zone
        self.skipped = Skipped()
        self.warnings: list[str] = []
        self.forum = ""
        self.sanitiser = Sanitiser()
        self._handed: set[str] = set()  # threads whose comments were handed on

    def error(self, element: etree._Element, message: str) -> ArchiveError:
        return ArchiveError(self.path, element.sourceline or 1, message)

    def warn(self, element: etree._Element, message: str) -> None:
        self.warnings.append(f"{self.path}:{element.sourceline}: warning: {message}")

    def when(self, element: etree._Element | None, owner: etree._Element) -> datetime:
        value = text(element).strip()
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.error(
                element if element is not None else owner,
                f"createdAt is not a time (2008-04-13T01:02:41Z): {value!r}",
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # Disqus writes UTC
        return moment.astimezone(self.zone)

    def threads(self, file: IO[bytes]) -> dict[str, _Thread]:
        threads: dict[str, _Thread] = {}
        seen_root = False
        for element in elements(file, self.path, (f"{NS}thread",)):
            seen_root = True
            if element.getparent() is None or element.getparent().tag != f"{NS}disqus":
                continue  # a comment's <thread dsq:id="…"/>: the second pass reads those
            dsq_id = element.get(DSQ_ID, "").strip()
            if not dsq_id:
                raise self.error(element, "a <thread> with no dsq:id")
            self.forum = self.forum or text(_child(element, "forum")).strip()
            threads[dsq_id] = _Thread(
                dsq_id=dsq_id,
                title=" ".join(text(_child(element, "title")).split()),
                link=text(_child(element, "link")).strip(),
                created=self.when(_child(element, "createdAt"), element),
                identifier=text(_child(element, "id")).strip(),
                author=_name(_child(element, "author")),
                line=element.sourceline or 0,
            )
        if not seen_root:
            raise ArchiveError(self.path, 1, "no <thread>s: not a Disqus export")
        return threads

    def posts(self, file: IO[bytes]) -> Iterator[ExportedPost]:
        threads = self.threads(file)
        file.seek(0)
        held: dict[str, list[ExportedComment]] = {}  # by thread
        seen: set[str] = set()  # comments handed on, or held
        waiting: dict[str, list[tuple[str, ExportedComment]]] = {}  # by the parent they need
        for element in elements(file, self.path, (f"{NS}post",)):
            found = self.comment(element, threads)
            if found is None:
                continue
            thread_id, comment = found
            if comment.parent_id is not None and comment.parent_id not in seen:
                waiting.setdefault(comment.parent_id, []).append((thread_id, comment))
                continue
            for ready_thread, ready in self._release(thread_id, comment, waiting, seen):
                batch = held.setdefault(ready_thread, [])
                batch.append(ready)
                if len(batch) >= BATCH:
                    yield self.post(threads[ready_thread], held.pop(ready_thread))
        for parent_id, orphans in waiting.items():
            for thread_id, comment in orphans:
                self.warnings.append(orphan(self.path, comment, parent_id))
                comment.parent_id = None
                held.setdefault(thread_id, []).append(comment)
        for thread_id, comments in held.items():
            yield self.post(threads[thread_id], comments)
        if silent := len(threads.keys() - self._handed):
            self.skipped.counts["threads with no comments"] += silent

    def _release(self, thread_id: str, comment: ExportedComment, waiting, seen):
        """The comment, then every comment held back waiting for it, and so on."""
        queue = [(thread_id, comment)]
        while queue:
            thread_id, comment = queue.pop(0)
            seen.add(comment.source_id)
            yield thread_id, comment
            queue.extend(waiting.pop(comment.source_id, []))

    def comment(
        self, element: etree._Element, threads: dict[str, _Thread]
    ) -> tuple[str, ExportedComment] | None:
        dsq_id = element.get(DSQ_ID, "").strip()
        if not dsq_id:
            raise self.error(element, "a <post> with no dsq:id")
        thread = _child(element, "thread")
        thread_id = thread.get(DSQ_ID, "").strip() if thread is not None else ""
        if thread_id not in threads:
            self.warn(element, f"comment {dsq_id} belongs to thread {thread_id or '(none)'}, "
                               "which is not in the export; skipped")  # fmt: skip
            self.skipped.counts["comments of no thread"] += 1
            return None
        author = _child(element, "author")
        name = _name(author)
        email = text(_child(author, "email") if author is not None else None).strip()
        parent = _child(element, "parent")
        parent_id = parent.get(DSQ_ID, "").strip() if parent is not None else ""
        moment = self.when(_child(element, "createdAt"), element)
        body_html = self.sanitiser.clean(text(_child(element, "message")))
        if _true(_child(element, "isSpam")):
            status = "spam"
        elif _true(_child(element, "isDeleted")):
            status = "removed"
        else:
            status = "published"
        identifier = text(_child(element, "id")).strip()
        comment = ExportedComment(
            key=f"disqus:{self.forum}:comment:{dsq_id}", source_id=dsq_id,
            parent_id=parent_id or None, author=name or "Guest", email=email, website="",
            ip_address=text(_child(element, "ipAddress")).strip(), posted=moment,
            posted_text=signature_time(moment.replace(tzinfo=None)), status=status,
            body=tuple(paragraphs(body_html)), body_html=body_html,
            line=element.sourceline or 0,
            wordpress_id=identifier[6:] if identifier.startswith("wp_id=") else "",
        )  # fmt: skip
        return thread_id, comment

    def post(self, thread: _Thread, comments: list[ExportedComment]) -> ExportedPost:
        self._handed.add(thread.dsq_id)
        created = thread.created.replace(second=0, microsecond=0)
        return ExportedPost(
            source=self.path, format="disqus", key=f"disqus:{self.forum}:thread:{thread.dsq_id}",
            source_id=thread.dsq_id, title=thread.title or thread.link or "Untitled",
            author=thread.author or self.forum or "unknown", published=created,
            published_text=byline_time(created.replace(tzinfo=None)), slug="", link=thread.link,
            status="publish", kind="thread", body=(), body_html="", comments=comments,
            line=thread.line,
        )  # fmt: skip
