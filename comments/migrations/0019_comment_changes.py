"""A count of the transactions that changed comments, kept in the order they
commit, as 0018 keeps one for the people counts: what the site's comments
feeds are tagged by (comments.counts.comments_stamp).

Every statement that adds, changes or removes comments moves the version of
each post whose comments it touched, in comments_thread (0012); a deferred
trigger on those rows adds one, once per transaction and at commit, to a
counter among sixteen (one per server process modulo 16), holding its row
until the commit ends."""

import importlib

from django.db import migrations

_counters = importlib.import_module("posts.migrations.0009_month_changes")

FORWARD = _counters.counting(
    "comments_changes",
    "comments_changed",
    "afterword.comments_counted",
    "comments_changed",
    ("comments_thread", "INSERT OR UPDATE OR DELETE"),
)
REVERSE = _counters.uncounting(
    "comments_changes", "comments_changed", "comments_changed", "comments_thread"
)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0018_people_changes"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
