"""Thread versions, kept by the database: a statement-level trigger adds one
to the version of every post whose comments the statement touched, in post
order (two writers take the rows' locks in one order; the post's own row is
locked by the same statements already, for its comment count)."""

from django.db import migrations, models


def _bump(rows: str) -> str:
    return f"""
    INSERT INTO comments_thread AS thread (post_id, version, changed_at)
    SELECT post_id, 1, clock_timestamp() FROM ({rows}) AS touched
    GROUP BY post_id ORDER BY post_id
    ON CONFLICT (post_id) DO UPDATE
    SET version = thread.version + 1, changed_at = excluded.changed_at;"""


FUNCTIONS = f"""
CREATE FUNCTION comments_thread_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_bump("SELECT post_id FROM new_rows")}
    ELSIF TG_OP = 'DELETE' THEN
        {_bump("SELECT post_id FROM old_rows")}
    ELSE
        {_bump("SELECT post_id FROM new_rows UNION ALL SELECT post_id FROM old_rows")}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER comment_thread_insert AFTER INSERT ON comments_comment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_thread_changed();
CREATE TRIGGER comment_thread_update AFTER UPDATE ON comments_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_thread_changed();
CREATE TRIGGER comment_thread_delete AFTER DELETE ON comments_comment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_thread_changed();
INSERT INTO comments_thread (post_id, version, changed_at)
SELECT DISTINCT post_id, 1, now() FROM comments_comment;
"""

REVERSE = """
DROP TRIGGER comment_thread_insert ON comments_comment;
DROP TRIGGER comment_thread_update ON comments_comment;
DROP TRIGGER comment_thread_delete ON comments_comment;
DROP FUNCTION comments_thread_changed();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0011_people'),
    ]

    operations = [
        migrations.CreateModel(
            name='Thread',
            fields=[
                ('post_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('version', models.BigIntegerField()),
                ('changed_at', models.DateTimeField()),
            ],
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE),
    ]
