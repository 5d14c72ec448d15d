from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Concat, Lower, Upper
from django.db.models.lookups import Exact, In
from django.urls import reverse
from django.utils import timezone

from comments import paths
from posts.fulltext import SearchDocument
from posts.models import BodyFormat
from posts.times import clock

# Written out rather than taken from the locale: captures are in English.
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip


class CommentQuerySet(models.QuerySet["Comment"]):
    def published(self) -> CommentQuerySet:
        """The one spelling of 'a reader may see this comment'."""
        return self.filter(PUBLISHED)

    def imported(self) -> CommentQuerySet:
        """Comments that came from an archive's captures."""
        return self.filter(IMPORTED)

    def written_here(self) -> CommentQuerySet:
        """Comments written on this site."""
        return self.filter(WRITTEN_HERE)

    def by_person(self, name: str) -> CommentQuerySet:
        """Everything published under a name, newest first (on `comment_person`)."""
        return (
            self.published()
            .filter(author_name=name)
            .select_related("post")
            .order_by("-posted", "-pk")
            .defer("post__body", "post__body_html", "post__capture_hashes")
        )

    def people(self, containing: str = "", *, keyed: bool = False):
        """Every name with published comments (containing `containing`,
        ignoring case) and how many, A to Z ignoring case (from Person);
        `keyed`: with the sort key, for pages read from where they start."""
        fields = ("name", "sort_key") if keyed else ("name",)
        rows = Person.objects.filter(comments__gt=0).values(*fields, n=F("comments"))
        if not containing:
            return rows.order_by("sort_key", "name")  # on `person_a_to_z`
        # The few names that match, found by their trigrams and then sorted:
        # an order no index gives keeps the planner from walking the whole
        # A-to-Z index in search of them when the page is short (LIMIT 1).
        return rows.filter(name__icontains=containing).order_by(
            Lower(Concat("name", Value(""))), "name"
        )

    def months_of(self, name: str) -> list:
        """[(first of month, published comments), …] of a name, newest first."""
        rows = (
            PersonMonth.objects.filter(name=name).values("month")
            .annotate(n=Sum("comments")).filter(n__gt=0).order_by("-month")
            .values_list("month", "n")
        )  # fmt: skip
        return list(rows)

    def newest(self) -> CommentQuerySet:
        """The newest published comments on the site (on `comment_recent`)."""
        return self.published().select_related("post").order_by("-posted", "-pk")

    def thread(self, post) -> CommentQuerySet:
        """All of a post's comments in display order: one query on the thread index.

        Hidden comments come too, so that a thread can keep a placeholder where
        a removed comment still has visible replies.
        """
        return (
            self.filter(post=post)
            .order_by("path")
            .only(
                "id",
                "parent_id",
                "path",
                "author_name",
                "body",
                "body_format",
                "body_html",
                "posted",
                "posted_text",
                "status",
                "edited_at",
                "written_by",
                "number",
                "fingerprint",
            )
        )


_CommentManagerBase = models.Manager.from_queryset(CommentQuerySet)


class CommentManager(_CommentManagerBase):
    def get_queryset(self):
        # The search vector is as large as the text and only search reads it.
        return super().get_queryset().defer("search_vector")


class Status(models.TextChoices):
    PUBLISHED = "published"
    PENDING = "pending", "pending moderation"
    SPAM = "spam"
    REMOVED = "removed"
    # Deleted, by a moderator or by its author: a tombstone moderators can
    # read and a re-import respects. Only an explicit purge removes the row.
    DELETED = "deleted"


# The one spelling of each state, in queries, constraints and index conditions.
PUBLISHED = Q(status=Status.PUBLISHED)
IMPORTED = ~Q(fingerprint="")  # every imported comment, and only those, has a fingerprint
WRITTEN_HERE = Q(fingerprint="")


class Comment(models.Model):
    Status = Status

    # No index of its own: the composite indexes below lead with the post.
    post = models.ForeignKey(
        "posts.Post", on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    # RESTRICT: a comment with replies cannot be deleted on its own (moderators
    # remove it instead, which keeps the thread), but goes with its post.
    parent = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="replies",
        db_index=False,  # see comment_replies below
    )
    number = models.PositiveIntegerField(editable=False, help_text="Order of arrival in the post.")
    path = models.BinaryField(editable=False, help_text="Thread order; see comments/paths.py.")
    author_name = models.TextField()  # no limit: see Post.title
    email = models.EmailField(blank=True, help_text="Never shown publicly.")
    website = models.URLField(blank=True, help_text="Never shown publicly.")
    body = models.TextField(help_text="Paragraphs separated by a blank line.")
    body_format = models.CharField(
        max_length=4, choices=BodyFormat.choices, default=BodyFormat.TEXT,
        db_default=BodyFormat.TEXT, editable=False,
    )  # fmt: skip
    body_html = models.TextField(
        blank=True, default="", db_default="", editable=False,
        help_text="With body_format html: the sanitised HTML shown; body holds its text.",
    )  # fmt: skip
    posted = models.DateTimeField()
    posted_text = models.CharField(
        max_length=100,
        help_text="The time as published: 'March 21, 2007 at 7:33 PM' (as a capture wrote it).",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    # Imported comments: where they came from and what recognises them again.
    source_file = models.TextField(blank=True)
    source_line = models.PositiveIntegerField(
        null=True, blank=True, help_text="The line of the comment's signature in the capture."
    )
    fingerprint = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text="128-bit digest of author, posted time and text; imported comments only.",
    )
    occurrence = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="Which repeat this is of an identical comment within one capture.",
    )
    source_key = models.TextField(
        blank=True, default="", db_default="", editable=False,
        help_text="An export's id of the comment: 'wordpress:SITE:comment:5'.",
    )  # fmt: skip
    # Comments written on the site.
    ip_address = models.GenericIPAddressField(
        null=True, blank=True, editable=False, help_text="Never shown publicly."
    )
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    submission = models.CharField(
        max_length=32,
        blank=True,
        db_default="",  # imports write rows with COPY, past Django's defaults
        editable=False,
        help_text="Digest of the form submission: the same form sent twice is one comment.",
    )
    # A reply a moderator wrote from the admin: shown under the site's staff name, marked.
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,  # looked up only through the comment
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.CharField(
        max_length=150,
        blank=True,
        db_default="",  # imports write rows with COPY, past Django's defaults
        editable=False,
        help_text="Who deleted it: a moderator's user name, or “its author”.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    search_vector = models.GeneratedField(
        expression=SearchDocument("body", weights="B"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = CommentManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="comment_number_per_post"),
            # What makes re-importing a no-op, even with two importers at once.
            models.UniqueConstraint(
                fields=["post", "fingerprint", "occurrence"],
                condition=IMPORTED,
                name="imported_comment_identity",
            ),
            # An export's comment is its own id: re-imports, even two at once, add it once.
            models.UniqueConstraint(
                fields=["source_key"], condition=~Q(source_key=""), name="comment_source_key"
            ),
            # A double click or a reload of the form's POST makes one comment.
            models.UniqueConstraint(
                fields=["submission"], condition=~Q(submission=""), name="comment_submitted_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="comment_status_valid"
            ),
            models.CheckConstraint(
                condition=(WRITTEN_HERE & Q(source_line__isnull=True))
                | (IMPORTED & Q(source_line__isnull=False)),
                name="comment_imported_has_source",
            ),
        ]
        indexes = [
            # A post's thread page: WHERE post_id = %s ORDER BY path.
            models.Index(fields=["post", "path"], name="comment_thread_order"),
            # Partial indexes leave out the bulk of the table (imported,
            # published, top-level comments), which keeps large imports fast.
            # Replies of a comment (deletion checks, "in reply to"):
            models.Index(
                fields=["parent"], condition=Q(parent__isnull=False), name="comment_replies"
            ),
            # The moderation queue and other non-published states:
            models.Index(
                fields=["status", "posted"],
                condition=~PUBLISHED,
                name="comment_moderation",
            ),
            # "Has this commenter been approved before?" (site comments only).
            models.Index(
                Upper("author_name"),
                Upper("email"),
                condition=WRITTEN_HERE,
                name="comment_site_author",
            ),
            # Everything from an address or network (the moderation queue).
            models.Index(
                fields=["ip_address"],
                condition=Q(ip_address__isnull=False),
                name="comment_address",
            ),
            GinIndex(fields=["search_vector"], name="comment_search"),
            # /people/NAME/, newest first.
            models.Index(
                fields=["author_name", "-posted"],
                condition=PUBLISHED,
                name="comment_person",
            ),
            # The site-wide comments feed.
            models.Index(fields=["-posted"], condition=PUBLISHED, name="comment_recent"),
        ]
        ordering = ["post", "path"]

    def __str__(self) -> str:
        return self.signature

    def get_absolute_url(self) -> str:
        # A redirect to the page of the thread the comment is on, which
        # changes as the thread grows.
        return reverse("comments:permalink", args=[self.pk])

    @property
    def signature(self) -> str:
        return f"{self.author_name} on {self.posted_text}"

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n") if self.body else []

    @property
    def depth(self) -> int:
        return paths.depth(self.path)

    @property
    def is_imported(self) -> bool:
        return self.fingerprint != ""

    @property
    def zone_name(self) -> str:
        """The zone its time is written in: the capture's, or the site's."""
        return self.post.time_zone if self.is_imported else ""

    @property
    def by_staff(self) -> bool:
        return self.written_by_id is not None

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @staticmethod
    def format_posted(moment) -> str:
        """A time in the words of the archived signatures, for comments written here."""
        local = timezone.localtime(moment)
        return f"{MONTH_NAMES[local.month - 1]} {local.day}, {local.year} at {clock(moment)}"


class Thread(models.Model):
    """A post's thread version: a trigger on comments_comment (migration
    0012) adds one to it for every statement that adds, changes or removes
    any of the post's comments. What is worked out from a whole thread (its
    pages, its quotations) is cached under it, and so is never served stale.
    No foreign key: a post's comments go before it, and the trigger must
    not write for a post being deleted a row that would then hold it back."""

    post_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField()
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"post {self.post_id}: version {self.version}"


class Person(models.Model):
    """Every name that has written a published comment, with how many: the
    people index reads it instead of grouping every comment. A trigger on
    comments_comment keeps it (migration 0011), one row per name, updated in
    name order by each statement; a name whose count falls to 0 stays until
    housekeeping clears it."""

    name = models.TextField(primary_key=True)
    # In no index: every statement that writes comments updates the counts
    # of its names, and an update that changes no indexed column is HOT (the
    # new row goes on the same page, the old one is pruned there, no index
    # grows). With the count in an index, a large import left the table and
    # that index ten times their size, and every page of the index slower.
    # The table leaves half of each page free for it (migration 0016).
    comments = models.BigIntegerField()
    # The A-to-Z order, ignoring case: a column, so that an index holds it.
    sort_key = models.GeneratedField(
        expression=Lower("name"), output_field=models.TextField(), db_persist=True
    )

    class Meta:
        indexes = [
            # A to Z ignoring case (names left with no comment are filtered,
            # and cleared by housekeeping).
            models.Index(fields=["sort_key", "name"], name="person_a_to_z"),
            # "Names containing": UPPER(name) LIKE UPPER('%…%'), by trigrams.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="person_name_contains"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.comments}"


class PersonMonth(models.Model):
    """A name's published comments per month of the site's time zone, as
    change rows summed on reading (like posts' PostMonth, and kept by the same
    trigger as Person): the pages of a name's comments start from them."""

    name = models.TextField()
    month = models.DateField()
    comments = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["name", "month"], name="person_month")]

    def __str__(self) -> str:
        return f"{self.name} {self.month:%Y-%m}: {self.comments:+d}"


class CommentRevision(models.Model):
    """A comment's text before one of its author's edits, for moderators."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices)  # before the edit
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment", "-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.comment} before {self.replaced_at:%Y-%m-%d %H:%M}"


class PurgedComment(models.Model):
    """What is left of a deleted comment once its row is purged: enough for
    a moderator to see what it was, and for a re-import to leave it out."""

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=32, blank=True)  # empty: written here
    occurrence = models.PositiveSmallIntegerField(default=0)
    author_name = models.TextField()
    body = models.TextField()
    posted = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True)
    deleted_by = models.CharField(max_length=150, blank=True)
    purged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A re-import looks it up as it does a comment (importers/loading.py).
            models.UniqueConstraint(
                fields=["post", "fingerprint", "occurrence"],
                condition=IMPORTED,
                name="purged_comment_identity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name} (purged)"


class BlockedTerm(models.Model):
    """A word, phrase, email or address that marks a new comment as spam."""

    term = models.CharField(
        max_length=200,
        unique=True,
        help_text="Matched, ignoring case, as a whole word or phrase in a new comment's name, "
        "email, website, text or the address it came from.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why it is blocked.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class BlockedCommenter(models.Model):
    """A commenter whose new comments are marked as spam: by email, address
    or name, matched exactly, ignoring case. They are told what everyone
    whose comment is held is told."""

    class Kind(models.TextChoices):
        EMAIL = "email"
        ADDRESS = "address"
        NAME = "name"

    kind = models.CharField(max_length=7, choices=Kind.choices)
    value = models.CharField(max_length=254)
    note = models.CharField(max_length=200, blank=True, help_text="Why they are blocked.")
    created_by = models.CharField(max_length=150, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "kind", Upper("value"), name="blocked_commenter_once",
                violation_error_message="That commenter is already blocked.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["email", "address", "name"]), name="blocked_commenter_kind"
            ),
        ]  # fmt: skip
        ordering = ["kind", "value"]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"

    def clean(self) -> None:
        self.value = self.value.strip()
        if self.kind == self.Kind.ADDRESS:
            try:
                self.value = str(ipaddress.ip_address(self.value))
            except ValueError:
                raise ValidationError({"value": "Enter an IPv4 or IPv6 address."}) from None
        elif self.kind == self.Kind.EMAIL and "@" not in self.value:
            raise ValidationError({"value": "Enter a whole email address."})


def email_is(email: str, field: str = "email") -> Exact:
    """`field` is `email`, in any case: on the Lower(email) indexes below.
    (Django's `iexact` compares UPPER(), which no index here serves.)"""
    return Exact(Lower(field), email.lower())


def email_in(emails: Iterable[str], field: str = "email") -> In:
    return In(Lower(field), sorted({email.lower() for email in emails}))


class MailAddress(models.Model):
    """An address the site may mail: confirmed once (double opt-in), and
    never mailed again once its owner says stop or its server refuses it."""

    email = models.EmailField(max_length=254)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(
        max_length=200, blank=True
    )  # "unsubscribed from everything", a refusal

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="mail_address_once")]

    def __str__(self) -> str:
        return self.email

    @property
    def mailable(self) -> bool:
        return self.confirmed_at is not None and self.stopped_at is None


class Subscription(models.Model):
    """Someone follows a post's thread: replies to them, or everything."""

    class Kind(models.TextChoices):
        REPLIES = "replies", "E-mail me when someone replies to me"
        THREAD = "thread", "…or when anyone writes in this thread"

    email = models.EmailField(max_length=254)
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # unsubscribed from this thread

    class Meta:
        constraints = [
            models.UniqueConstraint("post", Lower("email"), name="subscription_once"),
        ]

    def __str__(self) -> str:
        return f"{self.email} follows {self.post_id} ({self.kind})"


class Notification(models.Model):
    """One comment to tell one address about. The unique constraint is what
    keeps two workers, or a retried task, from telling anyone twice."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("comment", Lower("email"), name="notification_once"),
        ]
        indexes = [
            # What waits for an address in a thread, and when it was last told.
            models.Index("post", Lower("email"), "sent_at", name="notification_thread_address"),
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} to {self.email}"


class ModeratorMail(models.Model):
    """When moderators were last told that comments await them (one row)."""

    last_sent_at = models.DateTimeField(null=True, blank=True)
    next_at = models.DateTimeField(null=True, blank=True)  # a digest is queued for then

    def __str__(self) -> str:
        return f"moderators told at {self.last_sent_at}"
