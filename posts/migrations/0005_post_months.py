"""Posts per month and byline, kept by the database (PostMonth's docstring).

A statement-level trigger sees every row a statement inserts, updates or
deletes in transition tables and appends one change row per month and byline
it moved; months are cut in the zone posts_month_zone names (TIME_ZONE, kept
in step by posts.counts.sync_zone after every migrate)."""

from django.conf import settings
from django.db import migrations, models


def _delta(rows: str, sign: str) -> str:
    return f"""
        SELECT date_trunc('month', published AT TIME ZONE zone)::date AS month, author,
               {sign}1 AS posts, {sign}comment_count AS comments,
               {sign}jsonb_array_length(capture_hashes) AS captures
        FROM {rows}"""


CHANGES = """
    INSERT INTO posts_postmonth (month, author, posts, comments, captures)
    SELECT month, author, sum(posts), sum(comments), sum(captures) FROM ({rows}) AS change
    GROUP BY month, author
    HAVING sum(posts) <> 0 OR sum(comments) <> 0 OR sum(captures) <> 0;"""

FUNCTIONS = f"""
CREATE TABLE posts_month_zone (zone text NOT NULL);
CREATE FUNCTION posts_count_months() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := (SELECT posts_month_zone.zone FROM posts_month_zone);
BEGIN
    IF TG_OP = 'INSERT' THEN
        {CHANGES.format(rows=_delta("new_rows", ""))}
    ELSIF TG_OP = 'DELETE' THEN
        {CHANGES.format(rows=_delta("old_rows", "-"))}
    ELSE
        {CHANGES.format(rows=_delta("new_rows", "") + " UNION ALL " + _delta("old_rows", "-"))}
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION posts_month_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    zone text := (SELECT posts_month_zone.zone FROM posts_month_zone);
BEGIN
    LOCK TABLE posts_post IN SHARE MODE;  -- writers wait; readers go on
    DELETE FROM posts_postmonth;
    {CHANGES.format(rows=_delta("posts_post", ""))}
END
$$;
CREATE TRIGGER post_months_insert AFTER INSERT ON posts_post
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION posts_count_months();
CREATE TRIGGER post_months_update AFTER UPDATE ON posts_post
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION posts_count_months();
CREATE TRIGGER post_months_delete AFTER DELETE ON posts_post
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION posts_count_months();
"""

REVERSE = """
DROP TRIGGER post_months_insert ON posts_post;
DROP TRIGGER post_months_update ON posts_post;
DROP TRIGGER post_months_delete ON posts_post;
DROP FUNCTION posts_count_months();
DROP FUNCTION posts_month_rebuild();
DROP TABLE posts_month_zone;
"""


def count(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("INSERT INTO posts_month_zone VALUES (%s)", [settings.TIME_ZONE])
        cursor.execute("SELECT posts_month_rebuild()")


class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0004_comment_count'),
    ]

    operations = [
        migrations.CreateModel(
            name='PostMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('author', models.TextField()),
                ('posts', models.IntegerField()),
                ('comments', models.BigIntegerField()),
                ('captures', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['month'], name='post_month'), models.Index(fields=['author', 'month'], name='post_month_author')],
            },
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE),
        migrations.RunPython(count, migrations.RunPython.noop),
    ]
