"""Nothing a visitor types gives a server error: every URL pattern, walked with
hostile values in its path and its query."""

import io
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.urls import URLResolver, get_resolver

from posts.models import Post
from tests.conftest import ARCHIVES

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00", "a\x00b", "x" * 5000, "\u202eevil\u202c", "'", '"', '"unbalanced', "(", "<script>",
    "%", "%zz", "../..", "-1", "0", "99999999999999999999", "9999-12-31", "0001-01-01",
    "2007-02-30", "１２", " ", "\n",
]  # fmt: skip
BIG = "99999999999999999999"  # past any integer column
DATES = ["9999/12/31", "0000/00/00", "2007/02/30", "2007/13/01", "0001/01/01"]


def q(value: str) -> str:
    return quote(value, safe="")


def urls_for(name: str, post: Post) -> list[str]:
    """URLs for the pattern `name`, each with a hostile value somewhere."""
    day = post.get_absolute_url()  # /YYYY/MM/DD/slug/
    comment_ids = ["0", BIG, "1"]
    cases = {
        "robots": ["/robots.txt"],
        "sitemap": ["/sitemap.xml", *(f"/sitemap.xml?p={q(v)}" for v in HOSTILE)],
        "sitemap-section": [f"/sitemap-{q(v)}.xml" for v in HOSTILE]
        + [f"/sitemap-posts-{post.published:%Y-%m}.xml?p={q(v)}" for v in HOSTILE],
        "comments:permalink": [f"/comments/{n}/" for n in comment_ids],
        "comments:post": [f"/comments/post/{n}/" for n in comment_ids],
        "comments:reply": [f"/comments/{n}/reply/" for n in comment_ids],
        "comments:edit": [f"/comments/{n}/edit/" for n in comment_ids],
        "comments:delete": [f"/comments/{n}/delete/" for n in comment_ids],
        "comments:forget": ["/comments/forget-me/"],
        "comments:confirm": [f"/comments/confirm/{q(v)}/" for v in HOSTILE if v != "\x00"],
        "comments:unsubscribe": [f"/comments/unsubscribe/{q(v)}/" for v in HOSTILE if v != "\x00"],
        "comments:people": [f"/people/?name={q(v)}&page={q(v)}" for v in HOSTILE]
        + [f"/people/?q={q(v)}&page={q(v)}" for v in HOSTILE],
        "comments:person": [f"/people/{q(v)}/?page={q(v)}" for v in HOSTILE if v != "\x00"],
        "comments:feed": [f"/feeds/comments/?page={q(v)}" for v in HOSTILE],
        "comments:feed-atom": ["/feeds/comments/atom/"],
        "comments:post-page": [f"{day}?page={q(v)}" for v in HOSTILE]
        + [f"/{d}/{q(v)}/" for d in DATES for v in ("x", "\u202e", "é")],
        "comments:search": [
            f"/search/?{field}={q(v)}&q=vote"
            for field in ("q", "kind", "by", "start", "end", "page")
            for v in HOSTILE
        ],
        "comments:post-feed": [f"{day}feed/?page={q(v)}" for v in HOSTILE]
        + [f"/{d}/x/feed/" for d in DATES],
        "comments:post-feed-atom": [f"/{d}/x/feed/atom/" for d in DATES],
        "posts:index": [f"/?page={q(v)}" for v in HOSTILE],
        "posts:year": ["/9999/", "/0000/", *(f"/2007/?page={q(v)}" for v in HOSTILE)],
        "posts:month": ["/9999/12/", "/0000/00/", "/2007/13/", "/2007/03/?page=" + BIG],
        "posts:day": [f"/{d}/" for d in DATES] + ["/2007/03/21/?page=" + BIG],
        "posts:authors": [f"/authors/?name={q(v)}&page={q(v)}" for v in HOSTILE]
        + [f"/authors/?q={q(v)}&page={q(v)}" for v in HOSTILE],
        "posts:archive": ["/archive/", *(f"/archive/?page={q(v)}" for v in HOSTILE)],
        "posts:author": [f"/authors/{q(v)}/?page={q(v)}" for v in HOSTILE if v != "\x00"],
        "posts:feed": [f"/feeds/posts/?page={q(v)}" for v in HOSTILE],
        "posts:feed-atom": ["/feeds/posts/atom/"],
    }
    return cases[name]


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


@pytest.fixture
def post():
    call_command("import_archive", str(ARCHIVES), stdout=io.StringIO())
    return Post.objects.order_by("-published").first()


def test_every_url_pattern_answers_hostile_values_without_a_server_error(client, post):
    for name in url_names():
        for url in urls_for(name, post):
            response = client.get(url)
            assert response.status_code < 500, (name, url, response.status_code)
            if name in ("comments:post", "comments:forget"):
                form = {"body": "\x00", "name": "\u202e" * 3, "next": "\x00", "parent": BIG}
                response = client.post(url, form)
                assert response.status_code < 500, (name, url, response.status_code)
