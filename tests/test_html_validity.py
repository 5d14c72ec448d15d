"""Every kind of page is valid HTML, by the Nu Html Checker (vnu.jar, from
npm's vnu-jar, which bin/test installs)."""

import io
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from comments.forms import new_stamp
from comments.models import Comment
from posts.models import Post
from posts.names import author_url, person_url
from tests.conftest import ARCHIVES, MAHDI
from tests.factories import reply

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def validate(pages: dict[str, str], folder: Path) -> list[str]:
    """The checker's errors, as 'page: line: message'."""
    if not VNU.exists():
        pytest.fail(f"{VNU} is missing: run bin/test, which installs it with npm ci.")
    if shutil.which("java") is None:
        pytest.fail("The Nu Html Checker needs Java (sudo apt-get install default-jre-headless).")
    files = {}
    for name, html in pages.items():
        path = folder / f"{len(files):02d}.html"
        path.write_text(html)
        files[str(path)] = name
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", *files],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    page = {f"file:{path}": name for path, name in files.items()}
    return [f"{page.get(m['url'])}: {m.get('lastLine')}: {m['message']}" for m in messages]


def test_the_reader_pages_are_valid_html(client, tmp_path, settings):
    settings.COMMENTS_PER_PAGE = 8
    exports = Path(__file__).resolve().parent.parent / "examples" / "exports"
    call_command("import_archive", str(ARCHIVES), str(exports), stdout=io.StringIO())
    mahdi = Post.objects.get(source_name__endswith=MAHDI.name)
    first = Comment.objects.filter(post=mahdi).order_by("path").first()
    reply(reply(first, author_name="Ünïcødé / reader", body="A reply <b>here</b>."))
    urls = {
        "home": "/",
        "post": mahdi.get_absolute_url(),
        "post, comments page 2": f"{mahdi.get_absolute_url()}?page=2",
        "year": "/2007/",
        "month": "/2007/03/",
        "day": "/2007/03/21/",
        "author": author_url("Allahpundit"),
        "people": person_url("Ünïcødé / reader"),
        "search": "/search/?q=iran",
        "search, nothing found": "/search/?q=the",
        "search, a bad date": "/search/?q=iran&start=2007-02-30",
        "search, no query": "/search/",
        "reply without script": f"/comments/{first.pk}/reply/",
        "archive index": "/archive/",
        "authors": "/authors/",
        "people index": "/people/?q=a",
        "people index, by letter": "/people/?letter=s",
        # An export's: its HTML, tags, mentions; and a post made from a Disqus thread.
        "post from WordPress": Post.objects.get(
            source_key="wordpress:millrace.example:post:41"
        ).get_absolute_url(),
        "post from a Disqus thread": Post.objects.get(
            source_key="disqus:millrace:thread:7003"
        ).get_absolute_url(),
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    # A moderator's view of the thread: every comment with its controls.
    reply(first, author_name="Held", body="Held back.", status="pending")
    moderator = Client()
    moderator.force_login(User.objects.create_superuser("moderator", password="x"))
    pages["post, as a moderator"] = moderator.get(mahdi.get_absolute_url()).content.decode()
    preview = client.post(f"/comments/post/{mahdi.pk}/", {
        "name": "Previewer", "email": "", "body": "Draft <b>one</b>.\n\nhttps://example.org/",
        "stamp": new_stamp(mahdi.pk, at=time.time() - 60), "homepage": "", "parent": "",
        "preview": "1",
    })  # fmt: skip
    assert 'class="preview"' in preview.text
    pages["preview"] = preview.content.decode()
    pages["not found"] = client.get("/no/such/page/").content.decode()
    pages["server error"] = server_error(RequestFactory().get("/")).content.decode()
    assert validate(pages, tmp_path) == []


def test_the_checker_does_find_errors(tmp_path):
    broken = "<!doctype html><html lang=en><title>x</title><p><div id=a></div><b id=a></b>"
    assert len(validate({"broken": broken}, tmp_path)) >= 1
