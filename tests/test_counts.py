"""The counts the database keeps (PostMonth, Person, PersonMonth) agree with
the rows they count through every way rows change, and deep pages read them
to stay as cheap as the first."""

import datetime as dt
import io
import re
import threading

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment, Person, PersonMonth, Status
from comments.moderation import moderate
from importers.ledger import undo_run
from importers.models import ImportRun
from posts.counts import archive_months, fold_months, sync_zone
from posts.models import Post, PostMonth
from posts.names import author_url, person_url
from tests.conftest import ARCHIVES
from tests.factories import PostFactory, reply

pytestmark = pytest.mark.django_db


def truth() -> dict:
    """What the counts should say, counted from the rows themselves."""
    posts = {
        (row["month"].date() if hasattr(row["month"], "date") else row["month"], row["author"]): (
            row["n"], row["comments"]
        )
        for row in Post.objects.annotate(month=TruncMonth("published")).order_by()
        .values("month", "author").annotate(n=Count("id"), comments=Sum("comment_count"))
    }  # fmt: skip
    published = Comment.objects.published().order_by()
    people = dict(published.values_list("author_name").annotate(n=Count("id")))
    months = {
        (row["author_name"], timezone.localtime(row["month"]).date()): row["n"]
        for row in published.annotate(month=TruncMonth("posted"))
        .values("author_name", "month").annotate(n=Count("id"))
    }  # fmt: skip
    return {"posts": posts, "people": people, "person months": months}


def kept() -> dict:
    posts = {
        (row["month"], row["author"]): (row["n"], row["c"])
        for row in PostMonth.objects.order_by().values("month", "author")
        .annotate(n=Sum("posts"), c=Sum("comments")).filter(n__gt=0)
    }  # fmt: skip
    people = dict(Person.objects.filter(comments__gt=0).values_list("name", "comments"))
    months = {
        (row["name"], row["month"]): row["n"]
        for row in PersonMonth.objects.order_by().values("name", "month")
        .annotate(n=Sum("comments")).filter(n__gt=0)
    }  # fmt: skip
    return {"posts": posts, "people": people, "person months": months}


def assert_counts_agree():
    assert kept() == truth()


def import_(*paths):
    call_command("import_archive", *map(str, paths), stdout=io.StringIO())


def test_counts_follow_imports_undo_and_moderation():
    import_(ARCHIVES)
    assert Post.objects.exists()
    assert Person.objects.exists()
    assert_counts_agree()
    staff = User.objects.create_user("mod", is_staff=True)
    some = Comment.objects.filter(pk__in=Comment.objects.values("pk")[:3])
    moderate(some, "remove", user=staff)
    assert_counts_agree()
    moderate(some, "restore", user=staff)
    assert_counts_agree()
    undo_run(ImportRun.objects.latest("pk").pk)
    assert not Post.objects.exists()
    assert_counts_agree()
    assert kept() == {"posts": {}, "people": {}, "person months": {}}


def test_counts_follow_posts_and_comments_written_edited_and_deleted():
    first = PostFactory(author="Ed", published=dt.datetime(2007, 3, 31, 12, tzinfo=dt.UTC))
    second = PostFactory(author="Allahpundit", published=dt.datetime(2008, 1, 5, tzinfo=dt.UTC))
    one = reply(post=first, author_name="Kafir")
    reply(one, author_name="Zorro")
    reply(post=second, author_name="Kafir", status=Status.PENDING)  # held: not counted
    assert_counts_agree()
    assert Person.objects.get(name="Kafir").comments == 1
    # A moderator corrects a byline and a date, and a commenter's name.
    first.author, first.published = "Ed Morrissey", dt.datetime(2007, 5, 1, 12, tzinfo=dt.UTC)
    first.save()
    Comment.objects.filter(pk=one.pk).update(author_name="Kafir2")
    assert_counts_agree()
    Comment.objects.filter(post=second).update(status=Status.PUBLISHED)
    assert_counts_agree()
    second.delete()
    assert_counts_agree()
    assert archive_months().summary() == {
        "posts": 1, "first": dt.date(2007, 5, 1), "last": dt.date(2007, 5, 1),
        "comments": 2, "captures": 0,
    }  # fmt: skip


def test_folding_keeps_every_sum_in_fewer_rows():
    for n in range(12):
        PostFactory(published=dt.datetime(2007, 3, 1 + n, 12, tzinfo=dt.UTC))  # one row each
    post = Post.objects.first()
    for _ in range(5):
        reply(post=post, author_name="Kafir")
    before = kept()
    rows = PostMonth.objects.count()
    assert fold_months() == rows - 1  # one month, one byline
    assert PostMonth.objects.count() == 1
    assert kept() == before
    assert_counts_agree()


def months_read(using="default"):
    """archive_months(), and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        months = archive_months()
    return months, len(queries)


@pytest.mark.django_db(transaction=True)  # changes are counted as they commit
def test_the_month_totals_are_kept_until_a_change_is_committed():
    for day in (1, 2, 3):
        PostFactory(published=dt.datetime(2007, 3, day, 12, tzinfo=dt.UTC))
    summed, queries = months_read()
    assert queries == 2  # the stamp, then the sums
    kept, queries = months_read()
    assert (kept.digest, kept.totals, queries) == (summed.digest, summed.totals, 1)  # the stamp
    PostFactory(published=dt.datetime(2007, 4, 1, 12, tzinfo=dt.UTC))
    months, queries = months_read()
    assert (months.posts(), queries) == ([(dt.date(2007, 4, 1), 1), (dt.date(2007, 3, 1), 3)], 2)
    assert months.digest != summed.digest
    reply(post=Post.objects.first(), author_name="Kafir")
    assert months_read()[0].summary()["comments"] == 1
    fold_months()  # the same sums, under new ids
    folded, queries = months_read()
    assert (folded.totals, queries) == (months_read()[0].totals, 2)
    assert months_read()[1] == 1


@pytest.mark.django_db(transaction=True)
def test_a_change_row_committed_after_a_higher_one_changes_the_month_totals():
    # The first writer takes its change row's id, the second a higher one
    # and commits first: a reader in between sees the higher id without the
    # lower, and the first writer's commit must still be seen.
    taken, go = threading.Event(), threading.Event()

    def first_writer():
        with transaction.atomic():
            PostFactory(published=dt.datetime(2007, 3, 1, 12, tzinfo=dt.UTC))
            taken.set()
            go.wait(10)
        connection.close()

    writer = threading.Thread(target=first_writer)
    writer.start()
    try:
        assert taken.wait(10)
        PostFactory(published=dt.datetime(2007, 4, 1, 12, tzinfo=dt.UTC))
        assert archive_months().posts() == [(dt.date(2007, 4, 1), 1)]
    finally:
        go.set()
        writer.join()
    assert archive_months().posts() == [(dt.date(2007, 4, 1), 1), (dt.date(2007, 3, 1), 1)]


@pytest.mark.django_db(transaction=True)
def test_month_totals_read_by_a_writer_that_rolls_back_are_not_kept():
    # A transaction sees its own changes before they are counted (at commit),
    # and they may yet be rolled back; meanwhile another writer commits.
    began, go = threading.Event(), threading.Event()

    def other_writer():
        with transaction.atomic():
            connection.cursor().execute("SELECT pg_current_xact_id()")
            began.set()
            go.wait(10)
            PostFactory(published=dt.datetime(2007, 4, 1, 12, tzinfo=dt.UTC))
        connection.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert began.wait(10)
    try:
        with transaction.atomic():
            PostFactory(published=dt.datetime(2007, 3, 1, 12, tzinfo=dt.UTC))
            go.set()
            writer.join()
            assert len(archive_months().posts()) == 2  # its own post, and the other
            transaction.set_rollback(True)
    finally:
        go.set()
        writer.join()
    assert archive_months().posts() == [(dt.date(2007, 4, 1), 1)]


def test_housekeeping_folds_the_people_counts_too():
    post = PostFactory()
    for n in range(4):
        reply(post=post, author_name="Kafir", posted=dt.datetime(2007, 3, 22, n, tzinfo=dt.UTC))
    gone = reply(post=post, author_name="Zorro")
    Comment.objects.filter(pk=gone.pk).update(status=Status.REMOVED)
    before = kept()
    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    assert "Folded" in out.getvalue()
    assert PersonMonth.objects.count() == 1  # Kafir, March 2007; Zorro's +1 and -1 gone
    assert list(Person.objects.values_list("name", flat=True)) == ["Kafir"]
    assert kept() == before
    assert_counts_agree()


def test_a_new_time_zone_cuts_the_months_again(settings):
    # 11:30 pm on March 31 in New York is April 1 in UTC.
    post = PostFactory(published=dt.datetime(2007, 4, 1, 3, 30, tzinfo=dt.UTC))
    reply(post=post, author_name="Kafir", posted=dt.datetime(2007, 4, 1, 3, 40, tzinfo=dt.UTC))
    assert PostMonth.objects.months() == [(dt.date(2007, 3, 1), 1)]
    assert Comment.objects.months_of("Kafir") == [(dt.date(2007, 3, 1), 1)]
    settings.TIME_ZONE = "UTC"
    sync_zone()  # what every migrate does
    assert PostMonth.objects.months() == [(dt.date(2007, 4, 1), 1)]
    assert Comment.objects.months_of("Kafir") == [(dt.date(2007, 4, 1), 1)]
    assert_counts_agree()


# Deep pages ---------------------------------------------------------------


def month_spread_posts(count: int, author="Allahpundit"):
    """Posts a few days apart across several months, some at the same minute."""
    start = dt.datetime(2006, 11, 20, 15, tzinfo=dt.UTC)
    for n in range(count):
        at = start + dt.timedelta(days=(n // 2) * 3)  # pairs share a minute
        PostFactory(published=at, author=author if n % 3 else "Ed")


def pages_of(client, url: str) -> list[list[str]]:
    pages, number = [], 1
    while True:
        response = client.get(url, {"page": number})
        if response.status_code == 302:  # past the end
            return pages
        assert response.status_code == 200
        pages.append(re.findall(r'<h2><a href="([^"]+)"', response.text))
        number += 1


def test_deep_pages_hold_what_offset_pages_would(client, settings):
    settings.POSTS_PER_PAGE = 4
    month_spread_posts(45)
    expected = [
        [post.get_absolute_url() for post in page.object_list]
        for page in map(Paginator(Post.objects.for_index(), 4).page, range(1, 13))
    ]
    assert pages_of(client, "/") == expected
    year = [p for p in Post.objects.for_index() if timezone.localtime(p.published).year == 2007]
    assert sum(pages_of(client, "/2007/"), []) == [p.get_absolute_url() for p in year]
    by_ed = [p.get_absolute_url() for p in Post.objects.by_author("Ed")]
    assert sum(author_pages(client, "Ed"), []) == by_ed


def author_pages(client, name):
    pages, number = [], 1
    while True:
        response = client.get(author_url(name), {"page": number})
        found = re.findall(r'<h2><a href="([^"]+)"', response.text)
        if number > 1 and response.status_code == 200 and pages and found == pages[-1]:
            return pages  # get_page() shows the last page again past the end
        pages.append(found)
        number += 1


def test_a_persons_pages_hold_every_comment_newest_first(client, settings):
    settings.RESULTS_PER_PAGE = 3
    post = PostFactory()
    start = dt.datetime(2007, 1, 30, tzinfo=dt.UTC)
    for n in range(14):
        reply(post=post, author_name="Kafir", body=f"Comment {n}.",
              posted=start + dt.timedelta(days=2 * n))  # fmt: skip
    seen = []
    for number in range(1, 6):
        response = client.get(person_url("Kafir"), {"page": number})
        seen += re.findall(r"Comment (\d+)\.", response.text)
    assert seen == [str(n) for n in reversed(range(14))]


def offsets(queries) -> list[int]:
    return [int(n) for q in queries for n in re.findall(r"OFFSET (\d+)", q["sql"])]


def test_the_last_page_skips_no_more_than_its_month(client, settings):
    settings.POSTS_PER_PAGE = 2
    month_spread_posts(60)  # about 90 days: four months
    last = -(-Post.objects.count() // 2)
    most_in_a_month = max(n for _, n in PostMonth.objects.months())
    for url in ("/", author_url("Allahpundit")):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page": last}).status_code == 200
        assert offsets(queries.captured_queries), "the page is read at an offset"
        assert max(offsets(queries.captured_queries)) < most_in_a_month
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "COUNT(" not in sql.upper().replace("COUNT(*) AS", "")  # no count of posts


def test_list_pages_answer_in_the_same_queries_at_any_depth(
    client, settings, django_assert_max_num_queries
):
    settings.POSTS_PER_PAGE = 2
    month_spread_posts(30)
    reply(post=Post.objects.first(), author_name="Kafir")
    for url in ("/?page=1", "/?page=8", "/2006/?page=3", author_url("Ed") + "?page=4"):
        with django_assert_max_num_queries(7):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(2):  # the months' stamp and sums
        assert client.get("/archive/").status_code == 200
    # The name indexes: their stamp, the names, and for a filter's numbered
    # pages how many there are.
    for url in ("/people/", "/people/?q=afi", "/authors/"):
        with django_assert_max_num_queries(3):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(2):  # a name's months, then its comments
        assert client.get(person_url("Kafir")).status_code == 200
