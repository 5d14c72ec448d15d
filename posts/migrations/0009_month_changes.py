"""A count of the transactions that changed the month counts, kept in the
order they commit (posts.counts.archive_months keeps the totals under it).

posts_postmonth's ids are taken before commit, so their order is not the
order in which they become visible. Each transaction that writes there adds
one to a counter at commit time instead (a deferred trigger), holding the
counter's row until it has committed: a reader who sees a counter's value
sees every transaction counted before it, and any later one moves it. The
counters are sixteen lanes, one per server process modulo 16, so that two
writers wait on each other only if they share a lane, and only for the
moment of their commits."""

from django.db import migrations

LANES = 16

FORWARD = f"""
CREATE TABLE posts_month_changes (lane integer PRIMARY KEY, changes bigint NOT NULL);
INSERT INTO posts_month_changes SELECT lane, 0 FROM generate_series(0, {LANES - 1}) AS lane;
CREATE FUNCTION posts_month_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    this text := pg_current_xact_id()::text;
BEGIN
    -- Fired for every row at commit: counted once per transaction.
    IF current_setting('afterword.months_counted', true) IS DISTINCT FROM this THEN
        PERFORM set_config('afterword.months_counted', this, true);
        UPDATE posts_month_changes SET changes = changes + 1
        WHERE lane = pg_backend_pid() % {LANES};
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER post_months_changed AFTER INSERT OR DELETE ON posts_postmonth
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION posts_month_changed();
"""

REVERSE = """
DROP TRIGGER post_months_changed ON posts_postmonth;
DROP FUNCTION posts_month_changed();
DROP TABLE posts_month_changes;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0008_post_timeline"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
