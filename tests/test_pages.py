"""The reader's pages, rendered for real from imported captures."""

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command

from comments.models import Comment, Status
from posts.models import Post
from tests.conftest import ARCHIVES, MAHDI, SAMPLE_COMMENTS, SAMPLE_FILES, SAMPLE_POSTS
from tests.factories import PostFactory, reply
from tests.html import classes_of, depths, text_of

pytestmark = pytest.mark.django_db

MAHDI_URL = "/2007/03/21/ap-mahdi-army-fractures-defectors-now-loyal-to-iran/"


def import_(*paths):
    call_command("import_archive", *map(str, paths), stdout=io.StringIO())


def signatures(html: str) -> list[str]:
    return [
        " ".join(text_of(s).split())
        for s in re.findall(r'<p class="signature">(.*?)</p>', html, re.S)
    ]


def test_post_page_shows_byline_body_and_every_comment_in_order(client):
    import_(MAHDI)
    response = client.get(MAHDI_URL)
    assert response.status_code == 200
    html = response.content.decode()
    expected = json.loads((ARCHIVES / "expected" / f"{MAHDI.stem}.jsonl").read_text())

    assert "<h1>AP: Mahdi Army fractures, defectors now loyal to Iran</h1>" in html
    byline = re.search(r'<p class="byline">(.*?)</p>', html, re.S).group(1)
    assert text_of(byline) == "posted at 7:27 pm on March 21, 2007 by Allahpundit"
    assert 'datetime="2007-03-21T19:27:00-04:00"' in byline
    for paragraph in expected["body"]:
        assert text_of(html).count(paragraph) >= 1

    assert signatures(html) == [
        "NEMETI IN SYRACUSE on March 21, 2007 at 7:33 PM",
        "steveegg on March 21, 2007 at 7:51 PM",
        "SailorDave on March 21, 2007 at 8:14 PM",
        "TexasDan on March 21, 2007 at 8:18 PM",
        "JayHaw Phrenzie on March 21, 2007 at 8:30 PM",
        "LakeRuins on March 21, 2007 at 8:37 PM",
        "Zorro on March 21, 2007 at 9:00 PM",
        "Romeo13 on March 21, 2007 at 9:11 PM",
        "Buck Turgidson on March 21, 2007 at 9:18 PM",
        "sharinlite on March 21, 2007 at 9:19 PM",
        "Phil Byler on March 21, 2007 at 9:44 PM",
        "Defector01 on March 21, 2007 at 10:19 PM",
        "csdeven on March 21, 2007 at 10:19 PM",
        "PinkyBigglesworth on March 21, 2007 at 11:26 PM",
        "Purple Avenger on March 22, 2007 at 4:22 PM",
    ]
    # Each comment's words, in order, under its own anchor.
    bodies = re.findall(r'<div class="comment-body">(.*?)</div>', html, re.S)
    for rendered, comment in zip(bodies, expected["comments"], strict=True):
        paragraphs = [text_of(p) for p in re.findall(r"<p>(.*?)</p>", rendered, re.S)]
        assert paragraphs == comment["body"]
    for comment in Comment.objects.all():
        assert f'id="comment-{comment.pk}"' in html
    assert '<h2 id="comments-heading">15 comments</h2>' in html


def test_line_breaks_inside_paragraphs_are_kept(client):
    import_(ARCHIVES / "2008-06-26-heller-second-amendment.txt")
    html = client.get("/2008/06/26/supreme-court-the-second-amendment-means-what-it-says/").content
    assert (
        b"<p>Things the Court said today:<br>It is an individual right.<br>It is not unlimited.<br>"
        in html
    )


def test_everything_an_archive_wrote_is_escaped(client, capture_file):
    hostile = (
        '<script>alert("title")</script>\n\nposted at 1:00 pm on May 1, 2008 by <b>Mallory</b>\n\n'
        "<img src=x onerror=alert(1)>\n\nTrackback URL\n\n"
        '<a href="javascript:alert(1)">click</a>\n\n<i>Eve</i> on May 1, 2008 at 1:05 PM\n'
    )
    import_(capture_file(hostile))
    post = Post.objects.get()
    html = client.get(post.get_absolute_url()).content.decode()
    for raw in ("<script>", "<b>Mallory", "<img", '<a href="javascript', "<i>Eve"):
        assert raw not in html
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in html
    assert "&lt;i&gt;Eve&lt;/i&gt;</a> on" in html


def test_replies_nest_under_their_parent_in_thread_order(client):
    import_(MAHDI)
    first, second = Comment.objects.order_by("path")[:2]
    child = reply(first, author_name="Child", body="Reply to the first.")
    grandchild = reply(child, author_name="Grandchild", body="Deeper.")
    late_top = reply(post=first.post, author_name="Latecomer", body="On the post.")
    html = client.get(MAHDI_URL).content.decode()
    ids = [int(i) for i in re.findall(r'<li id="comment-(\d+)"', html)]
    assert ids[:4] == [first.pk, child.pk, grandchild.pk, second.pk]
    assert ids[-1] == late_top.pk
    nesting = depths(html)
    assert (nesting[first.pk], nesting[child.pk], nesting[grandchild.pk]) == (0, 1, 2)
    assert nesting[second.pk] == 0


def test_deep_replies_are_shown_at_the_deepest_indent(client):
    post = PostFactory()
    parent = reply(post=post, author_name="Root")
    for level in range(1, 9):
        parent = reply(parent, author_name=f"Level {level}")
    html = client.get(post.get_absolute_url()).content.decode()
    assert depths(html)[parent.pk] == 6


def test_hidden_comments_vanish_and_leave_a_placeholder_only_above_visible_replies(client):
    import_(MAHDI)
    first, second = Comment.objects.order_by("path")[:2]
    reply(first, author_name="Answer", body="Still readable.")
    Comment.objects.filter(pk__in=[first.pk, second.pk]).update(status=Status.REMOVED)
    html = client.get(MAHDI_URL).content.decode()
    assert "NEMETI IN SYRACUSE" not in html  # removed, but its reply keeps a placeholder
    assert classes_of(html, first.pk) == "comment placeholder"
    assert depths(html)[first.pk] == 0
    assert "This comment was removed." in html
    assert "steveegg" not in html
    assert f'id="comment-{second.pk}"' not in html
    assert "Still readable." in html
    assert "14 comments" in html


def test_post_page_query_count_does_not_grow_with_comments(client, django_assert_max_num_queries):
    import_(MAHDI)
    parent = Comment.objects.order_by("path").first()
    for n in range(30):
        parent = reply(parent, author_name=f"Reader {n}")
    with django_assert_max_num_queries(4):  # post, thread, previous and next posts
        response = client.get(MAHDI_URL)
    assert len(signatures(response.content.decode())) == 45


def test_home_lists_newest_first_with_counts_and_excerpts(client, django_assert_max_num_queries):
    import_(ARCHIVES)
    with django_assert_max_num_queries(4):  # the page's posts, their count, what the archive holds
        response = client.get("/")
    html = response.content.decode()
    intro = " ".join(
        text_of(
            re.search(r"<section class=.introduction.*?</section>", html, re.S).group(0)
        ).split()
    )
    assert intro.strip().startswith("Afterword ")
    assert (
        f"It holds {SAMPLE_POSTS} posts from May 2006 to March 2010, with {SAMPLE_COMMENTS} "
        f"comments, from {SAMPLE_FILES} captured pages. Browse them by month."
    ) in intro
    titles = [text_of(t) for t in re.findall(r"<h2><a [^>]*>(.*?)</a></h2>", html)]
    assert titles == list(Post.objects.order_by("-published").values_list("title", flat=True))
    assert titles[0] == "House passes the health care bill, 219-212"  # two comment pages
    assert ">5 comments<" in html  # one thread from both of its pages
    assert ">3 comments<" in html  # the stimulus post
    assert ">0 comments<" in html  # the oath post
    assert "posted at 7:02 pm on January 28, 2009 by Ed Morrissey" in text_of(html)
    assert "The House passed the stimulus bill tonight, 244-188." in html


def test_home_shows_a_new_comment_at_once(client):
    # No whole-page cache: a repeat is answered 304 (test_conditional_get.py),
    # and a change shows on the next request.
    import_(MAHDI)
    before = client.get("/").content.decode()
    post = Post.objects.get()
    count = post.comment_count
    assert f">{count} comments<" in before
    reply(post=post, author_name="Newcomer")
    assert f">{count + 1} comments<" in client.get("/").content.decode()


def test_home_counts_only_published_comments(client):
    import_(ARCHIVES / "2009-01-28-stimulus-house-vote.txt")
    Comment.objects.filter(author_name="Kafir").update(status=Status.SPAM)
    assert ">2 comments<" in client.get("/").content.decode()


def test_home_is_paginated(client, settings):
    PostFactory.create_batch(25)
    first = client.get("/").content.decode()
    assert first.count('class="post-summary"') == 20
    assert 'href="?page=2"' in first
    second = client.get("/?page=2").content.decode()
    assert second.count('class="post-summary"') == 5
    past_the_end = client.get("/?page=3")  # the list is shorter than a link said
    assert (past_the_end.status_code, past_the_end["Location"]) == (302, "/?page=2")
    assert client.get("/?page=abc").status_code == 404


def test_home_with_no_posts_explains_how_to_import(client):
    assert "import_archive" in client.get("/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/2007/03/22/ap-mahdi-army-fractures-defectors-now-loyal-to-iran/",  # wrong day
        "/2007/03/21/no-such-post/",
        "/2007/02/30/ap-mahdi-army-fractures-defectors-now-loyal-to-iran/",
        "/0000/00/00/x/",
        "/9999/99/99/x/",
        "/2007/3/21/ap-mahdi-army-fractures-defectors-now-loyal-to-iran/",
        "/2007/03/21/%00/",
        "/2007/03/21/../",
        "/does/not/exist/",
        "/2006/",
        "/2007/04/",
        "/2007/03/20/",
    ],
)
def test_unknown_urls_are_404(client, url):
    import_(MAHDI)
    assert client.get(url).status_code == 404


def test_permalink_date_is_the_publication_date_in_the_site_time_zone(client):
    late = PostFactory(
        title="After midnight UTC", published=dt.datetime(2007, 3, 22, 2, 30, tzinfo=dt.UTC)
    )
    assert late.get_absolute_url() == "/2007/03/21/after-midnight-utc/"
    assert client.get(late.get_absolute_url()).status_code == 200


def test_pages_are_compressed_with_a_random_length_against_breach(client):
    import gzip

    import_(MAHDI)
    plain = client.get(MAHDI_URL)
    assert "Content-Encoding" not in plain
    squeezed = client.get(MAHDI_URL, headers={"accept-encoding": "gzip"})
    assert squeezed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in squeezed["Vary"]
    html = gzip.decompress(squeezed.content)
    assert b"NEMETI IN SYRACUSE" in html
    assert len(squeezed.content) < len(plain.content) / 3
    # Django pads each response by a random length (Heal The BREACH): the same
    # page twice differs in size now and then.
    sizes = {len(client.get(MAHDI_URL, headers={"accept-encoding": "gzip"}).content)
             for _ in range(20)}  # fmt: skip
    assert len(sizes) > 1
