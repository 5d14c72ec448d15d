"""Every statement that changes posts moves the change counters of 0009.

A statement whose changes leave every month's sums as they were (a title
corrected, a post moved within its month) wrote no change row, so no counter
moved. It now writes one row of zeros: the counters move with every commit
that changes a post, and are what the pages listing posts are tagged by
(posts.counts.posts_stamp). Housekeeping folds the zeros away."""

import importlib

from django.db import migrations

_counts = importlib.import_module("posts.migrations.0005_post_months")
_delta, CHANGES = _counts._delta, _counts.CHANGES

ZEROS = """
    INSERT INTO posts_postmonth (month, author, posts, comments, captures)
    SELECT month, author, 0, 0, 0 FROM ({rows}) AS change LIMIT 1;"""


def counting(zeros: bool) -> str:
    def branch(rows: str) -> str:
        changes = CHANGES.format(rows=rows)
        if zeros:
            changes += f"\n        IF NOT FOUND THEN {ZEROS.format(rows=rows)}\n        END IF;"
        return changes

    return f"""
CREATE OR REPLACE FUNCTION posts_count_months() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := (SELECT posts_month_zone.zone FROM posts_month_zone);
BEGIN
    IF TG_OP = 'INSERT' THEN
        {branch(_delta("new_rows", ""))}
    ELSIF TG_OP = 'DELETE' THEN
        {branch(_delta("old_rows", "-"))}
    ELSE
        {branch(_delta("new_rows", "") + " UNION ALL " + _delta("old_rows", "-"))}
    END IF;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0009_month_changes"),
    ]

    operations = [migrations.RunSQL(counting(zeros=True), counting(zeros=False))]
