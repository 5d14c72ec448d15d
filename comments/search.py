"""Search posts and comments: one ranked list, a page at a time.

One query ranks the matches of both tables (UNION ALL of ids and ranks), a
COUNT sizes the pagination, and two more fetch the page's posts and comments
with their highlighted snippets: four queries whatever the number of matches.
`ts_headline` is the costly part of a search, so only the shown page gets it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from html import escape

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, QuerySet, Value
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from comments.models import Comment
from posts.fulltext import SEARCH_CONFIG
from posts.models import Post

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


def search(*, text: str, kind: str = "", by: str = "", start=None, end=None) -> Results:
    """Published posts and comments matching `text` (websearch syntax), best first."""
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    parts = []
    if kind in ("", "posts"):
        posts = _within(Post.objects.all(), "published", start, end)
        if by:
            posts = posts.filter(author__iexact=by)
        parts.append(_ranked(posts, query, "post", "published"))
    if kind in ("", "comments"):
        comments = _within(Comment.objects.published(), "posted", start, end)
        if by:
            comments = comments.filter(author_name__iexact=by)
        parts.append(_ranked(comments, query, "comment", "posted"))
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return Results(rows.order_by("-rank", "-moment", "-pk"), query)


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

    def __init__(self, rows: QuerySet, query: SearchQuery):
        self.rows = rows
        self.query = query

    def count(self) -> int:
        return self.rows.count()

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
            .defer("post__body", "post__capture_hashes")
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
