"""Folding the people counts the trigger keeps (migration 0011)."""

from __future__ import annotations

from django.db import connections

FOLD = """
WITH gone AS (DELETE FROM comments_personmonth RETURNING name, month, comments)
INSERT INTO comments_personmonth (name, month, comments)
SELECT name, month, sum(comments) FROM gone GROUP BY name, month HAVING sum(comments) <> 0
"""


def fold_people(using: str = "default") -> int:
    """Fold PersonMonth's change rows into one per name and month, and clear
    the names left with no published comment; return the rows gone."""
    with connections[using].cursor() as cursor:
        before = cursor.execute("SELECT count(*) FROM comments_personmonth").fetchone()[0]
        cursor.execute(FOLD)
        folded = before - cursor.rowcount
        # A name counted again meanwhile is upserted back by its writer.
        cursor.execute("DELETE FROM comments_person WHERE comments = 0")
        return folded + cursor.rowcount
