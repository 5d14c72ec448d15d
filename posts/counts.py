"""The counts the triggers keep (migration 0005): rebuilt when the site's time
zone changes, folded by housekeeping."""

from __future__ import annotations

from django.conf import settings
from django.db import connections
from django.dispatch import Signal

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
    """Months are cut in TIME_ZONE: when it changes, count them again."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT zone FROM posts_month_zone")
        (zone,) = cursor.fetchone()
        if zone != settings.TIME_ZONE:
            cursor.execute("UPDATE posts_month_zone SET zone = %s", [settings.TIME_ZONE])
            cursor.execute("SELECT posts_month_rebuild()")
            months_recut.send(sender=None, using=using)
