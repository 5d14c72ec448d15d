"""The counts the triggers keep (migration 0005): read through the cache,
rebuilt when the site's time zone changes, folded by housekeeping.

The archive's month totals (archive_months) are read by the home page, the
archive and sitemap indexes and the year pages: summing every month's change
rows on each request made those pages grow with the months an archive spans.
They are kept in the cache under the count of transactions that changed
posts, which the database keeps in the order they commit (migrations 0009
and 0010): sixteen small counters, read with every request. Equal counters,
equal posts; any commit that changes a post moves a counter. The pages that
list posts are tagged by them too (posts_stamp).
"""

from __future__ import annotations

import datetime
import hashlib
from functools import cache as once
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.dispatch import Signal

from posts.models import MonthTotal, PostMonth, archive_summary

# Sent, with `using`, when the months have been counted again in a new zone:
# what else is cut by month (comments' PersonMonth) is counted again too.
months_recut = Signal()

FOLD = """
WITH gone AS (DELETE FROM posts_postmonth RETURNING month, author, posts, comments, captures)
INSERT INTO posts_postmonth (month, author, posts, comments, captures)
SELECT month, author, sum(posts), sum(comments), sum(captures) FROM gone GROUP BY month, author
HAVING sum(posts) <> 0 OR sum(comments) <> 0 OR sum(captures) <> 0
"""


def fold_months(using: str = "default") -> int:
    """Fold the month counts' change rows into one row per month and byline
    (a concurrent writer's new rows are left for next time); return the rows
    folded away."""
    with connections[using].cursor() as cursor:
        before = cursor.execute("SELECT count(*) FROM posts_postmonth").fetchone()[0]
        cursor.execute(FOLD)
        return before - cursor.rowcount


def sync_zone(using: str = "default", **kwargs) -> None:
    """Months are cut in TIME_ZONE: when it changes, count them again (the
    zone and the months in one transaction)."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT zone FROM posts_month_zone")
        (zone,) = cursor.fetchone()
        if zone != settings.TIME_ZONE:
            cursor.execute("UPDATE posts_month_zone SET zone = %s", [settings.TIME_ZONE])
            cursor.execute("SELECT posts_month_rebuild()")
            months_recut.send(sender=None, using=using)


class Months:
    """The archive's months with posts, newest first, and a digest of them
    (what a page that lists or pages them is tagged by). Kept in the cache
    as plain numbers, made into dates only when a page reads them: the
    indexes kept under the digest do not."""

    def __init__(self, digest: str, rows: tuple[tuple[int, int, int, int], ...]) -> None:
        self.digest = digest
        self.rows = rows  # (the month's first day's ordinal, posts, comments, captures)

    @classmethod
    def of(cls, totals: list[MonthTotal]) -> Months:
        rows = tuple((t.month.toordinal(), t.posts, t.comments, t.captures) for t in totals)
        return cls(hashlib.blake2b(repr(rows).encode(), digest_size=16).hexdigest(), rows)

    @cached_property
    def totals(self) -> list[MonthTotal]:
        day = datetime.date.fromordinal
        return [MonthTotal(day(ordinal), *counts) for ordinal, *counts in self.rows]

    def posts(self, year: int | None = None) -> list[tuple[datetime.date, int]]:
        """[(first of month, posts), …], newest first; of one year, or all."""
        return [(t.month, t.posts) for t in self.totals if year is None or t.month.year == year]

    def years(self) -> list[tuple[int, list[tuple[datetime.date, int]]]]:
        """[(year, [(first of month, posts), …]), …], newest first."""
        years: dict[int, list[tuple[datetime.date, int]]] = {}
        for total in self.totals:
            years.setdefault(total.month.year, []).append((total.month, total.posts))
        return list(years.items())

    def summary(self) -> dict:
        return archive_summary(self.totals)


Tables = tuple[tuple[str, str], ...]  # (change rows, their commit counters), …
POSTS: Tables = (("posts_postmonth", "posts_month_changes"),)


@once
def _stamp_sql(tables: Tables) -> str:
    """The query of a stamp: the change rows' files (new when a table is
    emptied, as the counters are not), the counters, and whether this
    transaction has written anything."""
    filenodes = ", ".join(f"pg_relation_filenode('{rows}')" for rows, _ in tables)
    changes = ", ".join(
        f"(SELECT string_agg(changes::text, '.' ORDER BY lane) FROM {counters})"
        for _, counters in tables
    )
    return f"""
SELECT current_database() AS database, concat_ws('.', {filenodes}) AS filenode,
       concat_ws('/', {changes}) AS changes,
       pg_current_xact_id_if_assigned() IS NOT NULL AS writing"""


CACHE_SECONDS = 24 * 3600


class Stamp(NamedTuple):
    """What moves with every committed change to some tables, read in one
    query: for posts, the counters that every statement that changes posts
    moves (migration 0010), what the month totals are kept under and what
    the pages that list posts and show nothing else of the database are
    tagged by; for comments and people, theirs (comments.counts)."""

    using: str
    database: str
    filenode: str
    changes: str
    writing: bool  # this transaction has written: its changes are not counted yet

    @property
    def tag(self) -> tuple | None:
        """What a page is tagged by; None in a transaction that has written."""
        return None if self.writing else (self.database, self.filenode, self.changes)


def read_stamp(using: str, tables: Tables) -> Stamp:
    """The stamp of `tables`: change rows and their commit counters, kept as
    posts_postmonth and posts_month_changes are."""
    with connections[using].cursor() as cursor:
        cursor.execute(_stamp_sql(tables))
        return Stamp(using, *cursor.fetchone())


def posts_stamp() -> Stamp:
    return read_stamp(router.db_for_read(PostMonth), POSTS)


def archive_months(stamp: Stamp | None = None) -> Months:
    """The archive's month totals: from the cache while no transaction has
    changed them since they were summed, else summed (one query for the
    stamp, unless it is given, and one more to sum). A transaction that has
    written sums them: its own changes are counted only when it commits, and
    may yet be rolled back."""
    stamp = stamp or posts_stamp()
    key = f"post-months:{_cluster(stamp.using)}:{stamp.database}:{stamp.filenode}:{stamp.changes}"
    kept = None if stamp.writing else cache.get(key)
    if kept is not None:
        return Months(*kept)
    months = Months.of(PostMonth.objects.using(stamp.using).totals())
    if not stamp.writing:
        cache.set(key, (months.digest, months.rows), CACHE_SECONDS)
    return months


@once
def _cluster(using: str) -> int:
    """The database cluster's identity: another cluster may hold a table
    of the same file and counters, and a cache may be shared between them."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT system_identifier FROM pg_control_system()")
        return cursor.fetchone()[0]
