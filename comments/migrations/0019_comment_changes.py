"""A count of the transactions that changed comments, kept in the order they
commit, as 0018 keeps one for the people counts: what the site's comments
feeds are tagged by (comments.counts.comments_stamp).

Every statement that adds, changes or removes comments moves the version of
each post whose comments it touched, in comments_thread (0012); a deferred
trigger on those rows adds one, once per transaction and at commit, to a
counter among sixteen (one per server process modulo 16), holding its row
until the commit ends."""

from django.db import migrations

LANES = 16

FORWARD = f"""
CREATE TABLE comments_changes (lane integer PRIMARY KEY, changes bigint NOT NULL);
INSERT INTO comments_changes SELECT lane, 0 FROM generate_series(0, {LANES - 1}) AS lane;
CREATE FUNCTION comments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    this text := pg_current_xact_id()::text;
BEGIN
    -- Fired for every row at commit: counted once per transaction.
    IF current_setting('afterword.comments_counted', true) IS DISTINCT FROM this THEN
        PERFORM set_config('afterword.comments_counted', this, true);
        UPDATE comments_changes SET changes = changes + 1
        WHERE lane = pg_backend_pid() % {LANES};
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER comments_changed AFTER INSERT OR UPDATE OR DELETE ON comments_thread
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION comments_changed();
"""

REVERSE = """
DROP TRIGGER comments_changed ON comments_thread;
DROP FUNCTION comments_changed();
DROP TABLE comments_changes;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0018_people_changes"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
