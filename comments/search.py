"""Search posts and comments: one ranked list, a page at a time.

The work is bounded whatever the archive holds. Of each table, only the
newest CANDIDATES matches are ranked: a word found in a hundred thousand
comments ranks the newest five hundred rather than all of them, and the page
says so; fewer matches than that are all ranked. They are found in two
steps, each of bounded cost, rather than as PostgreSQL's estimates would
have it (which misjudge phrases badly): first among the rows since the
WALK-th newest, where a common word has its candidates; if too few are
there, from the GIN index, which then holds few enough matches to read them
all (fewer than CANDIDATES in every WALK rows, on the whole). One query ranks the candidates
of both tables (UNION ALL of ids and ranks) and two more fetch the page's
posts and comments with their highlighted snippets. `ts_headline` is the
costly part of a search, so only the shown page gets it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from html import escape

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import F, QuerySet, Value
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from comments.models import Comment, Person
from posts.fulltext import SEARCH_CONFIG
from posts.models import Post, PostMonth

# ts_headline marks matches with these (private-use characters, which no text
# uses), so that the snippet can be escaped whole before the marks become <mark>.
START, STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)


def marked_html(text: str) -> SafeString:
    """Escaped text with its START…STOP runs as <mark>."""
    html = _MARKED.sub(lambda m: f"<mark>{m.group(1)}</mark>", escape(text))
    return mark_safe(html.replace(START, "").replace(STOP, ""))


@dataclass(frozen=True, slots=True)
class Hit:
    post: Post
    comment: Comment | None
    title: SafeString
    snippet: SafeString

    @property
    def url(self) -> str:
        return (self.comment or self.post).get_absolute_url()


CANDIDATES = 500  # of each table, the newest matches ranked
WALK = 50_000  # of each table, the newest rows a common word's matches are looked for in


def search(*, text: str, kind: str = "", by: str = "", start=None, end=None) -> Results:
    """Published posts and comments matching `text` (websearch syntax), best
    first among the newest CANDIDATES matches of each."""
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    phrase = '"' in text  # websearch syntax: "words in a row"
    parts, candidates = [], []
    if kind in ("", "posts"):
        posts = _within(Post.objects.all(), "published", start, end)
        if by:  # the bylines written so, ignoring case: then on `post_author`
            posts = posts.filter(author__in=_bylines(by))  # as values: see _names
        found = _newest(posts, query, "published", narrowed=bool(by), phrase=phrase)
        candidates.append(found)
        parts.append(_ranked(Post.objects.filter(pk__in=found), query, "post", "published"))
    if kind in ("", "comments"):
        comments = _within(Comment.objects.published(), "posted", start, end)
        if by:  # the names written so, ignoring case: then on `comment_person`
            comments = comments.filter(author_name__in=_names(by))
        found = _newest(comments, query, "posted", narrowed=bool(by), phrase=phrase)
        candidates.append(found)
        parts.append(_ranked(Comment.objects.filter(pk__in=found), query, "comment", "posted"))
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return Results(rows.order_by("-rank", "-moment", "-pk"), query, candidates)


# The names a filter means are read first, and given to the search as values
# rather than as a subquery: PostgreSQL then knows from its statistics how
# many rows a name has, and walks a prolific commenter's comments newest
# first instead of reading all of them.


def _bylines(by: str) -> list[str]:
    rows = PostMonth.objects.filter(author__iexact=by).values_list("author", flat=True)
    return list(rows.distinct())


def _names(by: str) -> list[str]:
    # On `person_a_to_z`: lower(name), among names with published comments.
    rows = Person.objects.filter(sort_key=by.lower(), comments__gt=0)
    return list(rows.values_list("name", flat=True))


def _newest(
    queryset: QuerySet, query: SearchQuery, moment: str, *, narrowed: bool, phrase: bool
) -> list[int]:
    """The ids of the newest CANDIDATES matches, newest first. `narrowed`: by
    a name, whose rows PostgreSQL counts well and walks newest first itself.
    `phrase`: rarer than its words, so looked for in the GIN index at once."""
    order = (f"-{moment}", "-pk")
    matches = queryset.filter(search_vector=query).order_by(*order)
    if narrowed:
        return list(matches.values_list("pk", flat=True)[:CANDIDATES])
    floor = None if phrase else _floor(queryset.model, moment)
    found: list[int] = []
    if not phrase:
        recent = queryset.filter(**{f"{moment}__gte": floor}) if floor else queryset
        found = list(
            recent.filter(search_vector=query).order_by(*order).values_list("pk", flat=True)
            [:CANDIDATES]
        )  # fmt: skip
    if len(found) == CANDIDATES or (floor is None and not phrase):
        return found  # the newest matches of all: none older can come first
    # Few matches among the newest rows: few enough in all to read them from
    # the GIN index.
    using = queryset.db
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # A bitmap scan of the GIN index, whatever the estimates say: an index
        # walk in date order or a sequential scan could read the whole table.
        cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off")
        return list(matches.values_list("pk", flat=True)[:CANDIDATES])


def _floor(model, moment: str):
    """The time of the table's WALK-th newest row, or None if it has fewer:
    the rows since are where a common word is looked for first. Any time
    gives the right answer (older rows are looked for next), so it is kept
    in the cache for a while."""
    key = f"search-floor:{model._meta.label}"
    floor = cache.get(key, "unknown")
    if floor == "unknown":
        rows = model.objects.published() if model is Comment else model.objects.all()
        times = rows.order_by(f"-{moment}").values_list(moment, flat=True)
        floor = next(iter(times[WALK : WALK + 1]), None)
        cache.set(key, floor, 600)
    return floor


def _within(queryset: QuerySet, field: str, start, end) -> QuerySet:
    """Limit to [start, end] as days in the site's zone."""
    zone = timezone.get_current_timezone()
    if start:
        moment = datetime.datetime.combine(start, datetime.time(), zone)
        queryset = queryset.filter(**{f"{field}__gte": moment})
    if end and end < datetime.date.max:  # to the last day there is: no bound at all
        moment = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), zone)
        queryset = queryset.filter(**{f"{field}__lt": moment})
    return queryset


def _ranked(queryset: QuerySet, query: SearchQuery, kind: str, moment: str) -> QuerySet:
    return (
        queryset.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query), kind=Value(kind), moment=F(moment))
        .order_by()
        .values_list("kind", "pk", "rank", "moment")
    )


class Results:
    """What a Paginator pages through: (kind, pk, rank, moment) rows."""

    def __init__(self, rows: QuerySet, query: SearchQuery, candidates: list[list[int]]):
        self.rows = rows
        self.query = query
        self.candidates = candidates
        self.limit = CANDIDATES  # the matches ranked, at most, of each table
        self.capped = False  # a table had more matches than were ranked

    def count(self) -> int:
        counts = [len(found) for found in self.candidates]
        self.capped = self.limit in counts
        return sum(counts)

    def __getitem__(self, index):
        return list(self.rows[index])

    def hydrate(self, rows) -> list[Hit]:
        """The page's rows as Hits with highlighted titles and snippets."""
        post_ids = [pk for kind, pk, *_ in rows if kind == "post"]
        comment_ids = [pk for kind, pk, *_ in rows if kind == "comment"]
        posts = Post.objects.filter(pk__in=post_ids) if post_ids else Post.objects.none()
        comments = (
            Comment.objects.filter(pk__in=comment_ids)
            .select_related("post")
            .defer("post__body", "post__body_html", "post__capture_hashes")
            if comment_ids
            else Comment.objects.none()
        )
        posts = posts.annotate(
            title_marked=self._headline("title", whole=True), snippet=self._headline("body")
        )
        comments = comments.annotate(snippet=self._headline("body"))
        found_posts = {post.pk: post for post in posts}
        found_comments = {comment.pk: comment for comment in comments}
        hits = []
        for kind, pk, *_ in rows:
            if kind == "post" and pk in found_posts:
                post = found_posts[pk]
                hits.append(Hit(post, None, marked_html(post.title_marked),
                                marked_html(post.snippet)))  # fmt: skip
            elif kind == "comment" and pk in found_comments:
                comment = found_comments[pk]
                hits.append(Hit(comment.post, comment, mark_safe(escape(comment.post.title)),
                                marked_html(comment.snippet)))  # fmt: skip
        return hits

    def _headline(self, field: str, *, whole: bool = False) -> SearchHeadline:
        return SearchHeadline(
            field,
            self.query,
            config=SEARCH_CONFIG,
            start_sel=START,
            stop_sel=STOP,
            highlight_all=whole,
            max_words=40,
            min_words=15,
            max_fragments=0 if whole else 2,
            fragment_delimiter=" … ",
        )
