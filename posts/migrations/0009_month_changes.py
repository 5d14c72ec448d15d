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


def counting(counters: str, function: str, setting: str, trigger: str, on: str) -> str:
    """Commit counters `counters` moved, once per transaction and at commit,
    by `function`, fired for each row of `on` (its events given with it) by
    the deferred trigger `trigger`; `setting` marks the transaction counted.
    Shared by the other counters (comments 0018 and 0019)."""
    table, events = on
    return f"""
CREATE TABLE {counters} (lane integer PRIMARY KEY, changes bigint NOT NULL);
INSERT INTO {counters} SELECT lane, 0 FROM generate_series(0, {LANES - 1}) AS lane;
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    this text := pg_current_xact_id()::text;
BEGIN
    -- Fired for every row at commit: counted once per transaction.
    IF current_setting('{setting}', true) IS DISTINCT FROM this THEN
        PERFORM set_config('{setting}', this, true);
        UPDATE {counters} SET changes = changes + 1
        WHERE lane = pg_backend_pid() % {LANES};
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER {trigger} AFTER {events} ON {table}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""


def uncounting(counters: str, function: str, trigger: str, table: str) -> str:
    return f"""
DROP TRIGGER {trigger} ON {table};
DROP FUNCTION {function}();
DROP TABLE {counters};
"""


FORWARD = counting("posts_month_changes", "posts_month_changed", "afterword.months_counted",
                   "post_months_changed", ("posts_postmonth", "INSERT OR DELETE"))  # fmt: skip
REVERSE = uncounting(
    "posts_month_changes", "posts_month_changed", "post_months_changed", "posts_postmonth"
)


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0008_post_timeline"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
