"""Write a site's export (WordPress, Disqus) to the database.

One export file is one transaction: a file the parser or the database refuses
anywhere writes nothing of itself. Within it, posts are written a batch at a
time with a fixed handful of statements whatever the batch holds, as
captures are (importers/loading.py).

Identity, which makes every re-import a no-op and two at once harmless:
- a post is its export id (`post_source_key`), else its title and minute
  (`post_natural_key`): a post imported from a capture is the same post. A
  Disqus thread's post is the one it made, else the post first published at
  its address, else the post of its title nearest its time;
- a comment is its export id (`comment_source_key`). One a capture of the
  same post brought, by the same name in the same minute and not yet claimed
  by an export, is the same comment: the export's id joins it, and the
  export's threading is taken for it.
A later export adds what is new and takes the edited text of what it brought
before; the status of a comment already here, a moderator's decision, is
never changed, and neither is text a moderator edited.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from comments.models import Comment, Status
from comments.paths import SEGMENT_SIZE, child_path
from importers.exported import ExportedComment, ExportedPost
from importers.loading import (
    Outcome,
    assign_slugs,
    copy_fields,
    copy_rows,
    copy_tuples,
    reserve_ids,
)
from importers.models import ImportedFile
from posts.models import BodyFormat, Mention, Post, link_key

STATUSES = {
    "published": Status.PUBLISHED, "pending": Status.PENDING, "spam": Status.SPAM,
    "removed": Status.REMOVED,
}  # fmt: skip
WEBSITE_LENGTH = Comment._meta.get_field("website").max_length or 200
BATCH = 100  # posts written with one round of statements
# What an export's comment has; the rest only a comment written here has.
COMMENT_FIELDS = copy_fields(
    Comment, left_to_database=("edited_at", "submission", "written_by", "deleted_at", "deleted_by")
)
_COMMENT_FIELDS = ("id", "post_id", "parent_id", "path", "author_name", "posted", "source_key",
                   "body", "body_format", "body_html", "edited_at")  # fmt: skip
_POST_UPDATED = (
    "title", "body", "body_format", "body_html", "categories", "tags", "source_key", "source_url",
    "link_key", "export_format", "export_name", "exported_at", "last_comment_number",
    "mention_count", "updated_at",
)  # fmt: skip


def fingerprint(key: str) -> str:
    """What marks an export's comment as imported (comments.models.IMPORTED)."""
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def write_export(
    posts: Iterable[ExportedPost], *, path: str, digest: str, run_id: int | None
) -> list[Outcome]:
    """Write every post the export yields, in one transaction; the parser's
    ArchiveError (or the database's refusal) rolls back the whole file."""
    outcomes: list[Outcome] = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            # As for captures: a crash loses at most the last moments of an
            # import, which a re-run restores, and no commit waits for the disk.
            cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
        now = timezone.now()
        for batch in _batches(posts):
            written, ledger = _write_batch(batch, now=now, digest=digest)
            outcomes += written
            if run_id is not None:
                for entry in ledger:
                    entry.run_id = run_id
                ImportedFile.objects.bulk_create(ledger)
    return outcomes


def _batches(posts: Iterable[ExportedPost]) -> Iterator[list[ExportedPost]]:
    """BATCH posts at a time; a post seen again (Disqus hands a long thread on
    in parts) starts a new batch, so that it sees what the first part wrote."""
    batch: list[ExportedPost] = []
    keys: set[str] = set()
    for post in posts:
        key = post.key or f"{post.title}\x1f{post.published}"
        if len(batch) >= BATCH or key in keys:
            yield batch
            batch, keys = [], set()
        batch.append(post)
        keys.add(key)
    if batch:
        yield batch


# Posts ---------------------------------------------------------------------------


def _found_posts(batch: list[ExportedPost]) -> dict[int, Post]:
    """The posts already here for the batch, by the batch's index."""
    keys = {p.key for p in batch if p.key}
    links = {link_key(p.link) for p in batch if p.link} - {""}
    titles = {p.title for p in batch}
    minutes = {p.published for p in batch}
    candidates = list(
        Post.objects.select_for_update().filter(
            Q(source_key__in=keys) | Q(link_key__in=links)
            | Q(title__in=titles, published__in=minutes)
        )
    )  # fmt: skip
    by_key = {post.source_key: post for post in candidates if post.source_key}
    by_name = {(post.title, post.published): post for post in candidates}
    by_link: dict[str, list[Post]] = {}
    for candidate in candidates:
        if candidate.link_key:
            by_link.setdefault(candidate.link_key, []).append(candidate)
    found: dict[int, Post] = {}
    for index, exported in enumerate(batch):
        post = by_key.get(exported.key) if exported.key else None
        link = link_key(exported.link)
        if post is None and exported.format == "disqus":
            post = next(iter(by_link.get(link, [])), None) or _nearest_titled(exported)
        elif post is None:
            named = by_name.get((exported.title, exported.published))
            if named is not None and (not named.source_key or not exported.key):
                post = named
            else:  # a post a Disqus thread made before the WordPress export came
                made = [p for p in by_link.get(link, []) if p.source_key.startswith("disqus:")]
                post = made[0] if made else None
        if post is not None:
            found[index] = post
    return found


def _nearest_titled(exported: ExportedPost) -> Post | None:
    named = list(Post.objects.select_for_update().filter(title=exported.title)[:50])
    return min(named, key=lambda p: abs(p.published - exported.published), default=None)


def _new_post(exported: ExportedPost, now: datetime) -> Post:
    address = web_address(exported.link)
    return Post(
        title=exported.title, slug=Post.base_slug(exported.slug or exported.title),
        author=exported.author, published=exported.published,
        published_text=exported.published_text, body="\n\n".join(exported.body),
        body_format=BodyFormat.HTML if exported.body_html else BodyFormat.TEXT,
        body_html=exported.body_html, categories=list(exported.categories),
        tags=list(exported.tags), source_key=exported.key, source_url=address,
        link_key=link_key(address), export_format=exported.format,
        export_name=exported.source, exported_at=now,
        time_zone=getattr(exported.published.tzinfo, "key", ""), created_at=now, updated_at=now,
    )  # fmt: skip


def _refresh(post: Post, exported: ExportedPost, now: datetime) -> bool:
    """Take the export's text of a post already here; True if it differed."""
    address = web_address(exported.link)
    if exported.format == "disqus":
        # A Disqus thread has no text of the post to give, and leaves the post's
        # own provenance be; it only tells where the post was first published.
        if address and not post.source_url:
            post.source_url, post.link_key = address, link_key(address)
            return True
        return False
    fresh: dict[str, object] = {
        "body": "\n\n".join(exported.body),
        "body_format": BodyFormat.HTML if exported.body_html else BodyFormat.TEXT,
        "body_html": exported.body_html,
        "categories": list(exported.categories),
        "tags": list(exported.tags),
    }
    if exported.key and post.source_key == exported.key:
        fresh["title"] = exported.title  # edited on the source site since
    if address:
        fresh.update(source_url=address, link_key=link_key(address))
    if exported.key and not post.source_key:
        fresh["source_key"] = exported.key
    differs = any(getattr(post, name) != value for name, value in fresh.items())
    for name, value in fresh.items():
        setattr(post, name, value)
    if differs:
        post.export_format, post.export_name, post.exported_at = (
            exported.format,
            exported.source,
            now,
        )
    return differs


def _write_batch(
    batch: list[ExportedPost], *, now: datetime, digest: str
) -> tuple[list[Outcome], list[ImportedFile]]:
    found = _found_posts(batch)
    posts: list[Post] = []
    created: list[bool] = []
    updated: list[bool] = []
    for index, exported in enumerate(batch):
        post = found.get(index)
        created.append(post is None)
        if post is None:
            post = _new_post(exported, now)
            updated.append(False)
        else:
            updated.append(_refresh(post, exported, now))
        posts.append(post)
    new = [post for post, made in zip(posts, created, strict=True) if made]
    assign_slugs(new)
    reserve_ids(Post, new)  # the comments need them; the posts go in with their counts
    pairs = list(zip(posts, batch, strict=True))
    firsts = [post.last_comment_number + 1 for post in posts]
    comments, changed_comments, added = _comments(pairs, now)
    mentions = _mentions(pairs)
    for post, exported in pairs:
        if post._state.adding:
            post.mention_count = sum(m.status == "published" for m in exported.mentions)
    copy_rows(Post, new)
    if comments:
        with connection.cursor() as cursor:
            copy_tuples(cursor, Comment, COMMENT_ROW, comments)
    if changed_comments:
        Comment.objects.bulk_update(
            changed_comments, ["body", "body_format", "body_html", "source_key", "parent", "path"]
        )
    mentioned = _write_mentions(pairs, mentions, created)
    outcomes, ledger, changed = [], [], []
    for index, (post, exported) in enumerate(pairs):
        more, first = added[index], firsts[index]
        touched = created[index] or updated[index] or more > 0 or index in mentioned
        if touched and not created[index]:
            post.updated_at = now
            changed.append(post)
        kind = ImportedFile.Outcome.UNCHANGED
        if touched:
            kind = ImportedFile.Outcome.CREATED if created[index] else ImportedFile.Outcome.UPDATED
        ledger.append(ImportedFile(
            path=exported.source, outcome=kind, post_id=post.pk, digest=digest,
            first_number=first if more else None, last_number=first + more - 1 if more else None,
        ))  # fmt: skip
        outcomes.append(Outcome(
            exported.source, post_created=created[index],
            post_updated=touched and not created[index], comments_added=more, post_id=post.pk,
        ))  # fmt: skip
    if changed:
        Post.objects.bulk_update(changed, _POST_UPDATED)
    return outcomes, ledger


# Comments ----------------------------------------------------------------------


class _Known:
    """The comments already here that the batch's comments may be."""

    def __init__(self, pairs: list[tuple[Post, ExportedPost]]) -> None:
        comments = [c for _, exported in pairs for c in exported.comments]
        rows = Comment.objects.filter(source_key__in=[c.key for c in comments])
        self.by_key = {c.source_key: c for c in rows.only(*_COMMENT_FIELDS)}
        # A capture's comments that no export has claimed, by post, name and minute.
        self.capture: dict[tuple[int, str, datetime], list[Comment]] = {}
        captured = [post.pk for post, _ in pairs if post.source_name]
        self.answered: set[int] = set()
        if captured:
            rows = Comment.objects.imported().filter(post__in=captured, source_key="")
            for c in rows.order_by("number").only(*_COMMENT_FIELDS):
                self.capture.setdefault((c.post_id, c.author_name, c.posted), []).append(c)
            self.answered = set(
                Comment.objects.filter(post__in=captured, parent__isnull=False)
                .values_list("parent_id", flat=True)
            )  # fmt: skip
        # Disqus comments synced from WordPress ("wp_id=301") are those comments.
        self.wordpress: dict[tuple[int, str], Comment] = {}
        synced = {post.pk for post, exported in pairs for c in exported.comments if c.wordpress_id}
        if synced:
            rows = Comment.objects.filter(post__in=synced, source_key__startswith="wordpress:")
            for c in rows.only(*_COMMENT_FIELDS):
                self.wordpress[(c.post_id, c.source_key.rsplit(":", 1)[-1])] = c

    def find(self, post: Post, one: ExportedComment) -> Comment | None:
        known = self.by_key.get(one.key)
        if known is None and one.wordpress_id:
            known = self.wordpress.get((post.pk, one.wordpress_id))
        if known is None:
            minute = one.posted.replace(second=0, microsecond=0)
            candidates = self.capture.get((post.pk, one.author, minute))
            if candidates:
                known = candidates.pop(0)
        return known


def _parents_here(pairs: list[tuple[Post, ExportedPost]]) -> dict[str, tuple[int, bytes]]:
    """Key -> (pk, path) of the parents written before: by an earlier batch
    of the same export (Disqus), or an earlier import."""
    wanted = {
        c.key.rsplit(":", 1)[0] + ":" + c.parent_id
        for _, exported in pairs for c in exported.comments if c.parent_id
    }  # fmt: skip
    rows = Comment.objects.filter(source_key__in=wanted).values_list("source_key", "pk", "path")
    return {key: (pk, bytes(path)) for key, pk, path in rows}


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


def _comments(
    pairs: list[tuple[Post, ExportedPost]], now: datetime
) -> tuple[list[tuple], list[Comment], list[int]]:
    """The batch's new comments (rows for COPY), the comments already here that the
    export changes, and how many each post gains."""
    known = _Known(pairs)
    paths = _parents_here(pairs)  # by key
    ids = _reserve_ids(sum(1 for _, e in pairs for c in e.comments if c.key not in known.by_key))
    new: list[tuple] = []
    changed: list[Comment] = []
    added = []
    for post, exported in pairs:
        number = post.last_comment_number
        for one in _ordered(exported.comments):
            parent_key = one.key.rsplit(":", 1)[0] + ":" + one.parent_id if one.parent_id else ""
            parent = paths.get(parent_key) if parent_key else None
            here = None if post._state.adding else known.find(post, one)
            if here is not None:
                if _take(here, one, parent, known.answered):
                    changed.append(here)
                paths[one.key] = (here.pk, bytes(here.path))
                continue
            number += 1
            row = _new_comment(post, exported, one, next(ids), number, parent, now)
            new.append(row)
            paths[one.key] = (row[0], row[4])
        added.append(number - post.last_comment_number)
        post.last_comment_number = number
    return new, changed, added


def _take(here: Comment, one: ExportedComment, parent, answered: set[int]) -> bool:
    """What the export says of a comment already here; True if it changed."""
    body, html = "\n\n".join(one.body), one.body_html
    dirty = not here.source_key  # a capture's comment, claimed now
    here.source_key = here.source_key or one.key
    if here.edited_at is None and (here.body, here.body_html) != (body, html):
        # Edited on the source site since (a moderator's edit here stays).
        here.body, here.body_html, here.body_format = body, html, BodyFormat.HTML
        dirty = True
    if parent and here.parent_id is None and here.pk not in answered:
        # A capture shows a thread flat; the export knows whom it answers.
        here.parent_id = parent[0]
        here.path = parent[1] + bytes(here.path)[-SEGMENT_SIZE:]
        dirty = True
    return dirty


def _new_comment(post, exported, one: ExportedComment, pk: int, number: int, parent, now) -> tuple:
    """A new comment as the row COPY writes, in COMMENT_FIELDS' order: plain
    tuples, since an export may hold hundreds of thousands."""
    return (
        pk, post.pk, parent[0] if parent else None, number,
        child_path(parent[1] if parent else None, one.posted, number), one.author,
        _email(one.email), _website(one.website), "\n\n".join(one.body), BodyFormat.HTML,
        one.body_html, one.posted, one.posted_text, STATUSES[one.status], exported.source,
        one.line, fingerprint(one.key), 0, one.key, _address(one.ip_address), now,
    )  # fmt: skip


# _new_comment's order, which must be COMMENT_FIELDS' (tests/test_exports.py checks).
COMMENT_ROW = ("id", "post_id", "parent_id", "number", "path", "author_name", "email", "website",
               "body", "body_format", "body_html", "posted", "posted_text", "status",
               "source_file", "source_line", "fingerprint", "occurrence", "source_key",
               "ip_address", "created_at")  # fmt: skip


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


# Mentions ------------------------------------------------------------------------


def _mentions(pairs: list[tuple[Post, ExportedPost]]) -> list[Mention]:
    return [
        Mention(
            post=post,
            kind=m.kind,
            title=m.author,
            url=web_address(m.url),
            excerpt="\n\n".join(m.body),
            posted=m.posted,
            published=m.status == "published",
            source_key=m.key,
        )  # fmt: skip
        for post, exported in pairs
        for m in exported.mentions
    ]


def _write_mentions(
    pairs: list[tuple[Post, ExportedPost]], mentions: list[Mention], created: list[bool]
) -> set[int]:
    """Add the mentions not brought before; the batch indexes of the posts
    already here that gained some (their counts are set)."""
    if not mentions:
        return set()
    for mention in mentions:
        mention.post_id = mention.post.pk
    old = [post.pk for (post, exported), made in zip(pairs, created, strict=True)
           if exported.mentions and not made]  # fmt: skip

    def counts(published: bool | None = None) -> Counter[int]:
        rows = Mention.objects.filter(post__in=old)
        if published is not None:
            rows = rows.filter(published=published)
        return Counter(dict(rows.values_list("post").annotate(n=Count("pk"))))

    before = counts() if old else Counter()
    Mention.objects.bulk_create(mentions, ignore_conflicts=True)  # those brought before stay
    if not old:
        return set()
    after, shown = counts(), counts(published=True)
    gained = set()
    for index, (post, _) in enumerate(pairs):
        if not created[index] and after[post.pk] != before[post.pk]:
            post.mention_count = shown[post.pk]
            gained.add(index)
    return gained


# Values an archive may get wrong ------------------------------------------------


def web_address(value: str, limit: int = 2000) -> str:
    """An address pages may link to: http or https only, one line."""
    value = value.strip()
    ok = value.lower().startswith(("http://", "https://")) and len(value) <= limit
    return value if ok and not any(c.isspace() for c in value) else ""


def _website(value: str) -> str:
    return web_address(value, WEBSITE_LENGTH)


def _email(value: str) -> str:
    value = value.strip()
    return value if "@" in value and len(value) <= 254 and "\n" not in value else ""


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None
