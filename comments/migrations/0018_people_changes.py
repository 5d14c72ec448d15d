"""A count of the transactions that changed the people counts, kept in the
order they commit, as posts' 0009 keeps one for the month counts: what the
people index is tagged by (comments.counts.people_stamp).

Every statement that changes a name's count of published comments appends
PersonMonth change rows in the same statement (0011), and so does every
rebuild; a deferred trigger on those rows adds one, once per transaction and
at commit, to a counter among sixteen (one per server process modulo 16),
holding its row until the commit ends. A reader who sees a counter's value
sees every transaction counted before it."""

import importlib

from django.db import migrations

_counters = importlib.import_module("posts.migrations.0009_month_changes")

FORWARD = _counters.counting(
    "comments_people_changes",
    "comments_people_changed",
    "afterword.people_counted",
    "people_changed",
    ("comments_personmonth", "INSERT OR DELETE"),
)
REVERSE = _counters.uncounting(
    "comments_people_changes", "comments_people_changed", "people_changed", "comments_personmonth"
)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0017_post_page_state"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
