"""The post page as a reader meets it: quotations, long threads cut into pages,
permalinks, times with their zone, provenance and folding subthreads."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, Status
from comments.quotes import POST, Source, find_quotes
from posts.models import Post
from tests.conftest import MAHDI
from tests.factories import PostFactory, reply
from tests.html import depths, text_of

pytestmark = pytest.mark.django_db

MAHDI_URL = "/2007/03/21/ap-mahdi-army-fractures-defectors-now-loyal-to-iran/"
EXIT = "Exit question: Why? Does he really think we’re going to arrest him?"


def import_(*paths, **options):
    call_command("import_archive", *map(str, paths), stdout=io.StringIO(), **options)


def comment(pk, name, body, minute):
    at = dt.datetime(2007, 3, 21, 20, minute, tzinfo=dt.UTC)
    return Comment(pk=pk, author_name=name, body=body, posted=at, number=pk)


# Quotations ---------------------------------------------------------------

POST_BODY = (
    "The vote was 244 to 188. Not one Republican voted for it. That is a first.\n\n"
    "Exit question: will it work?"
)


def test_a_paragraph_repeating_a_sentence_of_the_post_quotes_the_post():
    quotes = find_quotes(
        POST_BODY,
        [comment(1, "Ann", "“Not one Republican voted for it.”\n\nAnd rightly so, I say.", 1)],
    )
    assert quotes == {1: {0: POST}}


def test_a_run_of_whole_sentences_or_a_whole_paragraph_is_a_quotation():
    run = "Not one Republican voted   for it. That is a first."
    whole = "Exit question: will it work?\n\nNo."
    quotes = find_quotes(POST_BODY, [comment(1, "Ann", run, 1), comment(2, "Bob", whole, 2)])
    assert quotes == {1: {0: POST}, 2: {0: POST}}  # "No." stays Bob's own


def test_a_short_paragraph_does_not_hide_a_later_one_opening_with_the_same_words():
    bob = "No way. The vote was 244 to 188 tonight. Nobody saw it coming at all."
    quotes = find_quotes(POST_BODY, [
        comment(1, "Ann", "No way.", 1),
        comment(2, "Bob", bob, 2),
        comment(3, "Cy", "No way. The vote was 244 to 188 tonight.\n\nIndeed.", 3),
    ])  # fmt: skip
    assert quotes == {3: {0: Source(2, "Bob")}}


def test_part_of_a_sentence_or_a_short_line_is_not_a_quotation():
    comments = [
        comment(1, "Ann", "Republican voted for it. That is", 1),  # not whole sentences
        comment(2, "Bob", "That is a first.", 2),  # four words: chance, not quotation
    ]
    assert find_quotes(POST_BODY, comments) == {}


def test_an_earlier_comment_is_credited_by_name_and_a_double_post_is_not_a_quote():
    first = comment(7, "Zorro", "Does he really think we are going to arrest him at all?", 1)
    quoting = comment(8, "csdeven", "Does he really think we are going to arrest him at all?", 5)
    double = comment(9, "Zorro", "Does he really think we are going to arrest him at all?", 6)
    # Given in thread order, found in order of arrival.
    quotes = find_quotes(POST_BODY, [quoting, double, first])
    assert quotes == {8: {0: Source(7, "Zorro")}}


def test_quoted_paragraphs_show_as_block_quotes_naming_their_source(client):
    import_(MAHDI)
    zorro = Comment.objects.get(author_name="Zorro")
    csdeven = Comment.objects.get(author_name="csdeven")
    html = client.get(MAHDI_URL).content.decode()
    for quoting in (zorro, csdeven):  # both repeat the post's exit question
        card = re.search(rf'<li id="comment-{quoting.pk}".*?</article>', html, re.S).group()
        quote = re.search(r'<figure class="quote">(.*?)</figure>', card, re.S).group(1)
        assert text_of(quote) == f"{EXIT}quoting the post"
        assert '<figcaption>quoting <a href="#post">the post</a></figcaption>' in quote
    assert '<article class="post" id="post">' in html
    # A quote of a comment links to it by name.
    later = reply(post=zorro.post, author_name="Late", body=f"“{csdeven.body}”\n\nQuite.")
    html = client.get(MAHDI_URL).content.decode()
    card = re.search(rf'<li id="comment-{later.pk}".*?</article>', html, re.S).group()
    assert f'quoting <a href="#comment-{csdeven.pk}">csdeven</a>' in card


def test_a_hostile_quote_is_escaped(client):
    post = PostFactory(body="<script>alert(1)</script> is what they typed into the box.")
    reply(post=post, author_name="<b>X</b>", body="Earlier words, <i>five</i> or more of them.")
    reply(
        post=post,
        author_name="Q",
        body="<script>alert(1)</script> is what they typed into the box.\n\n"
        "Earlier words, <i>five</i> or more of them.",
    )
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<i>five" not in html
    assert "<b>X" not in html
    assert "quoting <a" in html
    assert "&lt;b&gt;X&lt;/b&gt;</a></figcaption>" in html


# Long threads --------------------------------------------------------------


def five_threads(settings):
    """Five top-level threads of 1 + 2 replies each, pages of 7 comments."""
    settings.COMMENTS_PER_PAGE = 7
    post = PostFactory()
    threads = []
    for n in range(5):
        top = reply(post=post, author_name=f"Top {n}", body=f"Thread {n}.")
        child = reply(top, author_name=f"Child {n}")
        grandchild = reply(child, author_name=f"Grandchild {n}")
        threads.append([top, child, grandchild])
    return post, threads


@pytest.fixture(params=["read whole", "by its index"])
def long_thread(request, settings, monkeypatch):
    """five_threads, paged as a short thread is, and as a long one is
    (comments/paging.py)."""
    if request.param == "by its index":
        monkeypatch.setattr("comments.paging.LONG_THREAD", 1)
    return five_threads(settings)


@pytest.fixture
def indexed(settings, monkeypatch):
    monkeypatch.setattr("comments.paging.LONG_THREAD", 1)
    return five_threads(settings)


def ids_on(html: str) -> list[int]:
    return list(depths(html))


def test_long_threads_are_cut_between_top_level_threads(client, long_thread):
    post, threads = long_thread
    url = post.get_absolute_url()
    pages = [ids_on(client.get(f"{url}?page={n}").content.decode()) for n in (1, 2, 3)]
    flat = [[c.pk for c in thread] for thread in threads]
    assert pages == [flat[0] + flat[1], flat[2] + flat[3], flat[4]]  # 6, 6, 3: never 7 split
    html = client.get(f"{url}?page=2").content.decode()
    assert "Comments 7–12 of 15 · page 2 of 3" in text_of(html)
    assert '<span aria-current="page">2</span>' in html
    assert client.get(f"{url}?page=4").status_code == 404
    assert client.get(f"{url}?page=0").status_code == 404
    assert client.get(f"{url}?page=x").status_code == 404


def test_a_thread_of_many_pages_links_its_ends_and_the_pages_near_the_one_shown(client, settings):
    settings.COMMENTS_PER_PAGE = 1
    post = PostFactory()
    for n in range(20):
        reply(post=post, author_name=f"Reader {n}")
    html = client.get(f"{post.get_absolute_url()}?page=10").content.decode()
    pager = html.split('<nav class="thread-pages"')[1].split("</nav>")[0]
    links = re.findall(r'<a href="\?page=(\d+)#comments"( rel="\w+")?', pager)
    assert [int(n) for n, _ in links] == [1, 2, 7, 8, 9, 11, 12, 13, 19, 20]
    assert dict(links)["9"] == ' rel="prev"'
    assert dict(links)["11"] == ' rel="next"'
    assert pager.count('<span class="gap">…</span>') == 2
    assert '<span aria-current="page">10</span>' in pager
    first = client.get(post.get_absolute_url()).content.decode()
    pager = first.split('<nav class="thread-pages"')[1].split("</nav>")[0]
    assert pager.count("…") == 1
    assert "?page=20#" in pager
    assert "?page=10#" not in pager


def test_a_thread_larger_than_a_page_is_kept_whole(client, long_thread, settings):
    settings.COMMENTS_PER_PAGE = 2
    post, threads = long_thread
    html = client.get(post.get_absolute_url()).content.decode()
    assert ids_on(html) == [c.pk for c in threads[0]]


def test_a_permalink_lands_on_the_page_that_shows_the_comment(client, long_thread):
    post, threads = long_thread
    grandchild = threads[3][2]
    response = client.get(grandchild.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}?page=2#comment-{grandchild.pk}"
    first = threads[0][0]
    assert client.get(first.get_absolute_url())["Location"] == (
        f"{post.get_absolute_url()}#comment-{first.pk}"
    )
    Comment.objects.filter(pk=grandchild.pk).update(status=Status.REMOVED)
    assert client.get(grandchild.get_absolute_url()).status_code == 404
    assert client.get("/comments/999999/").status_code == 404


def test_a_new_comment_on_a_later_page_redirects_there(client, long_thread, settings):
    settings.COMMENTS_MODERATION = "publish"
    settings.COMMENTS_MIN_SECONDS = 0
    post, _ = long_thread
    page = client.get(post.get_absolute_url())
    form = page.context["form"]
    data = {"body": "The newest word.", "name": "Latecomer", "email": ""}
    data.update({"stamp": form["stamp"].value(), "parent": ""})
    response = client.post(f"/comments/post/{post.pk}/", data)
    new = Comment.objects.get(body="The newest word.")
    assert response["Location"] == f"{post.get_absolute_url()}?page=3#comment-{new.pk}"


def test_quote_links_reach_the_source_on_another_page(client, long_thread):
    post, threads = long_thread
    source = threads[0][0]
    Comment.objects.filter(pk=source.pk).update(body="A paragraph of six words here.")
    quoting = reply(threads[4][0], body="A paragraph of six words here.\n\nAgreed.")
    html = client.get(f"{post.get_absolute_url()}?page=3").content.decode()
    assert quoting.pk in ids_on(html)
    assert f'href="?#comment-{source.pk}">Top 0</a>' in html


def test_thread_page_queries_do_not_grow_with_pages(
    client, long_thread, django_assert_max_num_queries
):
    post, _ = long_thread
    for n in (1, 3):
        with django_assert_max_num_queries(4):  # post, thread, previous and next posts
            client.get(f"{post.get_absolute_url()}?page={n}")


def test_a_long_threads_page_reads_only_its_own_comments(client, indexed):
    post, threads = indexed
    url = f"{post.get_absolute_url()}?page=2"
    client.get(post.get_absolute_url())  # the first reader reads the whole thread, once
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert ids_on(html) == [c.pk for c in threads[2] + threads[3]]
    (thread_query,) = [q["sql"] for q in queries if "comments_comment" in q["sql"]]
    assert '"comments_comment"."path" >= ' in thread_query
    assert '"comments_comment"."path" < ' in thread_query
    with CaptureQueriesContext(connection) as queries:  # the page is written now
        assert ids_on(client.get(url).content.decode()) == ids_on(html)
    assert not [q["sql"] for q in queries if "comments_comment" in q["sql"]]
    grandchild = threads[3][2]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(grandchild.get_absolute_url())
    assert response["Location"] == f"{post.get_absolute_url()}?page=2#comment-{grandchild.pk}"
    assert len(queries) == 1  # the comment, with its thread's version


def test_a_long_thread_changes_the_moment_its_comments_do(client, indexed):
    post, threads = indexed
    url = post.get_absolute_url()
    client.get(url), client.get(f"{url}?page=3")  # cached
    # Edited to quote a comment on page 1: shown as a quotation at once.
    quoting = threads[4][1]
    source = threads[0][0]
    Comment.objects.filter(pk=source.pk).update(body="A paragraph of six words here.")
    Comment.objects.filter(pk=quoting.pk).update(body="A paragraph of six words here.\n\nYes.")
    html = client.get(f"{url}?page=3").content.decode()
    assert f'href="?#comment-{source.pk}">Top 0</a>' in html
    # Removed by a moderator: gone from its page and from the count.
    removed = threads[4][2]
    Comment.objects.filter(pk=removed.pk).update(status=Status.REMOVED)
    html = client.get(f"{url}?page=3").content.decode()
    assert removed.pk not in ids_on(html)
    assert "Comments 13–14 of 14 · page 3 of 3" in text_of(html)
    # A new top-level comment opens on the last page.
    new = reply(post=post, author_name="Latecomer", body="Hello.")
    assert new.pk in ids_on(client.get(f"{url}?page=3").content.decode())


def test_a_long_thread_shows_a_reader_their_held_comment_and_staff_everything(
    client, indexed, django_user_model
):
    post, threads = indexed
    url = post.get_absolute_url()
    client.get(url)
    session = client.session
    held = reply(threads[4][0], author_name="Me", status=Status.PENDING)
    session["comments.own"] = [held.pk]
    session.save()
    assert held.pk in ids_on(client.get(f"{url}?page=3").content.decode())
    assert client.get(held.get_absolute_url())["Location"].endswith(f"?page=3#comment-{held.pk}")
    other = Client()
    assert held.pk not in ids_on(other.get(f"{url}?page=3").content.decode())
    assert other.get(held.get_absolute_url()).status_code == 404
    staff = django_user_model.objects.create_superuser("mod", password="x")
    other.force_login(staff)
    assert held.pk in ids_on(other.get(f"{url}?page=3").content.decode())


# Times, provenance, folding ------------------------------------------------


def test_times_read_as_captured_with_offset_and_zone(client):
    import_(MAHDI, timezone="America/Chicago")
    post = Post.objects.get()
    assert post.time_zone == "America/Chicago"
    html = client.get(post.get_absolute_url()).content.decode()
    # Read in Chicago: 7:33 PM there is 20:33 in New York, the site's zone.
    assert (
        '<time datetime="2007-03-21T19:33:00-05:00" title="America/Chicago (CDT, UTC−05:00)">'
        "March 21, 2007 at 7:33 PM</time>" in html
    )
    assert '<time datetime="2007-03-21T19:27:00-05:00"' in html  # the byline


def test_site_comments_are_timed_in_the_site_zone(client):
    post = PostFactory()
    at = dt.datetime(2026, 1, 15, 17, 5, tzinfo=dt.UTC)
    reply(post=post, posted=at)
    html = client.get(post.get_absolute_url()).content.decode()
    assert (
        '<time datetime="2026-01-15T12:05:00-05:00" title="America/New_York (EST, UTC−05:00)">'
        "January 15, 2026 at 12:05 PM</time>" in html
    )


def test_an_imported_post_says_where_it_came_from_and_where_the_archive_ends(client):
    import_(MAHDI)
    post = Post.objects.get()
    first = Comment.objects.order_by("path").first()
    answer = reply(first, author_name="Today", body="Answering from the future.")
    new_top = reply(post=post, author_name="Newcomer", body="Still relevant.")
    html = client.get(MAHDI_URL).content.decode()
    provenance = text_of(re.search(r'<p class="provenance">(.*?)</p>', html, re.S).group(1))
    assert provenance.startswith(f"Archived from the capture {MAHDI.name}, imported ")
    assert "in America/New_York" in provenance
    assert "15 from the archive, 2 written here since." in html
    # The marker comes after the last archived thread, before the first new one.
    marker = html.index('class="archive-end"')
    where = {pk: html.index(f'id="comment-{pk}"') for pk in (answer.pk, new_top.pk)}
    assert where[answer.pk] < marker < where[new_top.pk]
    assert html.count('class="archive-end"') == 1
    assert 'class="comment live"' in html
    assert "· written here" in html


def test_a_site_post_has_no_provenance_and_no_marker(client):
    post = PostFactory()
    reply(post=post)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "provenance" not in html
    assert "archive-end" not in html
    assert "written here" not in html


def test_replies_fold_in_details_open_by_default(client):
    post = PostFactory()
    top = reply(post=post, author_name="Top")
    child = reply(top, author_name="Child")
    reply(child, author_name="Grandchild")
    html = client.get(post.get_absolute_url()).content.decode()
    assert html.count('<details class="replies" open><summary>') == 2
    assert "<summary>2 replies</summary>" in html
    assert "<summary>1 reply</summary>" in html


def test_previous_and_next_posts_are_linked(client):
    older, middle, newer = (
        PostFactory(title=t, published=dt.datetime(2007, 3, d, 12, tzinfo=dt.UTC))
        for t, d in (("Older", 1), ("Middle", 2), ("Newer", 3))
    )
    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'<a rel="prev" href="{older.get_absolute_url()}">' in html
    assert f'<a rel="next" href="{newer.get_absolute_url()}">' in html
    html = client.get(newer.get_absolute_url()).content.decode()
    assert 'rel="next"' not in html.split('aria-label="Neighbouring posts"')[1].split("</nav>")[0]


def test_posts_of_the_same_minute_are_neighbours_in_the_sites_order(client):
    at = dt.datetime(2007, 3, 21, 12, tzinfo=dt.UTC)
    before = PostFactory(published=at - dt.timedelta(minutes=1))
    first, second, third = (PostFactory(title=t, published=at) for t in ("C", "B", "A"))
    after = PostFactory(published=at + dt.timedelta(minutes=1))
    order = [before, first, second, third, after]  # by time, then as they came
    for older, post, newer in zip(order, order[1:], order[2:], strict=False):
        html = client.get(post.get_absolute_url()).content.decode()
        assert f'<a rel="prev" href="{older.get_absolute_url()}">' in html
        assert f'<a rel="next" href="{newer.get_absolute_url()}">' in html


def test_a_posts_neighbours_are_one_step_along_an_index_however_many_posts():
    """Found by a condition on post_timeline, never by filtering every post
    newer (or older) than this one: with 100,000 posts that scan took 28 ms."""
    post = PostFactory()
    with connection.cursor() as cursor:
        # The query of the database function post_page_state, as installed.
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'post_page_state'")
        (source,) = cursor.fetchone()
        query = source.split("RETURN QUERY", 1)[1].rsplit(";", 1)[0]
        # As on a large table, whatever statistics the tests before left.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {query.replace('wanted_slug', '%s')}", [post.slug])
        plan = cursor.fetchone()[0][0]["Plan"]

    def scans(node):  # every node of the plan, depth first
        yield node
        for child in node.get("Plans", []):
            yield from scans(child)

    # The neighbour scans (aliases o and n); how the post itself is found by
    # its slug is up to the planner and the statistics of the moment.
    neighbours = {node["Alias"]: node for node in scans(plan) if node.get("Alias") in ("o", "n")}
    assert {alias: node.get("Index Name") for alias, node in neighbours.items()} == {
        "o": "post_timeline", "n": "post_timeline",
    }  # fmt: skip
    assert neighbours["o"].get("Index Cond") == "(ROW(published, id) < ROW(p.published, p.id))"
    assert neighbours["n"].get("Index Cond") == "(ROW(published, id) > ROW(p.published, p.id))"
    assert [node.get("Filter") for node in neighbours.values()] == [None, None]


def test_remembered_quotes_follow_every_edit(client):
    # Quotations are cached under the thread's version: any change is a new key.
    post = PostFactory()
    source = reply(post=post, author_name="Ann", body="Six words make a proper quotation.")
    reply(post=post, author_name="Bob", body="Six words make a proper quotation.\n\nYes.")
    assert "quoting <a" in client.get(post.get_absolute_url()).content.decode()
    assert "quoting <a" in client.get(post.get_absolute_url()).content.decode()  # remembered
    Comment.objects.filter(pk=source.pk).update(body="Changed by a moderator.")
    assert "quoting <a" not in client.get(post.get_absolute_url()).content.decode()


# The page readers share ------------------------------------------------------


def thread_queries(client, url) -> tuple[str, list[str]]:
    """The page, and the SQL of what it read of the comments."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    return html, [q["sql"] for q in queries if "comments_comment" in q["sql"]]


def test_readers_who_see_a_thread_alike_share_one_writing_of_it():
    post = PostFactory()
    first = reply(post=post, author_name="Ann", body="First <b>words</b>.")
    reply(first, author_name="Bob", body="An answer.")
    url = post.get_absolute_url()
    html, read = thread_queries(Client(), url)
    assert read  # the first reader's page is written from the thread's rows
    again, read = thread_queries(Client(), url)
    assert read == []  # the next reader's comes from the cache, without a query
    assert ids_on(again) == ids_on(html) == [first.pk, first.pk + 1]
    assert "First &lt;b&gt;words&lt;/b&gt;." in again
    assert text_of(again).count("2 comments") == 1


def test_the_shared_page_changes_the_moment_a_comment_or_the_post_does():
    post = PostFactory(body="The vote was close, and it was late in the night.")
    first = reply(post=post, author_name="Ann", body="A first word.")
    url = post.get_absolute_url()
    reader = Client()

    def page():
        html = reader.get(url).content.decode()
        assert ids_on(html) == ids_on(reader.get(url).content.decode())  # cached alike
        return html

    page()
    second = reply(post=post, author_name="Bob", body="A second word.")
    assert ids_on(page()) == [first.pk, second.pk]
    Comment.objects.filter(pk=second.pk).update(body="Bob, edited.")
    assert "Bob, edited." in page()
    Comment.objects.filter(pk=first.pk).update(author_name="Ann Other")
    assert "Ann Other" in page()
    Comment.objects.filter(pk=second.pk).update(status=Status.REMOVED)
    html = page()
    assert ids_on(html) == [first.pk]
    assert "1 comment" in text_of(html)
    # The post's text is quoted too: an edit to it is seen at once.
    Comment.objects.filter(pk=first.pk).update(body="Not one Republican voted for it at all.")
    assert "<blockquote" not in page()
    post.body += "\n\nNot one Republican voted for it at all."
    post.save()
    assert "<blockquote" in page()


def test_a_reader_whose_comment_is_in_the_thread_and_a_moderator_get_pages_of_their_own(
    django_user_model,
):
    post = PostFactory()
    published = reply(post=post, author_name="Ann", body="Published.")
    held = reply(post=post, author_name="Me", body="Mine, held.", status=Status.PENDING)
    url = post.get_absolute_url()
    anonymous = Client()
    assert ids_on(anonymous.get(url).content.decode()) == [published.pk]  # now cached
    author = Client()
    session = author.session
    session["comments.own"] = [held.pk]
    session.save()
    html = author.get(url).content.decode()
    assert ids_on(html) == [published.pk, held.pk]
    assert "Your comment is awaiting moderation." in text_of(html)
    moderator = Client()
    moderator.force_login(django_user_model.objects.create_superuser("mod", password="x"))
    html = moderator.get(url).content.decode()
    assert ids_on(html) == [published.pk, held.pk]
    assert "/moderate/" in html
    # Neither page was kept for the others.
    html = anonymous.get(url).content.decode()
    assert ids_on(html) == [published.pk]
    assert "/moderate/" not in html
    assert ids_on(Client().get(url).content.decode()) == [published.pk]


def test_a_reader_whose_comments_are_elsewhere_shares_the_page(client):
    post, elsewhere = PostFactory(), PostFactory()
    published = reply(post=post, author_name="Ann", body="Published.")
    mine = reply(post=elsewhere, author_name="Me", body="Mine, elsewhere.")
    Client().get(post.get_absolute_url())  # written and kept
    session = client.session
    session["comments.own"] = [mine.pk]
    session.save()
    html, read = thread_queries(client, post.get_absolute_url())
    assert ids_on(html) == [published.pk]
    (asked,) = read  # only whether one of theirs is in this thread
    assert "EXISTS" in asked.upper() or "LIMIT 1" in asked.upper()


def test_the_shared_page_follows_the_sites_time_zone(settings):
    post = PostFactory()
    reply(post=post, posted=dt.datetime(2026, 1, 15, 17, 5, tzinfo=dt.UTC))
    url = post.get_absolute_url()
    assert '<time datetime="2026-01-15T12:05:00-05:00"' in Client().get(url).content.decode()
    settings.TIME_ZONE = "Europe/London"  # a deployment's setting, changed: a new release
    assert '<time datetime="2026-01-15T17:05:00+00:00"' in Client().get(url).content.decode()
