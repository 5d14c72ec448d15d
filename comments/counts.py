"""The people counts the trigger keeps (migration 0011), folded by
housekeeping; and the stamps of people and of comments: the counts of
transactions that changed them (migrations 0018 and 0019), which the people
index and the site's comments feeds are tagged by."""

from __future__ import annotations

from django.db import connections, router

from comments.models import Comment, PersonMonth
from posts.counts import POSTS, Stamp, Tables, read_stamp

PEOPLE: Tables = (("comments_personmonth", "comments_people_changes"),)
COMMENTS: Tables = (("comments_thread", "comments_changes"), *POSTS)

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


def people_stamp() -> Stamp:
    """What moves with every committed change to a name's count of published
    comments (posts.counts.Stamp), in one query."""
    return read_stamp(router.db_for_read(PersonMonth), PEOPLE)


def comments_stamp() -> Stamp:
    """What moves with every committed change to a comment (its thread's
    version moves: migration 0019) or to a post, in one query."""
    return read_stamp(router.db_for_read(Comment), COMMENTS)
