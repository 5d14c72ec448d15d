"""Person and PersonMonth, kept by the database: a statement-level trigger
reads the published comments a statement adds, changes or removes from its
transition tables, upserts each name's count in name order (so that two
writers take the rows' locks in one order) and appends change rows per name
and month (cut in posts_month_zone's zone, as posts' months are)."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


PUBLISHED = "published"  # comments.models.Status.PUBLISHED, as it is stored


def _rows(rows: str, sign: str) -> str:
    return f"""
        SELECT author_name AS name, date_trunc('month', posted AT TIME ZONE zone)::date AS month,
               {sign}1 AS n
        FROM {rows} WHERE status = '{PUBLISHED}'"""


CHANGES = """
    WITH change AS (
        SELECT name, month, sum(n) AS n FROM ({rows}) AS row GROUP BY name, month
        HAVING sum(n) <> 0
    ), months AS (
        INSERT INTO comments_personmonth (name, month, comments)
        SELECT name, month, n FROM change
    )
    INSERT INTO comments_person AS person (name, comments)
    SELECT name, sum(n) FROM change GROUP BY name ORDER BY name
    ON CONFLICT (name) DO UPDATE SET comments = person.comments + excluded.comments;"""

FUNCTIONS = f"""
CREATE FUNCTION comments_count_people() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := (SELECT posts_month_zone.zone FROM posts_month_zone);
BEGIN
    IF TG_OP = 'INSERT' THEN
        {CHANGES.format(rows=_rows("new_rows", ""))}
    ELSIF TG_OP = 'DELETE' THEN
        {CHANGES.format(rows=_rows("old_rows", "-"))}
    ELSE
        {CHANGES.format(rows=_rows("new_rows", "") + " UNION ALL " + _rows("old_rows", "-"))}
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION comments_people_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    zone text := (SELECT posts_month_zone.zone FROM posts_month_zone);
BEGIN
    LOCK TABLE comments_comment IN SHARE MODE;  -- writers wait; readers go on
    DELETE FROM comments_person;
    DELETE FROM comments_personmonth;
    {CHANGES.format(rows=_rows("comments_comment", ""))}
END
$$;
CREATE TRIGGER comment_people_insert AFTER INSERT ON comments_comment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_count_people();
CREATE TRIGGER comment_people_update AFTER UPDATE ON comments_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_count_people();
CREATE TRIGGER comment_people_delete AFTER DELETE ON comments_comment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_count_people();
SELECT comments_people_rebuild();
"""

REVERSE = """
DROP TRIGGER comment_people_insert ON comments_comment;
DROP TRIGGER comment_people_update ON comments_comment;
DROP TRIGGER comment_people_delete ON comments_comment;
DROP FUNCTION comments_count_people();
DROP FUNCTION comments_people_rebuild();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0010_moderator_mail'),
        ('posts', '0005_post_months'),
    ]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name='Person',
            fields=[
                ('name', models.TextField(primary_key=True, serialize=False)),
                ('comments', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(django.db.models.functions.text.Lower('name'), models.F('name'), condition=models.Q(('comments__gt', 0)), name='person_a_to_z'), django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('name'), name='gin_trgm_ops'), name='person_name_contains')],
            },
        ),
        migrations.CreateModel(
            name='PersonMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.TextField()),
                ('month', models.DateField()),
                ('comments', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['name', 'month'], name='person_month')],
            },
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE),
    ]
