"""URLs that carry a person's name: /authors/NAME/ and /people/NAME/.

Names are shown exactly as written and may hold anything: spaces, unicode,
slashes, "?" or "%". A name goes into the path percent-encoded, "/" included,
so that a browser sees one path segment; the server decodes it before routing
and the converter takes everything up to the final slash. Only the names "."
and "..", which browsers would resolve away as path steps, travel in the
query string instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404
from django.urls import register_converter, reverse


class NameConverter:
    regex = r"[^\x00]+"  # anything, newlines included; NUL is never a name

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NameConverter, "name")


class NameQuery(forms.Form):
    # Django's CharField refuses NUL, which no name holds; spaces are kept.
    name = forms.CharField(max_length=1000, strip=False)


class NameFilter(forms.Form):
    """The filter box of the authors' and people's indexes."""

    q = forms.CharField(label="Names containing", max_length=100, required=False)


def name_index(request, rows_of, *, field: str, url_of) -> tuple[NameFilter, Page]:
    """A page of an A-to-Z index of names (authors, people): `rows_of(text)`
    gives the rows {field: name, "n": count} of the names containing `text`
    (all of them for ""), each shown with its URL."""
    form = NameFilter(request.GET or None)
    rows = rows_of(form.cleaned_data["q"] if form.is_valid() else "")
    page = Paginator(rows, settings.RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [
        {"name": row[field], "url": url_of(row[field]), "n": row["n"]} for row in page.object_list
    ]
    return form, page


def page_name(request, name: str | None) -> str:
    """The name a name page is for: from its path (the converter admits no
    NUL), or from ?name= (the dot names). A 404 for one no name can be."""
    if name:
        return name
    query = NameQuery(request.GET)
    if not query.is_valid():
        raise Http404("No such name.")
    return query.cleaned_data["name"]


_DOT_SEGMENTS = {".", ".."}


@cache
def _base(view: str) -> str:
    # Reversed once: a thread page links a name per comment.
    return reverse(view)


def _name_url(view: str, name: str) -> str:
    base = _base(view)
    if name in _DOT_SEGMENTS:
        return f"{base}?name={quote(name, safe='')}"
    return f"{base}{quote(name, safe='')}/"


def author_url(name: str) -> str:
    return _name_url("posts:authors", name)


def person_url(name: str) -> str:
    return _name_url("comments:people", name)


class NamesFrom(forms.Form):
    """Where an A-to-Z page of names starts or ends: after a name, before
    one, or at a letter. Django's CharField refuses NUL, which no name holds."""

    after = forms.CharField(max_length=1000, strip=False, required=False)
    before = forms.CharField(max_length=1000, strip=False, required=False)
    letter = forms.CharField(max_length=1, required=False)


LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class NamesPage:
    """A page of an A-to-Z index read by where it starts (keyset), never by
    how many names come before it: every page costs what the first does."""

    rows: list[dict]
    previous: str  # the query string of the page before ("" for none)
    next: str
    letter: str  # the letter the page was asked for

    def __iter__(self):
        return iter(self.rows)


def names_from(request, rows, *, field: str, url_of, per_page: int) -> NamesPage:
    """A page of `rows` (ordered by sort_key, then `field`; each with
    sort_key, `field` and n): after ?after=NAME, before ?before=NAME, from
    ?letter=L, or from the start."""
    form = NamesFrom(request.GET)
    wanted = form.cleaned_data if form.is_valid() else {}
    after, before = wanted.get("after", ""), wanted.get("before", "")
    letter = (wanted.get("letter") or "").lower()
    letter = letter if letter in LETTERS else ""
    if before:
        key = before.lower()
        # sort_key <= key bounds the index scan; the rest is the tie on it.
        earlier = Q(sort_key__lte=key) & (Q(sort_key__lt=key) | Q(**{f"{field}__lt": before}))
        found = list(rows.filter(earlier).order_by("-sort_key", f"-{field}")[: per_page + 1])
        more_before, found = len(found) > per_page, found[:per_page][::-1]
        more_after = bool(found)
    else:
        if after:
            key = after.lower()
            rows = rows.filter(
                Q(sort_key__gte=key) & (Q(sort_key__gt=key) | Q(**{f"{field}__gt": after}))
            )
        elif letter:
            rows = rows.filter(sort_key__gte=letter)
        found = list(rows[: per_page + 1])
        more_after, found = len(found) > per_page, found[:per_page]
        more_before = bool(after or letter) and bool(found)
    return NamesPage(
        rows=[{"name": row[field], "url": url_of(row[field]), "n": row["n"]} for row in found],
        previous=f"?{urlencode({'before': found[0][field]})}" if more_before else "",
        next=f"?{urlencode({'after': found[-1][field]})}" if more_after else "",
        letter=letter,
    )
