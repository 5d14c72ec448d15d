"""Keep posts_post.comment_count, the published comments of each post, in the
database: every way a comment is written, moderated or deleted (the site, the
admin's bulk actions) is one statement on the table, and a statement-level
trigger sees all its rows at once in transition tables.

The importer counts what it adds itself, in the writes of posts it makes
anyway, and says so with the setting afterword.import_counts: updating a
post row again would recompute its stored search vector (importers/loading.py)."""

from django.db import migrations

PUBLISHED = "published"  # comments.models.Status.PUBLISHED, as it is stored

FUNCTION = f"""
CREATE FUNCTION comments_count_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND current_setting('afterword.import_counts', true) = 'on' THEN
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE posts_post SET comment_count = comment_count + d.n
        FROM (SELECT post_id, count(*) AS n FROM new_rows
              WHERE status = '{PUBLISHED}' GROUP BY post_id) d
        WHERE posts_post.id = d.post_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE posts_post SET comment_count = comment_count - d.n
        FROM (SELECT post_id, count(*) AS n FROM old_rows
              WHERE status = '{PUBLISHED}' GROUP BY post_id) d
        WHERE posts_post.id = d.post_id;
    ELSE
        UPDATE posts_post SET comment_count = comment_count + d.n
        FROM (SELECT post_id, sum(n) AS n FROM (
                  SELECT post_id, 1 AS n FROM new_rows WHERE status = '{PUBLISHED}'
                  UNION ALL
                  SELECT post_id, -1 FROM old_rows WHERE status = '{PUBLISHED}'
              ) AS change GROUP BY post_id HAVING sum(n) <> 0) d
        WHERE posts_post.id = d.post_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER comment_count_insert AFTER INSERT ON comments_comment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_count_published();
CREATE TRIGGER comment_count_update AFTER UPDATE ON comments_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_count_published();
CREATE TRIGGER comment_count_delete AFTER DELETE ON comments_comment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_count_published();
UPDATE posts_post SET comment_count = (
    SELECT count(*) FROM comments_comment
    WHERE comments_comment.post_id = posts_post.id AND status = '{PUBLISHED}'
);
"""

REVERSE = """
DROP TRIGGER comment_count_insert ON comments_comment;
DROP TRIGGER comment_count_update ON comments_comment;
DROP TRIGGER comment_count_delete ON comments_comment;
DROP FUNCTION comments_count_published();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_search_people_feeds"),
        ("posts", "0004_comment_count"),
    ]

    operations = [migrations.RunSQL(FUNCTION, REVERSE)]
