"""Write a site's export (WordPress, Disqus) to the database.

One export file is one transaction: a file the parser or the database refuses
anywhere writes nothing of itself. Identity, which makes every re-import a
no-op and two at once harmless:
- a post is its export id (`post_source_key`), else its title and minute
  (`post_natural_key`): a post imported from a capture is the same post;
- a comment is its export id (`comment_source_key`). One imported from a
  capture of the same post, by the same name in the same minute and not yet
  claimed by an export, is the same comment: the export's id joins it.
A later export adds what is new and takes the edited text of what it brought
before; the status of a comment already here, a moderator's decision, is
never changed, and neither is text a moderator edited.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from comments.models import Comment, Status
from comments.paths import SEGMENT_SIZE, child_path
from importers.exported import ExportedComment, ExportedPost
from importers.loading import Outcome
from importers.models import ImportedFile
from posts.models import BodyFormat, Mention, Post

STATUSES = {
    "published": Status.PUBLISHED, "pending": Status.PENDING, "spam": Status.SPAM,
    "removed": Status.REMOVED,
}  # fmt: skip
WEBSITE_LENGTH = Comment._meta.get_field("website").max_length or 200


@dataclass
class FileResult:
    outcomes: list[Outcome] = field(default_factory=list)
    ledger: list[ImportedFile] = field(default_factory=list)


def fingerprint(key: str) -> str:
    """What marks an export's comment as imported (comments.models.IMPORTED)."""
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def write_export(
    posts: Iterable[ExportedPost], *, path: str, digest: str, run_id: int | None
) -> list[Outcome]:
    """Write every post the export yields, in one transaction; the parser's
    ArchiveError (or the database's refusal) rolls back the whole file."""
    with transaction.atomic():
        now = timezone.now()
        outcomes, ledger = [], []
        for exported in posts:
            outcome, entry = _write_post(exported, now=now, digest=digest)
            outcomes.append(outcome)
            ledger.append(entry)
        if run_id is not None:
            for entry in ledger:
                entry.run_id = run_id
            ImportedFile.objects.bulk_create(ledger)
    return outcomes


def same_link(url: str) -> str:
    """A page's address as a key: no scheme, no "www.", no trailing slash."""
    bare = url.strip().split("://", 1)[-1].split("#", 1)[0].rstrip("/").lower()
    return bare[4:] if bare.startswith("www.") else bare


def _find_post(exported: ExportedPost) -> Post | None:
    if exported.format == "disqus":
        return _find_thread_post(exported)
    by_key = Q(source_key=exported.key) if exported.key else Q(pk__in=[])
    minute = exported.published
    same = Q(title=exported.title, published__gte=minute,
             published__lt=minute + timedelta(minutes=1))  # fmt: skip
    found = list(Post.objects.select_for_update().filter(by_key | same)[:2])
    for post in found:  # its own id first
        if exported.key and post.source_key == exported.key:
            return post
    same_post = next((p for p in found if not p.source_key or not exported.key), None)
    return same_post or _at_address(exported.link, made_from_thread=True)


def _at_address(url: str, *, made_from_thread: bool = False) -> Post | None:
    """The post first published at `url` (any scheme, with or without www.)."""
    link = same_link(url)
    if not link:
        return None
    posts = Post.objects.select_for_update().exclude(source_url="")
    if made_from_thread:  # for a WordPress post: one a Disqus thread made earlier
        posts = posts.filter(source_key__startswith="disqus:")
    last_part = link.rsplit("/", 1)[-1] or link
    for post in posts.filter(source_url__icontains=last_part)[:20]:
        if same_link(post.source_url) == link:
            return post
    return None


def _find_thread_post(exported: ExportedPost) -> Post | None:
    """A Disqus thread's post: the one it made before, else the post at the
    thread's address, else the post of its title nearest its time."""
    posts = Post.objects.select_for_update()
    found = posts.filter(source_key=exported.key).first() or _at_address(exported.link)
    if found is None and exported.title:
        named = list(posts.filter(title=exported.title)[:50])
        found = min(named, key=lambda p: abs(p.published - exported.published), default=None)
    return found


_POST_UPDATED = (
    "title", "body", "body_format", "body_html", "categories", "tags", "source_key", "source_url",
    "export_format", "export_name", "exported_at", "last_comment_number", "mention_count",
    "updated_at",
)  # fmt: skip


def _write_post(
    exported: ExportedPost, *, now: datetime, digest: str
) -> tuple[Outcome, ImportedFile]:
    post = _find_post(exported)
    created = post is None
    if post is None:
        post = _new_post(exported, now)
        updated = False
    else:
        updated = _refresh(post, exported, now)
    first = post.last_comment_number + 1
    added = _write_comments(post, exported, now)
    updated = _write_mentions(post, exported) or updated
    if added or updated:
        post.updated_at = now
    if not created and (added or updated):
        post.save(update_fields=_POST_UPDATED)
    elif created:
        post.save(update_fields=["last_comment_number", "mention_count", "updated_at"])
    if created:
        kind = ImportedFile.Outcome.CREATED
    elif added or updated:
        kind = ImportedFile.Outcome.UPDATED
    else:
        kind = ImportedFile.Outcome.UNCHANGED
    entry = ImportedFile(
        path=exported.source, outcome=kind, post_id=post.pk, digest=digest,
        first_number=first if added else None, last_number=first + added - 1 if added else None,
    )  # fmt: skip
    outcome = Outcome(exported.source, post_created=created, post_updated=updated and not created,
                      comments_added=added)  # fmt: skip
    return outcome, entry


def _new_post(exported: ExportedPost, now: datetime) -> Post:
    slug = _free_slug(Post.base_slug(exported.slug or exported.title))
    post = Post(
        title=exported.title, slug=slug, author=exported.author, published=exported.published,
        published_text=exported.published_text, body="\n\n".join(exported.body),
        body_format=BodyFormat.HTML if exported.body_html else BodyFormat.TEXT,
        body_html=exported.body_html, categories=list(exported.categories),
        tags=list(exported.tags), source_key=exported.key, export_format=exported.format,
        export_name=exported.source, exported_at=now,
        time_zone=getattr(exported.published.tzinfo, "key", ""),
        source_url=web_address(exported.link),
        created_at=now, updated_at=now,
    )  # fmt: skip
    post.save()
    return post


def _free_slug(base: str) -> str:
    taken = set(
        Post.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _refresh(post: Post, exported: ExportedPost, now: datetime) -> bool:
    """Take the export's text of a post already here; True if it differed."""
    fresh = {
        "body": "\n\n".join(exported.body),
        "body_format": BodyFormat.HTML if exported.body_html else BodyFormat.TEXT,
        "body_html": exported.body_html,
        "categories": list(exported.categories),
        "tags": list(exported.tags),
    }
    if exported.format == "disqus":
        # A Disqus thread has no text of the post to give, and leaves the post's
        # own provenance be; it only tells where the post was first published.
        if web_address(exported.link) and not post.source_url:
            post.source_url = web_address(exported.link)
            return True
        return False
    if exported.key and post.source_key == exported.key:
        fresh["title"] = exported.title  # edited on the source site since
    if web_address(exported.link) and post.source_url != web_address(exported.link):
        fresh["source_url"] = web_address(exported.link)
    differs = any(getattr(post, name) != value for name, value in fresh.items())
    differs = differs or (exported.key != "" and post.source_key != exported.key)
    for name, value in fresh.items():
        setattr(post, name, value)
    if exported.key and not post.source_key:
        post.source_key = exported.key
    if differs:
        post.export_format, post.export_name, post.exported_at = (
            exported.format,
            exported.source,
            now,
        )
    return differs


def _ordered(comments: list[ExportedComment]) -> Iterator[ExportedComment]:
    """Each comment after the one it answers (a reply may carry an earlier
    time than its parent: clocks differ); a loop of parents is broken at the
    first comment met, which becomes a comment on the post."""
    by_id = {comment.source_id: comment for comment in comments}
    done: set[str] = set()
    for comment in comments:
        chain: list[ExportedComment] = []
        current: ExportedComment | None = comment
        while current is not None and current.source_id not in done:
            if current in chain:
                current.parent_id = None  # a loop: broken here, the rest follows it
                chain = chain[: chain.index(current) + 1]
                break
            chain.append(current)
            current = by_id.get(current.parent_id) if current.parent_id else None
        for one in reversed(chain):
            if one.source_id not in done:
                done.add(one.source_id)
                yield one


class _Known:
    """The comments already here that an export's comments may be."""

    def __init__(self, post: Post, exported: ExportedPost) -> None:
        comments = exported.comments
        fields = ("id", "parent_id", "path", "author_name", "posted", "source_key", "body",
                  "body_format", "body_html", "edited_at")  # fmt: skip
        self.by_key = {
            c.source_key: c
            for c in Comment.objects.filter(source_key__in=[c.key for c in comments]).only(*fields)
        }
        self.capture: dict[tuple[str, datetime], list[Comment]] = {}
        self.wordpress: dict[str, Comment] = {}
        self.answered: set[int] = set()  # comments here that have replies
        if post._state.adding:
            return
        if post.source_name:  # a capture's comments no export has claimed
            rows = Comment.objects.imported().filter(post=post, source_key="").order_by("number")
            for comment in rows.only(*fields):
                self.capture.setdefault((comment.author_name, comment.posted), []).append(comment)
            self.answered = set(
                Comment.objects.filter(post=post, parent__isnull=False)
                .values_list("parent_id", flat=True)
            )  # fmt: skip
        synced = {c.wordpress_id for c in comments if c.wordpress_id}
        if synced:  # Disqus comments synced from WordPress ("wp_id=301") are those
            rows = Comment.objects.filter(post=post, source_key__startswith="wordpress:")
            for comment in rows.only(*fields):
                if (wp_id := comment.source_key.rsplit(":", 1)[-1]) in synced:
                    self.wordpress[wp_id] = comment

    def find(self, one: ExportedComment) -> Comment | None:
        known = self.by_key.get(one.key) or self.wordpress.get(one.wordpress_id or "-")
        if known is None:
            minute = one.posted.replace(second=0, microsecond=0)
            candidates = self.capture.get((one.author, minute))
            if candidates:
                known = candidates.pop(0)
        return known


def _parents_here(exported: ExportedPost) -> dict[str, tuple[int, bytes]]:
    """Source id -> (pk, path) of the parents written before: by an earlier
    batch of the same export (Disqus), or an earlier import."""
    if not exported.comments:
        return {}
    prefix = exported.comments[0].key.rsplit(":", 1)[0] + ":"
    wanted = {f"{prefix}{c.parent_id}" for c in exported.comments if c.parent_id}
    rows = Comment.objects.filter(source_key__in=wanted).values_list("pk", "source_key", "path")
    return {key.rsplit(":", 1)[-1]: (pk, bytes(path)) for pk, key, path in rows}


def _write_comments(post: Post, exported: ExportedPost, now: datetime) -> int:
    known = _Known(post, exported)
    paths = _parents_here(exported)
    ids = _reserve_ids(sum(1 for c in exported.comments if c.key not in known.by_key))
    new: list[Comment] = []
    changed: list[Comment] = []
    number = post.last_comment_number
    for one in _ordered(exported.comments):
        body, html = "\n\n".join(one.body), one.body_html
        here = known.find(one)
        if here is not None:
            dirty = not here.source_key  # a capture's comment, claimed now
            here.source_key = here.source_key or one.key
            if here.edited_at is None and (here.body, here.body_html) != (body, html):
                # Edited on the source site since (a moderator's edit here stays).
                here.body, here.body_html, here.body_format = body, html, BodyFormat.HTML
                dirty = True
            parent = paths.get(one.parent_id) if one.parent_id else None
            if parent and here.parent_id is None and here.pk not in known.answered:
                # A capture shows a thread flat; the export knows whom it answers.
                here.parent_id = parent[0]
                here.path = parent[1] + bytes(here.path)[-SEGMENT_SIZE:]
                dirty = True
            if dirty:
                changed.append(here)
            paths[one.source_id] = (here.pk, bytes(here.path))
            continue
        number += 1
        parent = paths.get(one.parent_id) if one.parent_id else None
        comment = Comment(
            pk=next(ids), post=post, parent_id=parent[0] if parent else None, number=number,
            path=child_path(parent[1] if parent else None, one.posted, number),
            author_name=one.author, email=_email(one.email), website=_website(one.website),
            ip_address=_address(one.ip_address), body=body, body_format=BodyFormat.HTML,
            body_html=html, posted=one.posted, posted_text=one.posted_text,
            status=STATUSES[one.status], source_file=exported.source, source_line=one.line,
            fingerprint=fingerprint(one.key), occurrence=0, source_key=one.key, created_at=now,
        )  # fmt: skip
        new.append(comment)
        paths[one.source_id] = (comment.pk, bytes(comment.path))
    if new:
        Comment.objects.bulk_create(new)
    if changed:
        Comment.objects.bulk_update(
            changed, ["body", "body_format", "body_html", "source_key", "parent", "path"]
        )
    post.last_comment_number = number
    return len(new)


def _reserve_ids(count: int) -> Iterator[int]:
    """Ids from the sequence in one statement: a reply needs its parent's
    before either is written."""
    if count <= 0:
        return iter(())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Comment._meta.db_table, count],
        )
        return iter([pk for (pk,) in cursor.fetchall()])


def _write_mentions(post: Post, exported: ExportedPost) -> bool:
    """Add the mentions not brought before; True if any was."""
    if not exported.mentions:
        return False
    before = Mention.objects.filter(post=post).count()
    Mention.objects.bulk_create(
        [
            Mention(
                post=post,
                kind=m.kind,
                title=m.author,
                url=m.url,
                excerpt="\n\n".join(m.body),
                posted=m.posted,
                published=m.status == "published",
                source_key=m.key,
            )  # fmt: skip
            for m in exported.mentions
        ],
        ignore_conflicts=True,  # brought before
    )
    if Mention.objects.filter(post=post).count() == before:
        return False
    post.mention_count = Mention.objects.filter(post=post, published=True).count()
    return True


def _email(value: str) -> str:
    value = value.strip()
    return value if "@" in value and len(value) <= 254 and "\n" not in value else ""


def web_address(value: str, limit: int = 2000) -> str:
    """An address pages may link to: http or https only, one line."""
    value = value.strip()
    ok = value.lower().startswith(("http://", "https://")) and len(value) <= limit
    return value if ok and not any(c.isspace() for c in value) else ""


def _website(value: str) -> str:
    return web_address(value, WEBSITE_LENGTH)


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
