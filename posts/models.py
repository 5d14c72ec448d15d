from __future__ import annotations

import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import connections, models
from django.db.models import Q, Sum
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify

from posts.fulltext import SearchDocument
from posts.times import zone_named

SLUG_LENGTH = 80


# What a list of posts shows of each (templates/posts/_summary.html) and tags
# it by (Post.change_stamp). The rest of a row (its HTML body, its capture
# hashes, an export's fields) is not read for a list.
LISTED = ("title", "slug", "author", "published", "published_text", "time_zone", "body",
          "comment_count", "updated_at")  # fmt: skip


# The stamps (Post.change_stamp) of the newest posts, in for_index's order:
# what the posts feeds are tagged by (posts.feeds.state), read by index.
NEWEST_STAMPS = """SELECT id, updated_at, comment_count FROM posts_post
ORDER BY published DESC, id DESC LIMIT %s"""


class PostQuerySet(models.QuerySet["Post"]):
    def by_author(self, name: str) -> PostQuerySet:
        """A byline's posts, newest first (on `post_author`), as a list shows them."""
        return self.filter(author=name).order_by("-published", "-pk").only(*LISTED)

    def authors(self, containing: str = ""):
        """Every byline (containing `containing`, ignoring case) with its
        number of posts, A to Z ignoring case."""
        rows = PostMonth.objects.all()
        if containing:
            rows = rows.filter(author__icontains=containing)
        return (
            rows.order_by().values("author").annotate(n=Sum("posts"))
            .filter(n__gt=0).order_by(Lower("author"), "author")
        )  # fmt: skip

    def newest_stamps(self, count: int) -> list[tuple]:
        """The stamps of the `count` newest posts (NEWEST_STAMPS), in one
        query by index."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(NEWEST_STAMPS, [count])
            return cursor.fetchall()

    def for_index(self) -> PostQuerySet:
        """The home page's and the date archives' lists: newest first."""
        return self.order_by("-published", "-pk").only(*LISTED)


_PostManagerBase = models.Manager.from_queryset(PostQuerySet)


class PostManager(_PostManagerBase):
    def get_queryset(self):
        # The search vector is as large as the text and only search reads it.
        return super().get_queryset().defer("search_vector")


class BodyFormat(models.TextChoices):
    """Which form a body has. Text: paragraphs separated by a blank line, as
    captures hold them. HTML: an export's, sanitised when imported
    (importers/html.py), kept in body_html, with its text in body for
    search, excerpts, quotations and feeds."""

    TEXT = "text", "plain text"
    HTML = "html", "HTML"


class ExportFormat(models.TextChoices):
    WORDPRESS = "wordpress", "a WordPress export"
    DISQUS = "disqus", "a Disqus export"


def link_key(url: str) -> str:
    """A page's address as a key: no scheme, no "www.", no fragment, no
    trailing slash, lower case (http://www.a.example/x/ is https://a.example/x)."""
    bare = url.strip().split("://", 1)[-1].split("#", 1)[0].rstrip("/").lower()
    return bare[4:] if bare.startswith("www.") else bare


class Post(models.Model):
    BodyFormat = BodyFormat

    # Text, not CharField: captures set no length limits, and an archive must
    # never be refused for a long title or name.
    title = models.TextField()
    slug = models.SlugField(max_length=SLUG_LENGTH + 10, unique=True, allow_unicode=True)
    author = models.TextField(help_text="The byline's name.")
    published = models.DateTimeField()
    published_text = models.CharField(
        max_length=100,
        help_text="The publication time as the byline wrote it: '7:27 pm on March 21, 2007'.",
    )
    body = models.TextField(help_text="Paragraphs separated by a blank line.")
    body_format = models.CharField(
        max_length=4, choices=BodyFormat.choices, default=BodyFormat.TEXT,
        db_default=BodyFormat.TEXT,
    )  # fmt: skip
    body_html = models.TextField(
        blank=True, default="", db_default="", editable=False,
        help_text="With body_format html: the sanitised HTML shown; body holds its text.",
    )  # fmt: skip
    categories = ArrayField(models.TextField(), default=list, blank=True, db_default=[])
    tags = ArrayField(models.TextField(), default=list, blank=True, db_default=[])
    source_name = models.TextField(
        blank=True, help_text="The capture file this post was imported from."
    )
    # Imported from a site's export: the export's own id for the post, and
    # which export last brought it.
    source_key = models.TextField(
        blank=True, default="", db_default="", editable=False,
        help_text="The export's id of the post: 'wordpress:SITE:post:41'.",
    )  # fmt: skip
    source_url = models.TextField(
        blank=True, default="", db_default="", help_text="The post's address on its own site."
    )
    link_key = models.TextField(
        blank=True, default="", db_default="", editable=False,
        help_text="source_url as link_key() writes it: what a Disqus thread's address finds.",
    )  # fmt: skip
    mention_count = models.PositiveIntegerField(
        default=0, db_default=0, editable=False, help_text="Published mentions (pingbacks)."
    )
    export_format = models.CharField(
        max_length=9, choices=ExportFormat.choices, blank=True, default="", db_default=""
    )
    export_name = models.TextField(
        blank=True, default="", db_default="", help_text="The export file last imported."
    )
    exported_at = models.DateTimeField(
        null=True, blank=True, help_text="When that export was imported."
    )
    source_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the capture file last imported."
    )
    capture_hashes = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="SHA-256 of every capture of this post imported: one seen again changes nothing.",
    )
    # Comments are numbered per post in order of arrival; the counter hands
    # out numbers under the row lock of an UPDATE, so concurrent writers never
    # take the same one (and a unique constraint backs that up).
    last_comment_number = models.PositiveIntegerField(default=0, editable=False)
    # Read by every list of posts; a trigger of the comments app keeps it as
    # comments are written, moderated and deleted (comments/migrations/).
    comment_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Published comments."
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The IANA zone the capture's times were read in; empty: the site's TIME_ZONE.",
    )
    search_vector = models.GeneratedField(
        expression=SearchDocument("title", "body", weights="AB"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostManager()

    class Meta:
        constraints = [
            # A post's identity: the same title published at the same minute.
            # Its index also serves the home page's ORDER BY published DESC.
            models.UniqueConstraint(fields=["published", "title"], name="post_natural_key"),
            # The export's own id: two imports of one export at once make one post.
            models.UniqueConstraint(
                fields=["source_key"], condition=~Q(source_key=""), name="post_source_key"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="post_search"),
            models.Index(fields=["link_key"], condition=~Q(link_key=""), name="post_link_key"),
            # "Has a capture with these bytes been imported?" (capture_hashes ?| …),
            # asked by every batch of an import: entries go straight into the
            # index, since a pending list of new ones is read by every look-up.
            GinIndex(fields=["capture_hashes"], name="post_capture_hashes", fastupdate=False),
            # /authors/NAME/, newest first.
            models.Index(fields=["author", "-published"], name="post_author"),
            # The site's order, exactly: a post's previous and next posts are
            # one step along it, (published, id) < (…) and > (…).
            models.Index(fields=["published", "id"], name="post_timeline"),
        ]
        ordering = ["-published", "-pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # comment_count is the database's to keep: saving a post read a while
        # ago (an edit in the admin) must not write back a count since changed.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not (field.primary_key or field.generated or field.name == "comment_count")
            ]
        super().save(*args, **kwargs)

    @property
    def change_stamp(self) -> tuple:
        """What changes whenever anything a page shows of the post does: every
        writer of a post sets updated_at (auto_now here, the importer in its
        own writes), and the database keeps the comment count."""
        return (self.pk, self.updated_at, self.comment_count)

    # get_absolute_url: the post page, which shows the post with its thread, is
    # the comments app's; config wires it (ABSOLUTE_URL_OVERRIDES), so that
    # posts need not know the app built on it.

    def url_kwargs(self) -> dict[str, str]:
        """What names the post in its URLs, and in the URLs below it."""
        day = timezone.localtime(self.published).date()
        return {
            "year": f"{day.year:04d}",
            "month": f"{day.month:02d}",
            "day": f"{day.day:02d}",
            "slug": self.slug,
        }

    @property
    def day_url(self) -> str:
        """The day archive the post is in: its byline's date links there."""
        kwargs = self.url_kwargs()
        del kwargs["slug"]
        return reverse("posts:day", kwargs=kwargs)

    @property
    def is_imported(self) -> bool:
        """Came from an archive's captures or an export (rather than written here)."""
        return self.source_name != "" or self.export_name != ""

    @property
    def is_captured(self) -> bool:
        return self.source_name != ""

    @property
    def export_file_name(self) -> str:
        return self.export_name.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def capture_name(self) -> str:
        """The capture file's name, without the folders it was imported from."""
        return self.source_name.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def zone(self) -> ZoneInfo:
        """The zone the post's archived times are written in."""
        return zone_named(self.time_zone)

    @property
    def byline(self) -> str:
        return f"posted at {self.published_text} by {self.author}"

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n") if self.body else []

    @property
    def excerpt(self) -> str:
        paragraphs = self.paragraphs
        return Truncator(paragraphs[0]).words(50) if paragraphs else ""

    @staticmethod
    def base_slug(title: str) -> str:
        return slugify(title, allow_unicode=True)[:SLUG_LENGTH].strip("-_") or "post"


class MonthTotal(NamedTuple):
    """A month's posts, their published comments and the captures they came from."""

    month: datetime.date  # its first day, in the site's time zone
    posts: int
    comments: int
    captures: int


class PostMonthQuerySet(models.QuerySet["PostMonth"]):
    def totals(self) -> list[MonthTotal]:
        """Every month with posts, newest first (posts.counts.archive_months
        keeps the whole archive's in the cache)."""
        rows = (
            self.order_by().values("month")
            .annotate(posts=Sum("posts"), comments=Sum("comments"), captures=Sum("captures"))
            .filter(posts__gt=0).order_by("-month")
            .values_list("month", "posts", "comments", "captures")
        )  # fmt: skip
        return [MonthTotal(*row) for row in rows]

    def months(self) -> list[tuple[datetime.date, int]]:
        """[(first of month, posts), …] newest first, months with posts only:
        the posts' sums alone, as plain tuples (a long archive has hundreds)."""
        rows = (
            self.order_by().values("month").annotate(n=Sum("posts"))
            .filter(n__gt=0).order_by("-month").values_list("month", "n")
        )  # fmt: skip
        return list(rows)


def archive_summary(totals: list[MonthTotal]) -> dict:
    """What the archive holds, from its month totals: its posts, the months
    they span, their published comments and the captures they came from."""
    return {
        "posts": sum(month.posts for month in totals),
        "first": totals[-1].month if totals else None,
        "last": totals[0].month if totals else None,
        "comments": sum(month.comments for month in totals),
        "captures": sum(month.captures for month in totals),
    }


class PostMonth(models.Model):
    """How many posts each byline has in each month of the site's time zone,
    with their published comments and captures: what the archive's counts,
    indexes and deep pages read instead of counting posts.

    Rows are changes, summed on reading: a trigger on posts_post adds one per
    month and byline that a statement changes (migration 0005), or one of
    zeros if the statement changed no sum (0010), so writers never wait on
    each other's counts, and housekeeping folds them (fold_months). Nothing
    else writes here; each commit that does moves a change counter (0009)."""

    month = models.DateField()
    author = models.TextField()
    posts = models.IntegerField()
    comments = models.BigIntegerField()
    captures = models.BigIntegerField()

    objects = PostMonthQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["month"], name="post_month"),
            models.Index(fields=["author", "month"], name="post_month_author"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.author}: {self.posts:+d}"


class Mention(models.Model):
    """Another page that linked to a post: a pingback or trackback an export
    brought. Kept apart from the thread, and listed under the post."""

    class Kind(models.TextChoices):
        PINGBACK = "pingback"
        TRACKBACK = "trackback"
        WEBMENTION = "webmention"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.TextField(help_text="The linking page, as the source named it.")
    url = models.TextField(blank=True)
    excerpt = models.TextField(blank=True)
    posted = models.DateTimeField()
    published = models.BooleanField(default=True, help_text="Approved on the source site.")
    source_key = models.TextField(unique=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["post", "posted"], name="mention_post")]
        ordering = ["post", "posted", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} from {self.title}"
