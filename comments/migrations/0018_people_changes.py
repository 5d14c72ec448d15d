"""A count of the transactions that changed the people counts, kept in the
order they commit, as posts' 0009 keeps one for the month counts: what the
people index is tagged by (comments.counts.people_stamp).

Every statement that changes a name's count of published comments appends
PersonMonth change rows in the same statement (0011), and so does every
rebuild; a deferred trigger on those rows adds one, once per transaction and
at commit, to a counter among sixteen (one per server process modulo 16),
holding its row until the commit ends. A reader who sees a counter's value
sees every transaction counted before it."""

from django.db import migrations

LANES = 16

FORWARD = f"""
CREATE TABLE comments_people_changes (lane integer PRIMARY KEY, changes bigint NOT NULL);
INSERT INTO comments_people_changes SELECT lane, 0 FROM generate_series(0, {LANES - 1}) AS lane;
CREATE FUNCTION comments_people_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    this text := pg_current_xact_id()::text;
BEGIN
    -- Fired for every row at commit: counted once per transaction.
    IF current_setting('afterword.people_counted', true) IS DISTINCT FROM this THEN
        PERFORM set_config('afterword.people_counted', this, true);
        UPDATE comments_people_changes SET changes = changes + 1
        WHERE lane = pg_backend_pid() % {LANES};
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER people_changed AFTER INSERT OR DELETE ON comments_personmonth
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION comments_people_changed();
"""

REVERSE = """
DROP TRIGGER people_changed ON comments_personmonth;
DROP FUNCTION comments_people_changed();
DROP TABLE comments_people_changes;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0017_post_page_state"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
