"""Sites' exports, WordPress (WXR) and Disqus, end to end: the real command on
real files into PostgreSQL, and the pages readers then see."""

import json
import shutil
from pathlib import Path

import pytest

from comments.models import Comment, Status
from importers.html import Sanitiser, paragraphs
from posts.models import Mention, Post
from tests.conftest import ARCHIVES
from tests.test_import_command import run

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WXR = EXAMPLES / "exports" / "millrace-wordpress.xml"
DISQUS = EXAMPLES / "exports" / "millrace-disqus.xml"
CAPTURES = EXAMPLES / "archives"


HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/{v}/">
<channel><title>Test</title><link>https://test.example</link>
<wp:base_site_url>https://test.example</wp:base_site_url>
"""


def item(
    post_id=1, title="A post", *, status="publish", kind="post", password="",
    date="2010-06-01 12:00:00", gmt="2010-06-01 16:00:00", body="Text.", comments="",
):  # fmt: skip
    return f"""<item><title>{title}</title><link>https://test.example/p/{post_id}/</link>
<dc:creator>Ann Author</dc:creator><content:encoded><![CDATA[{body}]]></content:encoded>
<wp:post_id>{post_id}</wp:post_id><wp:post_date>{date}</wp:post_date>
<wp:post_date_gmt>{gmt}</wp:post_date_gmt><wp:post_name>post-{post_id}</wp:post_name>
<wp:status>{status}</wp:status><wp:post_type>{kind}</wp:post_type>
<wp:post_password>{password}</wp:post_password>{comments}</item>
"""


def comment(comment_id, *, author="Reader", approved="1", parent=0, body="Hello.",
            date="2010-06-01 13:00:00", gmt="2010-06-01 17:00:00", kind="comment"):  # fmt: skip
    return f"""<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>
<wp:comment_author><![CDATA[{author}]]></wp:comment_author>
<wp:comment_author_email>r{comment_id}@example.org</wp:comment_author_email>
<wp:comment_author_url>https://r{comment_id}.example</wp:comment_author_url>
<wp:comment_author_IP>192.0.2.{comment_id % 250}</wp:comment_author_IP>
<wp:comment_date>{date}</wp:comment_date><wp:comment_date_gmt>{gmt}</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{body}]]></wp:comment_content>
<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type>
<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>
"""


def wxr(tmp_path, *items, version="1.2", name="export.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD.format(v=version) + "".join(items) + "</channel></rss>\n")
    return path


# WordPress --------------------------------------------------------------------


def test_the_example_export_imports_with_its_threads_statuses_and_mentions():
    out, err, error = run(WXR)
    assert error is None, err
    assert err == ""
    assert "2 posts (2 new), 10 comments added" in out
    assert "left out: attachments: 1, draft posts: 1, pages: 1, password-protected posts: 1" in out
    design = Post.objects.get(title="Footbridge design: three options on the table")
    assert design.body_format == "html"
    assert design.categories == ["Council"]
    assert design.tags == ["footbridge", "Millrace"]
    assert design.slug == "footbridge-design-three-options"
    assert design.published_text == "9:15 pm on March 20, 2008"
    assert design.published.isoformat() == "2008-03-21T01:15:00+00:00"
    by_id = {c.source_key.rsplit(":", 1)[1]: c for c in Comment.objects.filter(post=design)}
    assert {k: c.status for k, c in by_id.items()} == {
        "201": Status.PUBLISHED, "202": Status.PUBLISHED, "203": Status.PUBLISHED,
        "204": Status.PUBLISHED, "205": Status.PENDING, "206": Status.SPAM,
        "207": Status.REMOVED,
    }  # fmt: skip
    assert by_id["202"].parent == by_id["201"]
    assert by_id["203"].parent == by_id["202"]
    assert by_id["201"].email == "walt@millrace.example"
    assert by_id["201"].website == "http://walts-workshop.example"
    assert by_id["201"].ip_address == "192.0.2.17"
    assert by_id["201"].posted_text == "March 20, 2008 at 9:40 PM"
    assert (
        by_id["201"].body
        == "Timber. It is a plank and two railings.\n\nI will say it again in May."
    )
    [ping] = Mention.objects.filter(post=design)
    assert (ping.kind, ping.url) == (
        "pingback",
        "https://courier.example/2008/03/21/millrace-bridges/",
    )
    assert design.mention_count == 1
    left_out = ["Notes for the bridge committee", "About the Ledger",
                "Draft: what the bridge will cost"]  # fmt: skip
    assert not Post.objects.filter(title__in=left_out).exists()
    assert not Comment.objects.filter(body__contains="555-0142").exists()


def test_the_post_page_shows_the_html_a_reader_needs_and_nothing_hostile(client):
    run(WXR)
    design = Post.objects.get(slug="footbridge-design-three-options")
    page = client.get(design.get_absolute_url()).content.decode()
    assert "<strong>three designs</strong>" in page
    assert "<li>A timber span, the cheapest;</li>" in page
    link = 'rel="nofollow ugc noopener"'
    assert f'<a href="https://millrace.example/files/footbridge-report.pdf" {link}>' in page
    image = "[image: The three designs, side by side]"
    assert f'<a href="https://millrace.example/files/options.jpg" {link}>{image}</a>' in page
    for hostile in ("<script>document.location", "onerror", "onclick", "javascript:", "<iframe",
                    "position:fixed", "onmouseover=\""):  # fmt: skip
        assert hostile not in page
    # A name is text: its markup is shown, escaped, never run.
    assert "&lt;b onmouseover=" in page
    assert "<b onmouseover" not in page
    assert "Filed under Council · Tagged footbridge, Millrace" in page
    assert "Imported from a WordPress export (<code>millrace-wordpress.xml</code>)" in page
    assert "Mentions" in page
    assert "County Courier » Millrace weighs three bridges" in page
    # Held, spam and removed comments are not shown; a reply is nested under its comment.
    assert "Held for moderation" not in page
    assert "cheap watches" not in page
    assert "regretted" not in page
    assert "<em>rots</em>" in page


def test_a_re_import_changes_nothing_and_undoes_no_moderation():
    run(WXR)
    approved = Comment.objects.get(source_key__endswith=":comment:205")
    approved.status = Status.PUBLISHED  # a moderator approves the held one
    approved.save()
    removed = Comment.objects.get(source_key__endswith=":comment:201")
    removed.status = Status.REMOVED  # and removes another
    removed.save()
    count = Comment.objects.count()
    out, err, error = run(WXR)
    assert error is None
    assert "0 posts" not in out
    assert "2 posts (0 new), 0 comments added" in out
    assert "Files: 0 imported, 1 unchanged" in out
    assert Comment.objects.count() == count
    approved.refresh_from_db()
    removed.refresh_from_db()
    assert (approved.status, removed.status) == (Status.PUBLISHED, Status.REMOVED)


def test_a_later_export_adds_what_is_new_and_takes_edited_text(tmp_path):
    run(wxr(tmp_path, item(comments=comment(1) + comment(2, body="First words."))))
    moderated = Comment.objects.get(source_key__endswith=":comment:1")
    moderated.status = Status.SPAM
    moderated.save()
    later = wxr(tmp_path, item(title="A post, retitled", body="New <em>text</em>.",
                               comments=comment(1, approved="1") + comment(2, body="Edited words.")
                               + comment(3, parent=2, date="2010-06-02 09:00:00",
                                         gmt="2010-06-02 13:00:00")),
                name="later.xml")  # fmt: skip
    out, _, error = run(later)
    assert error is None
    post = Post.objects.get()
    assert post.title == "A post, retitled"
    assert post.body_html == "<p>New <em>text</em>.</p>"
    assert Comment.objects.get(source_key__endswith=":comment:2").body == "Edited words."
    assert Comment.objects.get(source_key__endswith=":comment:1").status == Status.SPAM
    third = Comment.objects.get(source_key__endswith=":comment:3")
    assert third.parent.source_key.endswith(":comment:2")
    assert Comment.objects.count() == 3


def test_a_capture_and_the_export_of_the_same_post_merge_either_way_round(tmp_path):
    run(CAPTURES)
    before = Comment.objects.filter(post__slug="council-delays-the-footbridge-vote-again").count()
    out, _, error = run(WXR)
    assert error is None
    post = Post.objects.get(title="Council delays the footbridge vote, again")
    comments = {c.number: c for c in Comment.objects.filter(post=post)}
    assert len(comments) == before + 1  # Marguerite's reply only: the others were captured
    walt, priya = comments[1], comments[2]
    assert walt.source_key.endswith(":comment:301")
    assert priya.parent == walt  # the export knows whom it answers; the capture was flat
    assert post.source_name
    assert post.export_name
    # The other way round: the export first, then a capture of the same post.
    Post.objects.all().delete()
    run(WXR)
    out, _, error = run(CAPTURES)
    assert error is None
    post = Post.objects.get(title="Council delays the footbridge vote, again")
    names = list(Comment.objects.filter(post=post).order_by("path")
                 .values_list("author_name", flat=True))  # fmt: skip
    assert names.count("Walt on the Millrace") == 2  # 9:02 and 9:17, each once
    assert len(names) == before + 1


def test_pages_and_pings_as_asked(tmp_path):
    export = wxr(tmp_path, item(1, "A page", kind="page"),
                 item(2, comments=comment(5, kind="pingback", author="Elsewhere")
                      + comment(6, kind="trackback", author="Another")))  # fmt: skip
    out, _, _ = run(export, "--pages", "--no-pings")
    assert Post.objects.filter(title="A page").exists()
    assert not Mention.objects.exists()
    assert "pings (--no-pings): 2" in out


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_every_wxr_version_reads_and_an_empty_gmt_date_is_read_in_the_zone(tmp_path, version):
    export = wxr(tmp_path, item(gmt="0000-00-00 00:00:00", date="2007-03-21 19:27:00"),
                 version=version)  # fmt: skip
    _, err, error = run(export, "--timezone", "America/New_York")
    assert error is None, err
    post = Post.objects.get()
    assert post.published.isoformat() == "2007-03-21T23:27:00+00:00"  # EDT, UTC-4
    assert post.published_text == "7:27 pm on March 21, 2007"


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("broken", "at", "message"),
    [
        (item(2, comments="<wp:comment><wp:comment_id>9</wp:comment_id>"), "<wp:comment_id>9<",
         "not well-formed XML: Opening and ending tag mismatch"),
        (item(2, date="2010-13-45 99:00:00", gmt=""), "2010-13-45",
         "post_date does not exist: 2010-13-45 99:00:00"),
        (item(2, date="yesterday", gmt=""), "yesterday",
         "post_date is not a date (YYYY-MM-DD HH:MM:SS): 'yesterday'"),
        (item(2, comments=comment(7, approved="maybe")), "<wp:comment_approved>maybe",
         "comment_approved is 'maybe': not 1, 0, spam or trash"),
    ],
    ids=["malformed", "impossible-date", "not-a-date", "unknown-status"],
)  # fmt: skip
def test_a_broken_export_writes_nothing_of_itself_and_the_others_go_on(
    tmp_path, broken, at, message
):
    bad = wxr(tmp_path, item(1, "Good first post", comments=comment(1)), broken, name="bad.xml")
    good = wxr(tmp_path, item(3, "Another site's post"), name="good.xml")
    out, err, error = run(bad, good)
    assert error is not None
    assert f"{bad}:{line_of(bad, at)}: {message}" in err
    assert list(Post.objects.values_list("title", flat=True)) == ["Another site's post"]
    assert not Comment.objects.exists()


def test_entities_and_doctypes_are_refused_not_expanded(tmp_path):
    laughs = tmp_path / "laughs.xml"
    laughs.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
        + HEAD.split("\n", 1)[1].format(v="1.2")
        + item(1, "&c;")
        + "</channel></rss>"
    )
    _, err, error = run(laughs)
    assert error is not None
    assert f"{laughs}:2: a DOCTYPE or entity declaration, which no export has" in err
    assert not Post.objects.exists()


def test_a_reply_to_a_comment_not_in_the_export_is_a_comment_on_the_post(tmp_path):
    export = wxr(tmp_path, item(comments=comment(1, parent=99) + comment(2, parent=3)
                                + comment(3, parent=2)))  # fmt: skip
    _, err, error = run(export)
    assert error is None
    assert "comment 1 answers comment 99, which is not in the export" in err
    assert Comment.objects.get(source_key__endswith=":1").parent is None
    # A loop of parents is broken, not followed for ever.
    assert Comment.objects.filter(parent__isnull=True).count() == 2


def test_the_format_is_told_from_the_content_not_the_name(tmp_path):
    disguised = tmp_path / "notes.txt"
    shutil.copy(WXR, disguised)
    out, err, error = run("--dry-run", tmp_path)
    assert error is None, err
    assert "a WordPress export, 2 posts, 10 comments" in out
    _, err, error = run("--dry-run", "--format", "capture", disguised)
    assert error is not None  # read as a capture, it is not one
    assert f"{disguised}:" in err


def test_the_dry_run_prints_each_post_in_the_captures_shape_and_more():
    out, err, error = run("--dry-run", "--json", WXR)
    assert error is None
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == ["41", "57"]
    design = records[0]
    assert {"source", "title", "author", "published", "body", "comments"} <= design.keys()
    assert design["published"] == "2008-03-20T21:15:00-04:00"
    assert design["tags"] == ["footbridge", "Millrace"]
    assert [(c["id"], c["parent"], c["status"]) for c in design["comments"]][:3] == [
        ("201", None, "published"),
        ("202", "201", "published"),
        ("203", "202", "published"),
    ]
    assert design["mentions"][0]["kind"] == "pingback"
    assert not Post.objects.exists()


def test_imported_posts_stay_out_of_search_unless_published(client):
    run(WXR)
    found = client.get("/search/", {"q": "volunteered"}).content.decode()
    assert "Notes for the bridge committee" not in found
    assert (
        "My number changed" not in client.get("/search/", {"q": "number changed"}).content.decode()
    )


# Disqus -----------------------------------------------------------------------


def test_disqus_threads_find_their_posts_by_address_then_title_or_become_posts():
    run(CAPTURES, WXR)
    out, err, error = run(DISQUS)
    assert error is None, err
    assert "3 threads (1 made into posts of their own), 6 comments added" in out
    assert "left out: threads with no comments: 1" in out
    design = Post.objects.get(slug="footbridge-design-three-options")  # by its address
    keys = set(Comment.objects.filter(post=design).values_list("source_key", flat=True))
    assert "disqus:millrace:comment:9102" in keys
    # Synced from WordPress ("wp_id=203"): the same comment, not a second one.
    assert "disqus:millrace:comment:9101" not in keys
    assert Comment.objects.filter(post=design, author_name="Walt on the Millrace",
                                  body="So does my patience.").count() == 1  # fmt: skip
    reply_ = Comment.objects.get(source_key="disqus:millrace:comment:9104")
    assert reply_.parent.source_key == "disqus:millrace:comment:9102"
    passes = Post.objects.get(title="The footbridge passes, 5 to 2")  # by its title
    assert Comment.objects.get(source_key="disqus:millrace:comment:9202").post == passes
    assert Comment.objects.get(source_key="disqus:millrace:comment:9202").status == Status.SPAM
    ribbon = Post.objects.get(title="Ribbon cutting on the footbridge")  # made from the thread
    assert ribbon.source_key == "disqus:millrace:thread:7003"
    assert ribbon.source_url == "https://millrace.example/2008/06/01/ribbon-cutting/"
    again, _, _ = run(DISQUS)
    assert "3 threads (0 made into posts of their own), 0 comments added" in again


def test_a_deleted_disqus_comment_is_a_placeholder_that_keeps_its_replies(client):
    run(DISQUS)
    ribbon = Post.objects.get(title="Ribbon cutting on the footbridge")
    page = client.get(ribbon.get_absolute_url()).content.decode()
    assert "This comment was removed." in page
    assert "should not have said" not in page
    assert "the ribbon was cut and the bridge is open" in page
    assert "Made from a thread of a Disqus export" in page


DISQUS_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><forum>f</forum><link>https://x.example/a/</link><title>A thread</title>
<createdAt>2011-01-01T10:00:00Z</createdAt></thread>
"""


def post_xml(dsq_id, thread="1", parent="", *, when="2011-01-01T11:00:00Z", spam="false"):
    parent_xml = f'<parent dsq:id="{parent}"/>' if parent else ""
    return f"""<post dsq:id="{dsq_id}"><message><![CDATA[<p>Comment {dsq_id}</p>]]></message>
<createdAt>{when}</createdAt><isDeleted>false</isDeleted><isSpam>{spam}</isSpam>
<author><name>Name {dsq_id}</name></author><thread dsq:id="{thread}"/>{parent_xml}</post>
"""


def test_disqus_comments_without_their_thread_or_parent_are_reported(tmp_path):
    export = tmp_path / "disqus.xml"
    export.write_text(DISQUS_HEAD + post_xml("10", parent="5") + post_xml("11", thread="404")
                      + post_xml("12", parent="13") + post_xml("13", when="2011-01-01T10:30:00Z")
                      + "</disqus>")  # fmt: skip
    _, err, error = run(export)
    assert error is None
    at = line_of(export, '<post dsq:id="11">')
    assert (
        f"{export}:{at}: warning: comment 11 belongs to thread 404, which is not in the export"
        in err
    )
    assert "comment 10 answers comment 5, which is not in the export" in err
    assert Comment.objects.get(source_key="disqus:f:comment:10").parent is None
    # A reply that comes before the comment it answers still nests under it.
    assert Comment.objects.get(source_key="disqus:f:comment:12").parent.source_key.endswith(":13")
    assert not Comment.objects.filter(source_key__endswith=":11").exists()


def test_a_disqus_export_is_streamed_in_batches_that_keep_the_threading(tmp_path, monkeypatch):
    from importers import disqus

    monkeypatch.setattr(disqus, "BATCH", 3)
    posts = [post_xml(str(n), parent=str(n - 1) if n > 1 else "",
                      when=f"2011-01-01T11:{n:02d}:00Z") for n in range(1, 11)]  # fmt: skip
    export = tmp_path / "disqus.xml"
    export.write_text(DISQUS_HEAD + "".join(posts) + "</disqus>")
    _, err, error = run(export)
    assert error is None, err
    assert Post.objects.count() == 1
    last = Comment.objects.get(source_key="disqus:f:comment:10")
    assert len(bytes(last.path)) == 10 * 9  # nine replies deep, across four batches


# The sanitiser on its own -------------------------------------------------------


def test_the_sanitiser_keeps_what_readers_need_and_drops_the_rest():
    clean = Sanitiser("https://site.example").clean
    assert clean("One\nline\n\nTwo") == "<p>One<br>\nline</p>\n<p>Two</p>"
    assert clean('<a href="/x" title="t" onclick="e()">x</a>') == (
        '<p><a href="https://site.example/x" rel="nofollow ugc noopener">x</a></p>'
    )
    assert clean('<img src="data:image/png;base64,AAA" alt="x">') == "<p>[image: x]</p>"
    assert clean('<a href="javascript:alert(1)">a <em>b</em></a>') == "<p>a <em>b</em></p>"
    assert clean("<pre>a\n  b</pre>") == "<pre>a\n  b</pre>"
    assert clean("<style>p{}</style><svg><script>1</script></svg>ok") == "<p>ok</p>"
    assert paragraphs(clean("<ul><li>a</li><li>b <em>c</em></li></ul>")) == ["a", "b c"]


def test_an_export_in_a_folder_of_captures_goes_in_with_them_on_the_quick_start():
    out, err, error = run(ARCHIVES, EXAMPLES)
    assert error is None, err
    assert Post.objects.filter(export_format="wordpress").count() == 2


def test_the_comment_rows_of_an_export_are_in_the_models_order():
    from importers import exports

    assert exports.COMMENT_ROW == exports.COMMENT_FIELDS, "add the field to _new_comment()"


@pytest.mark.parametrize(
    "html",
    [
        "One\nline\n\nTwo <em>x</em> &amp; <a href='https://a.example'>y</a>",
        "<ul><li>a</li><li>b <em>c</em></li></ul><blockquote><p>q</p></blockquote>tail",
        "<p>a<br>b</p><p>  spaced   out  </p>&lt;not a tag&gt;",
    ],
)
def test_the_text_of_html_is_the_same_by_either_reading(html):
    from importers import html as html_module

    clean = Sanitiser().clean(html)
    parser = html_module._Text()
    parser.feed(clean)
    parser.close()
    parser._break()
    assert paragraphs(clean) == parser.paragraphs
