"""Full-text search over posts and comments, on PostgreSQL."""

import datetime as dt
import io
import re
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, Status
from posts.models import Post
from tests.conftest import ARCHIVES
from tests.factories import PostFactory, reply
from tests.html import text_of

pytestmark = pytest.mark.django_db


def search(client, **params):
    response = client.get(f"/search/?{urlencode(params)}")
    assert response.status_code == 200
    return response.content.decode()


def result_titles(html: str) -> list[str]:
    return [" ".join(text_of(t).split()) for t in re.findall(r"<h3>(.*?)</h3>", html, re.S)]


@pytest.fixture
def archive():
    call_command("import_archive", str(ARCHIVES), stdout=io.StringIO())


def test_words_find_posts_and_comments_ranked_with_marked_snippets(client, archive):
    html = search(client, q="Mahdi defectors")
    titles = result_titles(html)
    assert titles[0] == "AP: Mahdi Army fractures, defectors now loyal to Iran"  # title weighs most
    assert "<mark>Mahdi</mark>" in html
    assert "<mark>defectors</mark>" in html
    assert re.search(r"\d+ results?", html)


def test_stemming_phrases_or_and_minus(client, archive):
    # "fractured" finds "fractures"
    assert "AP: Mahdi Army fractures, defectors now loyal to Iran" in result_titles(
        search(client, q="fractured", kind="posts")
    )
    phrase = result_titles(search(client, q='"loyal to Iran"', kind="posts"))
    assert phrase == ["AP: Mahdi Army fractures, defectors now loyal to Iran"]
    either = result_titles(search(client, q="Mahdi or stimulus", kind="posts"))
    assert len(either) == 2
    without = result_titles(search(client, q="Mahdi -Iran", kind="posts"))
    assert without == []


def test_filters_by_kind_name_and_dates(client, archive):
    comments_only = search(client, q="Iran", kind="comments")
    assert all(" on “" in title for title in result_titles(comments_only))
    by = search(client, q="Iran", by="Zorro")
    assert set(re.findall(r'class="meta">Comment by <a [^>]*>([^<]*)</a>', by)) <= {"Zorro"}
    assert result_titles(search(client, q="Mahdi", start="2008-01-01")) == []
    dated = result_titles(search(client, q="Mahdi", start="2007-03-21", end="2007-03-21"))
    assert dated
    assert dated[0].startswith("AP: Mahdi Army")


def test_hidden_comments_are_never_found(client):
    post = PostFactory()
    spam = reply(post=post, author_name="Spammer", body="Cheap zyxwvut pills")
    Comment.objects.filter(pk=spam.pk).update(status=Status.SPAM)
    assert "Nothing found" in search(client, q="zyxwvut")


def test_snippets_escape_what_was_written(client):
    post = PostFactory(title="<i>Markup</i> title", body="<script>alert(1)</script> quokka")
    reply(post=post, author_name="<b>Bold</b>", body='<img src=x onerror="alert(1)"> quokka')
    html = search(client, q="quokka")
    assert "<script>alert" not in html
    assert "<img src" not in html
    assert "<i>Markup" not in html
    assert "<b>Bold" not in html
    assert "&lt;i&gt;Markup&lt;/i&gt; title" in html
    assert html.count("<mark>quokka</mark>") == 2


def test_marks_survive_text_that_looks_like_markup(client):
    PostFactory(title="Fish & chips", body='He said "a < b" & then: wallaby > kangaroo.')
    html = search(client, q="wallaby")
    assert "&amp; then: <mark>wallaby</mark> &gt; kangaroo" in html


JUNK = ["", "   ", "the and of", '"', "-", "or", "!!! ???", "'; DROP TABLE x; --", "(((", "\u00a0"]


@pytest.mark.parametrize("q", JUNK)
def test_empty_or_junk_queries_get_a_helpful_page(client, archive, q):
    html = search(client, q=q)
    assert "How to search" in html


def test_a_query_too_long_or_a_bad_date_is_shown_beside_its_field(client):
    html = search(client, q="x" * 201)
    assert 'aria-invalid="true"' in html
    assert "at most 200 characters" in html
    html = search(client, q="iran", start="2007-02-30")
    assert "Enter a valid date." in html
    html = search(client, q="iran", start="2008-01-01", end="2007-01-01")
    assert "This date is before the “From” date." in html
    assert client.get("/search/?q=%00").status_code == 200


def test_results_are_paginated_with_the_query_kept(client, settings):
    settings.RESULTS_PER_PAGE = 2
    post = PostFactory(body="Nothing here.")
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n in range(5):
        reply(post=post, body=f"wombat number {n}", posted=base + dt.timedelta(n))
    first = search(client, q="wombat")
    assert "5 results, page 1 of 3" in first
    assert '<a rel="next" href="?q=wombat&amp;page=2">' in first
    third = search(client, q="wombat", page=3)
    assert len(result_titles(third)) == 1


def test_search_answers_in_bounded_queries(client, django_assert_max_num_queries, settings):
    settings.RESULTS_PER_PAGE = 10
    for n in range(15):
        post = PostFactory(body=f"Platypus post {n}.")
        reply(post=post, body="A platypus comment.")
    # Of each table, its candidates among the newest rows and, if too few,
    # from the GIN index (a transaction that sets the plan: four statements);
    # the ranked page, its posts, its comments.
    with django_assert_max_num_queries(13):
        html = search(client, q="platypus")
    assert "30 results" in html


def test_a_common_word_ranks_only_its_newest_matches_and_says_so(client, monkeypatch):
    monkeypatch.setattr("comments.search.CANDIDATES", 3)
    post = PostFactory(body="Nothing here.")
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    written = [
        reply(post=post, body=f"A wombat, {n}.", posted=base + dt.timedelta(days=n))
        for n in range(6)
    ]
    with CaptureQueriesContext(connection) as queries:
        html = search(client, q="wombat")
    assert "More than 3 results" in html
    assert "the newest 3 posts and the newest 3 comments are ranked" in html
    shown = [c for c in written if f'href="{c.get_absolute_url()}"' in html]
    assert shown == written[3:]  # the newest three
    ranked = [q["sql"] for q in queries if "ts_rank(" in q["sql"]]
    assert ranked
    assert all("LIMIT 3" in sql for sql in ranked)  # only the candidates are ranked
    # Fewer matches than that: all of them, and a plain count.
    assert "1 result" in search(client, q="nothing")
    assert "More than" not in search(client, q="nothing")


def test_a_name_filter_ignores_case(client):
    post = PostFactory(author="Ed Morrissey", body="A quokka post.")
    reply(post=post, author_name="Kafir", body="A quokka comment.")
    assert len(result_titles(search(client, q="quokka", by="kafir"))) == 1
    assert len(result_titles(search(client, q="quokka", by="ED MORRISSEY"))) == 1
    assert result_titles(search(client, q="quokka", by="Kaf")) == []


def test_new_and_edited_text_is_searchable_at_once(client):
    post = PostFactory()
    comment = reply(post=post, body="A numbat appears.")
    assert "numbat" in search(client, q="numbat")
    Comment.objects.filter(pk=comment.pk).update(body="A bilby appears.")
    assert "Nothing found" in search(client, q="numbat")
    assert "bilby" in search(client, q="bilby")
    Post.objects.filter(pk=post.pk).update(title="The echidna post")
    assert "echidna" in search(client, q="echidna", kind="posts")
