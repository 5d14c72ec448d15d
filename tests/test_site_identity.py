"""What the site says it is, and its indexes: the archive by month, the
authors and the people."""

import datetime as dt
import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.test import Client

from comments.models import Status
from posts.models import Post
from posts.names import author_url, person_url
from tests.conftest import ARCHIVES
from tests.factories import PostFactory, reply
from tests.html import text_of

pytestmark = pytest.mark.django_db


def words(html: str) -> str:
    return " ".join(text_of(html).split())


def test_the_site_name_tagline_and_description_come_from_settings(client, settings):
    settings.SITE_NAME = "The Hot Air Archive"
    settings.SITE_TAGLINE = "Conversations from 2006 on"
    settings.SITE_DESCRIPTION = "Every post and every comment, kept."
    call_command("import_archive", str(ARCHIVES), stdout=io.StringIO())
    home = client.get("/").text
    assert '<a class="site-name" href="/">The Hot Air Archive</a>' in home
    assert '<p class="site-tagline">Conversations from 2006 on</p>' in home
    assert "Every post and every comment, kept." in home
    assert "<title>The Hot Air Archive</title>" in home
    assert '<meta name="description" content="Conversations from 2006 on">' in home
    post = Post.objects.get(title__contains="Mahdi")
    page = client.get(post.get_absolute_url()).text
    assert f"<title>{post.title} · The Hot Air Archive</title>" in page
    assert "<title>The Hot Air Archive: latest posts</title>" in client.get("/feeds/posts/").text
    assert (
        "<title>The Hot Air Archive: latest comments</title>" in client.get("/feeds/comments/").text
    )
    for url in ("/archive/", "/authors/", "/people/", "/search/", "/no/such/page/"):
        assert "· The Hot Air Archive</title>" in client.get(url).text, url


def test_every_page_links_the_archive_authors_and_people(client):
    post = PostFactory()
    for url in ("/", post.get_absolute_url(), "/search/"):
        nav = re.search(r'<nav class="site-nav".*?</nav>', client.get(url).text, re.S).group(0)
        assert re.findall(r'href="([^"]+)"', nav) == ["/archive/", "/authors/", "/people/"]


def test_a_posts_date_links_to_its_day(client):
    post = PostFactory(published=dt.datetime(2007, 3, 22, 2, 27, tzinfo=dt.UTC))  # 21st in NY
    day = "/2007/03/21/"
    assert post.day_url == day
    assert f'posted at <a href="{day}"><time' in client.get(post.get_absolute_url()).text
    assert f'posted at <a href="{day}"><time' in client.get("/").text
    assert client.get(day).status_code == 200


def test_the_archive_index_counts_each_month(client, django_assert_num_queries):
    for month, n in ((1, 2), (3, 1)):
        for i in range(n):
            PostFactory(published=dt.datetime(2008, month, 10 + i, 15, tzinfo=dt.UTC))
    PostFactory(published=dt.datetime(2007, 12, 31, 12, tzinfo=dt.UTC))
    PostFactory(published=dt.datetime(2008, 1, 1, 3, tzinfo=dt.UTC))  # Dec 31 in New York
    with django_assert_num_queries(2):  # the months' stamp and sums (not kept here: test_counts)
        html = client.get("/archive/").text
    assert re.findall(r'<h2 id="year-(\d+)"><a href="/(\d+)/">', html) == [
        ("2008", "2008"),
        ("2007", "2007"),
    ]
    months = re.findall(r'<a href="(/\d+/\d+/)">(\w+)</a> <span class="count">(\d+) posts?', html)
    assert months == [
        ("/2008/03/", "March", "1"),
        ("/2008/01/", "January", "2"),
        ("/2007/12/", "December", "2"),
    ]
    for url, _, count in months:
        listed = client.get(url).text
        assert listed.count('class="post-summary"') == int(count), url


def test_the_authors_index_lists_bylines_a_to_z_with_a_filter(
    client, settings, django_assert_num_queries
):
    settings.RESULTS_PER_PAGE = 2
    client.get("/authors/")  # the session
    for author in ("allahpundit", "Bryan", "Ed Morrissey", "Ed Morrissey", "Zed <b>"):
        PostFactory(author=author)
    with django_assert_num_queries(3):  # the posts' stamp, the names on the page, how many
        html = client.get("/authors/").text
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="count">(\d+)', html) == [
        (author_url("allahpundit"), "allahpundit", "1"),
        (author_url("Bryan"), "Bryan", "1"),
    ]
    assert "4 names, A to Z" in words(html)
    second = client.get("/authors/?page=2").text
    assert 'Ed Morrissey</a> <span class="count">2 posts' in second
    assert "Zed &lt;b&gt;" in client.get("/authors/?page=3").text
    filtered = client.get("/authors/?q=MORR").text
    assert "1 name containing “MORR”, A to Z" in words(filtered)
    assert "Bryan" not in filtered
    nothing = client.get("/authors/?q=nobody").text
    assert "No names contain “nobody”." in words(nothing)
    too_long = client.get("/authors/", {"q": "x" * 101})
    assert too_long.status_code == 200
    assert "at most 100 characters" in too_long.text


def test_the_people_index_counts_published_comments_only(client, django_assert_num_queries):
    post = PostFactory()
    for name, status in (("Zorro", "published"), ("zorro", "published"), ("Zorro", "published"),
                         ("Held Back", Status.PENDING), ("amy", "published")):  # fmt: skip
        reply(post=post, author_name=name, status=status)
    Client().get("/people/")  # the session
    # The people's stamp (the page's tag), then the names on the page and one
    # more: is there a next.
    with django_assert_num_queries(2):
        html = client.get("/people/").text
    rows = re.findall(
        r'<li><a href="([^"]+)">([^<]+)</a> <span class="count">(\d+) comments?', html
    )
    assert rows == [
        (person_url("amy"), "amy", "1"),
        (person_url("Zorro"), "Zorro", "2"),
        (person_url("zorro"), "zorro", "1"),
    ]
    assert "Held Back" not in html
    assert "Zorro" in client.get("/people/?q=zor").text
    assert client.get("/people/?name=Zorro").status_code == 200  # the ?name= form still works


def test_list_pages_past_the_end_lead_to_the_last(client, settings):
    settings.POSTS_PER_PAGE = 2
    for day in range(1, 6):
        PostFactory(published=dt.datetime(2007, 3, day, 15, tzinfo=dt.UTC))
    for url, last in (("/", 3), ("/2007/", 3), ("/2007/03/", 3)):
        response = client.get(f"{url}?page=99")
        assert (response.status_code, response["Location"]) == (302, f"{url}?page={last}")
        assert client.get(response["Location"]).status_code == 200
    assert client.get("/?page=0").status_code == 404
    assert client.get("/?page=x").status_code == 404
    # The pager: where the reader is, and the way on, on either side.
    pager = re.search(r'<nav class="pagination".*?</nav>', client.get("/?page=2").text, re.S)
    assert words(pager.group(0)) == "← Newer posts Page 2 of 3 Older posts →"


def test_the_whole_people_index_goes_by_letter_and_by_where_a_page_starts(
    client, settings, django_assert_num_queries
):
    settings.RESULTS_PER_PAGE = 3
    post = PostFactory()
    names = ["ann", "Bea", "bob", "Cal", "dee", "Dot", "eve", "Zed <b>"]
    for name in names:
        reply(post=post, author_name=name)

    def shown(url):
        html = client.get(url).text
        listed = re.findall(r'<li><a href="[^"]+">([^<]+)</a> <span class="count">', html)
        links = dict(re.findall(r'rel="(prev|next)" href="([^"]+)"', html))
        return [unescape(name) for name in listed], {k: unescape(v) for k, v in links.items()}

    first, links = shown("/people/")
    assert first == ["ann", "Bea", "bob"]
    assert set(links) == {"next"}
    second, links = shown("/people/" + links["next"])
    assert second == ["Cal", "dee", "Dot"]
    back, _ = shown("/people/" + links["prev"])
    assert back == first
    third, links = shown("/people/" + links["next"])
    assert third == ["eve", "Zed <b>"]
    assert set(links) == {"prev"}
    assert shown("/people/?letter=d")[0] == ["dee", "Dot", "eve"]
    assert 'aria-current="page">D<' in client.get("/people/?letter=d").text
    # A deep page is the people's stamp (its tag) and one query of names, never
    # a count or a skip over the names before it.
    with django_assert_num_queries(2) as queries:
        client.get("/people/?after=Dot")
    assert "OFFSET" not in queries.captured_queries[1]["sql"].upper()
    for hostile in ("?after=%00", "?before=" + "x" * 5000, "?letter=%E2%80%AE", "?letter=1"):
        assert client.get("/people/" + hostile).status_code in (200, 404)
