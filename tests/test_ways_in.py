"""Finding a thread: by date, by byline, by a commenter's name, by feed and map."""

import datetime as dt
import io
import re
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.utils import timezone

from comments.models import Comment, Status
from posts.models import Post
from posts.names import author_url, person_url
from tests.conftest import ARCHIVES, MAHDI
from tests.factories import PostFactory, reply
from tests.html import text_of

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def import_(*paths):
    call_command("import_archive", *map(str, paths), stdout=io.StringIO())


def titles(html: str) -> list[str]:
    return [text_of(t) for t in re.findall(r"<h2><a [^>]*>(.*?)</a></h2>", html)]


# Date archives --------------------------------------------------------------


def test_year_month_and_day_archives_list_their_posts_and_link_neighbours(client):
    import_(ARCHIVES)
    year = client.get("/2007/").content.decode()
    in_2007 = Post.objects.filter(published__year=2007).order_by("-published")
    assert titles(year) == [p.title for p in in_2007]
    assert "Posts from 2007" in year
    assert '<a rel="prev" href="/2006/">← 2006</a>' in year
    assert '<a rel="next" href="/2008/">2008 →</a>' in year
    assert '<a href="/2007/03/">March</a>' in year  # months with posts

    month = client.get("/2007/03/").content.decode()
    assert titles(month) == ["AP: Mahdi Army fractures, defectors now loyal to Iran"]
    assert '<a rel="prev" href="/2006/05/">← May 2006</a>' in month  # skips empty months
    day = client.get("/2007/03/21/").content.decode()
    assert titles(day) == ["AP: Mahdi Army fractures, defectors now loyal to Iran"]
    assert "Posts from March 21, 2007" in day
    for empty in ("/2007/02/", "/2007/03/22/", "/1999/"):
        assert client.get(empty).status_code == 404


def test_archive_pages_answer_in_bounded_queries(client, django_assert_max_num_queries):
    for n in range(30):
        PostFactory(published=dt.datetime(2007, 3, 1 + n % 28, 12, n, tzinfo=dt.UTC))
    for url in ("/2007/", "/2007/03/", "/2007/03/05/"):
        # the posts' stamp (the page's tag), any posts?, the dates with posts, count,
        # page, and the neighbouring periods
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


# Names --------------------------------------------------------------------

ODD_NAMES = ["Ed Morrissey", "Ünïcødé 名前", "AC/DC", "50% off?#", "..", ".", "a/../b", "x/"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_any_commenter_name_has_a_page_that_finds_it(client, name):
    post = PostFactory()
    written = reply(post=post, author_name=name, body="Words under an odd name.")
    reply(post=post, author_name=name + " (not)", body="Someone else.")
    page = client.get(person_url(name))
    assert page.status_code == 200, person_url(name)
    html = page.content.decode()
    assert "Words under an odd name." in html
    assert "Someone else." not in html
    assert f'href="/comments/{written.pk}/"' in html
    # The name on the comment links to the page.
    thread = client.get(post.get_absolute_url()).content.decode()
    assert f'<a class="author" href="{person_url(name).replace("&", "&amp;")}">' in thread


@pytest.mark.parametrize("name", ["Allahpundit", "AC/DC", "Ünïcødé", ".."])
def test_any_byline_has_a_page(client, name):
    PostFactory(author=name, title="Theirs")
    PostFactory(author="Someone else", title="Not theirs")
    html = client.get(author_url(name)).content.decode()
    assert titles(html) == ["Theirs"]
    assert f'Posts by <span class="name">{text_of(name)}</span>' in html


def test_unknown_names_are_404(client):
    assert client.get(person_url("Nobody")).status_code == 404
    assert client.get(author_url("Nobody")).status_code == 404
    assert client.get("/people/?name=Nobody").status_code == 404


def test_a_person_page_shows_published_comments_newest_first_paginated(client, settings):
    settings.RESULTS_PER_PAGE = 2
    post = PostFactory()
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    written = [
        reply(post=post, author_name="Kafir", body=f"Comment {n}.", posted=base + dt.timedelta(n))
        for n in range(3)
    ]
    Comment.objects.filter(pk=written[1].pk).update(status=Status.SPAM)
    html = client.get(person_url("Kafir")).content.decode()
    assert re.findall(r"Comment \d\.", html) == ["Comment 2.", "Comment 0."]
    assert "2 comments under this name" in html
    settings.RESULTS_PER_PAGE = 1
    second = client.get(person_url("Kafir") + "?page=2").content.decode()
    assert re.findall(r"Comment \d\.", second) == ["Comment 0."]


def test_a_person_page_answers_in_bounded_queries(client, django_assert_max_num_queries):
    import_(ARCHIVES)
    for n in range(40):
        reply(post=Post.objects.first(), author_name="steveegg", body=f"Again {n}.")
    with django_assert_max_num_queries(2):  # count, page with its posts
        assert client.get(person_url("steveegg")).status_code == 200


def test_the_byline_links_to_the_author_page(client):
    import_(MAHDI)
    html = client.get(Post.objects.get().get_absolute_url()).content.decode()
    assert '<a href="/authors/Allahpundit/">Allahpundit</a>' in html


# Feeds, sitemap, robots ---------------------------------------------------


def test_post_feeds_carry_original_dates_and_permalinks(client):
    import_(ARCHIVES)
    rss = ElementTree.fromstring(client.get("/feeds/posts/").content)
    items = rss.findall("channel/item")
    newest = Post.objects.order_by("-published").first()
    assert len(items) == Post.objects.count()
    assert items[0].findtext("title") == newest.title
    assert items[0].findtext("link") == f"http://testserver{newest.get_absolute_url()}"
    assert items[0].findtext("pubDate") == "Sun, 21 Mar 2010 22:49:00 -0400"
    atom = ElementTree.fromstring(client.get("/feeds/posts/atom/").content)
    entry = atom.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}published") == "2010-03-21T22:49:00-04:00"
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Allahpundit"


def test_comment_feeds_site_wide_and_per_post(client, django_assert_max_num_queries):
    import_(ARCHIVES)
    Comment.objects.filter(author_name="Kafir").update(status=Status.SPAM)
    with django_assert_max_num_queries(2):  # the newest comments' stamps (its tag), then them
        rss = ElementTree.fromstring(client.get("/feeds/comments/").content)
    items = rss.findall("channel/item")
    newest = Comment.objects.published().order_by("-posted").first()
    assert items[0].findtext("link") == f"http://testserver/comments/{newest.pk}/"
    assert all("Kafir" not in item.findtext("title") for item in items)
    post = Post.objects.get(source_name__endswith=MAHDI.name)
    with django_assert_max_num_queries(3):  # the post's stamp (its tag), the post, its comments
        atom = ElementTree.fromstring(client.get(f"{post.get_absolute_url()}feed/atom/").content)
    entries = atom.findall(f"{ATOM}entry")
    assert len(entries) == 15
    assert entries[0].findtext(f"{ATOM}title") == "Purple Avenger on March 22, 2007 at 4:22 PM"
    assert entries[0].findtext(f"{ATOM}published") == "2007-03-22T16:22:00-04:00"
    body = entries[-1].findtext(f"{ATOM}summary")
    assert body.startswith("<p>If the story is true,")
    assert client.get(f"{post.get_absolute_url()}feed/").status_code == 200
    wrong_day = post.get_absolute_url().replace("/21/", "/22/")
    assert client.get(f"{wrong_day}feed/").status_code == 404


def test_feeds_escape_what_commenters_wrote(client):
    post = PostFactory(title="<b>Title</b>")
    reply(post=post, author_name="<script>x</script>", body="<img src=x onerror=alert(1)>")
    xml = client.get("/feeds/comments/").content.decode()
    ElementTree.fromstring(xml)  # well formed
    assert "<script>" not in xml
    assert "<img" not in xml
    assert "<b>Title" not in xml


def test_sitemap_lists_every_post_and_robots_points_to_it(client):
    import_(ARCHIVES)
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    sections = [loc.text for loc in index.iter(f"{ns}loc")]
    months = sorted({timezone.localtime(p.published).strftime("%Y-%m") for p in Post.objects.all()})
    # A section per month with posts, oldest first, after the site's own pages.
    assert sections == ["http://testserver/sitemap-pages.xml"] + [
        f"http://testserver/sitemap-posts-{month}.xml" for month in months
    ]
    urls = set()
    for section in sections[1:]:
        xml = client.get(section.removeprefix("http://testserver")).content
        urls |= {loc.text for loc in ElementTree.fromstring(xml).iter(f"{ns}loc")}
    assert urls == {f"http://testserver{p.get_absolute_url()}" for p in Post.objects.all()}
    assert client.get("/sitemap-posts-1999-01.xml").status_code == 404  # no posts then
    assert client.get("/sitemap-posts-2007-13.xml").status_code == 404
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    text = robots.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_the_kept_sitemap_index_changes_with_the_months(client):
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

    def sections():
        index = ElementTree.fromstring(client.get("/sitemap.xml").content)
        return [loc.text.rsplit("/", 1)[1] for loc in index.iter(f"{ns}loc")]

    PostFactory(published=dt.datetime(2007, 3, 2, 12, tzinfo=dt.UTC))
    assert sections() == ["sitemap-pages.xml", "sitemap-posts-2007-03.xml"]
    gone = PostFactory(published=dt.datetime(2007, 5, 2, 12, tzinfo=dt.UTC))
    assert sections() == [
        "sitemap-pages.xml", "sitemap-posts-2007-03.xml", "sitemap-posts-2007-05.xml"
    ]  # fmt: skip
    gone.delete()
    assert sections() == ["sitemap-pages.xml", "sitemap-posts-2007-03.xml"]


def test_a_sitemap_section_dates_each_post_and_says_when_it_last_changed(client):
    first = PostFactory(title="Older", published=dt.datetime(2007, 3, 2, 3, tzinfo=dt.UTC))
    newer = PostFactory(title="Newer", published=dt.datetime(2007, 3, 20, 12, tzinfo=dt.UTC))
    Post.objects.filter(pk=first.pk).update(updated_at=dt.datetime(2008, 1, 1, 2, tzinfo=dt.UTC))
    Post.objects.filter(pk=newer.pk).update(updated_at=dt.datetime(2007, 6, 1, tzinfo=dt.UTC))
    response = client.get("/sitemap-posts-2007-03.xml")
    assert response["Content-Type"] == "application/xml"
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    assert response["Last-Modified"] == "Tue, 01 Jan 2008 02:00:00 GMT"  # the newest lastmod
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = ElementTree.fromstring(response.content).findall(f"{ns}url")
    assert [url.find(f"{ns}loc").text for url in urls][0] == (
        f"http://testserver{first.get_absolute_url()}"
    )
    # In the site's zone: 02:00 UTC on January 1st is still December 31st in New York.
    assert urls[0].find(f"{ns}lastmod").text == "2007-12-31"
    pages = ElementTree.fromstring(client.get("/sitemap-pages.xml").content)
    assert [e.text for e in pages.iter(f"{ns}changefreq")] == ["daily"]
    assert client.get("/sitemap-posts-2007-03.xml?p=2").status_code == 404
    assert client.get("/sitemap-posts-2007-03.xml?p=two").status_code == 404


def test_author_and_sitemap_pages_answer_in_bounded_queries(client, django_assert_max_num_queries):
    for n in range(30):
        PostFactory(author="Allahpundit", title=f"Post {n}")
    month = timezone.localtime(Post.objects.first().published).strftime("%Y-%m")
    with django_assert_max_num_queries(3):  # the posts' stamp (its tag), the byline's months, page
        assert client.get(author_url("Allahpundit")).status_code == 200
    with django_assert_max_num_queries(3):  # the month's stamp (its tag), count, page
        response = client.get(f"/sitemap-posts-{month}.xml")
        assert response.status_code == 200
    with django_assert_max_num_queries(1):  # the stamp: a repeat writes nothing
        again = client.get(
            f"/sitemap-posts-{month}.xml", headers={"if-none-match": response["ETag"]}
        )
        assert (again.status_code, again.content) == (304, b"")
