"""Conditional GET for the pages a reader browses.

A page's ETag is a digest of what it shows, taken from the rows it was read
from (with their last change: a post's updated_at, its comment count, its
thread's version, a comment's status and edit) before anything is rendered,
and of what it shows of the reader (their session's comments and details,
their CSRF cookie, who is signed in). A request whose If-None-Match holds
that tag is answered 304 without rendering: the rows are read, the page is
not written. Any change to what the page shows is a change to a row it reads,
so the tag changes with it, the moment it is committed; the digest also
holds the code's own (templates, Python), so a new release is a new tag.

Pages with messages waiting are never tagged (they are shown once), nor
pages for staff (their header counts the moderation queue). Tagged
pages are `Cache-Control: no-cache` (stored, and asked again each time) and
vary on Cookie; `public`, so that a proxy keeps them, unless the response
sets a cookie or the reader has a session, when they are `private`
(CacheHeadersMiddleware decides, after the session and CSRF middleware).
Feeds and sitemaps, which hold nothing of the reader, are tagged by the
rows they list, read narrowly (tagged_by_state), or by the digest of their
bytes (tagged_by_content: written, but a 304 sends none of them).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags

TAGGED = "_afterword_tagged"  # set on responses CacheHeadersMiddleware finishes


def release() -> str:
    """A digest of the code, templates and settings the pages are written
    with: the same in every process of one deployment, new with every change
    to them (a cache shared by processes outlives a deployment)."""
    shaping = (settings.TIME_ZONE, settings.SITE_NAME, settings.COMMENTS_PER_PAGE,
               settings.COMMENTS_EDIT_SECONDS, settings.FORCE_SCRIPT_NAME)  # fmt: skip
    return hashlib.blake2b(f"{_code()}:{shaping!r}".encode(), digest_size=8).hexdigest()


@cache
def _code() -> str:
    root = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=8)
    for folder in ("templates", "posts", "comments", "config"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".html", ".jinja", ".txt", ".xml") and path.is_file():
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
                )
    return digest.hexdigest()


def _reader(request: HttpRequest) -> tuple | None:
    """What a page may show of this reader; None if it must not be tagged."""
    cookies = request.COOKIES
    if cookies.get("messages"):  # the messages' cookie storage (CookieStorage.cookie_name)
        return None
    csrf = cookies.get(settings.CSRF_COOKIE_NAME, "")
    if settings.SESSION_COOKIE_NAME not in cookies:
        return (None, csrf)  # no session: nothing read, no query
    session = request.session
    if "_messages" in session:
        return None
    user = request.user
    if user.is_staff:
        return None  # staff pages show what changes elsewhere: the queue's count
    return (user.pk, csrf, sorted((k, repr(v)) for k, v in session.items()))


def shown(value):
    """What of `value` a page shows, as plain data with a stable repr: a
    model instance's `change_stamp` if it has one, else its loaded fields
    (and the related rows read with it), a
    page's number, count and rows, and lists, dicts and plain values as
    they are. Anything else (views, forms, paginators) is left out: what
    they show comes from the request or from values given beside them.
    Querysets are read: give only those the page shows."""
    if isinstance(value, Model):
        if stamp := getattr(value, "change_stamp", None):
            return (value._meta.label, stamp)
        fields = sorted(
            (name, bytes(field) if isinstance(field, memoryview) else field)
            for name, field in value.__dict__.items()
            if not name.startswith("_")
        )
        related = sorted(
            (name, shown(other))
            for name, other in value._state.fields_cache.items()
            if other is not None
        )
        return (value._meta.label, fields, related)
    if isinstance(value, Page):
        return ("page", value.number, value.paginator.count, shown(list(value.object_list)))
    if isinstance(value, dict):
        return sorted((str(key), shown(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return [shown(item) for item in value]
    if isinstance(value, QuerySet):  # a page's own rows, read once: the template reuses them
        return [shown(item) for item in value]
    if isinstance(value, str | int | float | bool | datetime.date | datetime.datetime | None):
        return value
    return None


def etag_of(request: HttpRequest, showing) -> str | None:
    """The tag of a page showing `showing` (see shown()) to this reader;
    None if the page is not to be tagged."""
    reader = _reader(request)
    if reader is None:
        return None
    data = repr((release(), reader, shown(showing)))
    digest = hashlib.blake2b(data.encode(), digest_size=16)
    return f'"{digest.hexdigest()}"'


def respond(request: HttpRequest, showing, render: Callable[[], HttpResponse]) -> HttpResponse:
    """304 if the reader holds the page showing `showing`, else `render()`,
    either way tagged."""
    tag = etag_of(request, showing)
    if tag is None:
        return untagged(render())
    response = _answer(request, tag, render)
    if getattr(response, TAGGED, False):
        patch_vary_headers(response, ["Cookie"])
    return response


def by_stamp(request: HttpRequest, stamp, render: Callable[[], HttpResponse]) -> HttpResponse:
    """respond() for a page that shows nothing of the database but the
    tables a stamp (posts.counts.Stamp) moves with: tagged by the stamp and
    the page's address, so that a repeat reads one row. Untagged in a
    transaction that has written, whose changes are not counted yet."""
    if stamp.tag is None:
        return untagged(render())
    return respond(request, (stamp.tag, request.get_full_path()), render)


def _answer(request: HttpRequest, tag: str, render: Callable[[], HttpResponse]) -> HttpResponse:
    """304 if the request holds `tag`, else `render()`; tagged if it is a page."""
    held = parse_etags(request.headers.get("If-None-Match", ""))
    if request.method in ("GET", "HEAD") and any(_same(tag, other) for other in held):
        response = HttpResponseNotModified()
    else:
        response = render()
        if response.status_code != 200 or response.streaming:
            return response
    response["ETag"] = tag
    setattr(response, TAGGED, True)
    return response


def untagged(response: HttpResponse) -> HttpResponse:
    """A page that is not to be tagged: asked again each time, kept by no proxy."""
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _same(tag: str, other: str) -> bool:
    # Weak comparison (RFC 9110 8.8.3.2): gzip marks a compressed page's tag W/.
    return other == "*" or other.removeprefix("W/") == tag


def tagged_by_state(state: Callable[..., object]):
    """ETag and 304 from `state(request, *args, **kwargs)`: what a page that shows nothing
    of the reader (a feed, a sitemap section) shows, read narrowly before
    it is written, with the page's address and the release. A 304 writes
    nothing. A state of None leaves the page untagged (a stamp read by a
    transaction that has written: posts.counts.Stamp.tag)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            shown = state(request, *args, **kwargs)
            if shown is None:
                return untagged(view(request, *args, **kwargs))
            data = repr((release(), request.build_absolute_uri(), shown))
            tag = f'"{hashlib.blake2b(data.encode(), digest_size=16).hexdigest()}"'
            return _answer(request, tag, lambda: view(request, *args, **kwargs))

        return wrapper

    return decorate


def tagged_by_content(view):
    """ETag and 304 from a digest of the response's bytes, for the pages that
    show nothing of the reader (feeds, sitemaps): rendered, but not sent."""

    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render"):
            response.render()
        digest = hashlib.blake2b(response.content, digest_size=16)
        return _answer(request, f'"{digest.hexdigest()}"', lambda: response)

    return wrapper


class CacheHeadersMiddleware:
    """The Cache-Control of tagged pages, decided once the session and CSRF
    middleware have had their say: public, unless the response sets a cookie
    or the reader has a session (then private). Placed above both."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, TAGGED, False):
            personal = bool(response.cookies) or settings.SESSION_COOKIE_NAME in request.COOKIES
            if personal:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, public=True, no_cache=True)
        return response
