"""What moderators do to comments: approve, mark as spam, remove, restore,
block a commenter, and the privacy duties (export, erase, expire addresses).

Each action is one transaction. The comments it applies to are locked and
read again under the lock, and only those still in a status the action
applies to are changed: two moderators acting on the same comment at once
get one change and one clear "already done", never a lost update. Every
change is written to the admin's log, under the moderator's name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from comments import notifications
from comments.models import BlockedCommenter, Comment, Status


@dataclass(frozen=True)
class Action:
    name: str  # as the forms send it
    label: str  # on its button
    done: str  # in the log and the message: "Approved"
    target: str
    applies_to: frozenset[str]


ACTIONS = {
    action.name: action
    for action in (
        Action("approve", "Approve", "Approved", Status.PUBLISHED,
               frozenset({Status.PENDING, Status.SPAM})),
        Action("spam", "Spam", "Marked as spam", Status.SPAM,
               frozenset({Status.PUBLISHED, Status.PENDING, Status.REMOVED})),
        Action("remove", "Remove", "Removed", Status.REMOVED,
               frozenset({Status.PUBLISHED, Status.PENDING, Status.SPAM})),
        # Restoring brings back a removed comment, or a deleted one (a tombstone).
        Action("restore", "Restore", "Restored", Status.PUBLISHED,
               frozenset({Status.REMOVED, Status.DELETED})),
    )
}  # fmt: skip


def actions_for(status: str) -> list[Action]:
    """The one-click actions that apply to a comment in `status`, in button order."""
    return [action for action in ACTIONS.values() if status in action.applies_to]


@dataclass
class Outcome:
    action: Action
    changed: list[Comment] = field(default_factory=list)  # with their status before
    unchanged: list[Comment] = field(default_factory=list)  # someone got there first

    def message(self) -> str:
        count = len(self.changed)
        words = f"{self.action.done} {count} comment{'s' if count != 1 else ''}."
        if self.unchanged:
            statuses = sorted({comment.status for comment in self.unchanged})
            words += (
                f" {len(self.unchanged)} left as {' or '.join(statuses)}: "
                f"{self.action.done.lower()} does not apply to them, or someone changed "
                "them first."
            )
        return words


def moderate(
    comments: QuerySet[Comment],
    action: Action | str,
    *,
    user,
    expected: str | None = None,
) -> Outcome:
    """Apply `action` to `comments`, each if its status (read under a row
    lock) is one the action applies to and, given `expected`, is still the
    status the moderator saw."""
    if isinstance(action, str):
        action = ACTIONS[action]
    with transaction.atomic():
        locked = list(
            Comment.objects.filter(pk__in=comments.values("pk"))
            .select_for_update()
            .only("pk", "status", "author_name", "posted_text", "fingerprint")
            .order_by("pk")  # one lock order: two bulk actions cannot deadlock
        )
        outcome = Outcome(action)
        for comment in locked:
            applies = comment.status in action.applies_to
            if applies and (expected is None or comment.status == expected):
                outcome.changed.append(comment)
            else:
                outcome.unchanged.append(comment)
        if outcome.changed:
            changes: dict = {"status": action.target}
            if action.name == "restore":
                changes.update(deleted_at=None, deleted_by="")
            Comment.objects.filter(pk__in=[c.pk for c in outcome.changed]).update(**changes)
            _log(user, outcome.changed, lambda c: f"{action.done} (was {c.status}).")
            if action.target == Status.PUBLISHED:
                for comment in outcome.changed:  # told once, however often approved
                    notifications.published(comment)
    return outcome


def _log(user, comments: Iterable[Comment], message) -> None:
    """One admin log entry per comment, in one INSERT."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Comment)
    LogEntry.objects.bulk_create(
        LogEntry(
            user_id=user.pk,
            content_type=content_type,
            object_id=str(comment.pk),
            object_repr=str(comment)[:200],
            action_flag=CHANGE,
            change_message=message(comment),
        )
        for comment in comments
    )


# Blocking ------------------------------------------------------------------


def details_of(comment: Comment) -> dict[str, str]:
    """What a commenter can be blocked by: {kind: value} for those the comment has."""
    found = {
        BlockedCommenter.Kind.NAME: comment.author_name.strip(),
        BlockedCommenter.Kind.EMAIL: comment.email.strip(),
        BlockedCommenter.Kind.ADDRESS: comment.ip_address or "",
    }
    return {kind: value for kind, value in found.items() if value}


def _matching(kind: str, values: set[str]) -> Q:
    field_name = {"name": "author_name", "email": "email", "address": "ip_address"}[kind]
    if kind == BlockedCommenter.Kind.ADDRESS:
        return Q(ip_address__in=values)
    return Q(**{f"upper_{field_name}__in": {value.upper() for value in values}})


@dataclass
class Blocked:
    added: list[BlockedCommenter]
    already: int  # of the blocks asked for, already in place
    marked_spam: int


def block_commenters(
    blocks: Iterable[tuple[str, str]], *, user, note: str = "", mark_spam: bool = False
) -> Blocked:
    """Block each (kind, value); with `mark_spam`, their comments written on
    the site that are published, pending or removed become spam too."""
    wanted = {(kind, value.strip()) for kind, value in blocks if value.strip()}
    with transaction.atomic():
        existing = {
            (kind, upper)
            for kind, upper in BlockedCommenter.objects.annotate(
                upper_value=Upper("value")
            ).values_list("kind", "upper_value")
        }
        added = [
            BlockedCommenter(kind=kind, value=value, note=note, created_by=user.get_username())
            for kind, value in sorted(wanted)
            if (kind, value.upper()) not in existing
        ]
        BlockedCommenter.objects.bulk_create(added, ignore_conflicts=True)
        marked = 0
        if mark_spam and wanted:
            condition = Q()
            for kind in {kind for kind, _ in wanted}:
                condition |= _matching(kind, {value for k, value in wanted if k == kind})
            theirs = (
                Comment.objects.written_here()
                .annotate(upper_author_name=Upper("author_name"), upper_email=Upper("email"))
                .filter(condition)
            )
            marked = len(moderate(theirs, "spam", user=user).changed)
    return Blocked(added, len(wanted) - len(added), marked)


# Privacy -------------------------------------------------------------------


PERSONAL_FIELDS = ("email", "website", "ip_address")


def commenters_comments(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """Every comment written on the site by the commenters of `comments`: the
    same email, ignoring case, or, for those who gave none, these comments."""
    emails = {email.upper() for email in comments.exclude(email="").values_list("email", flat=True)}
    return (
        Comment.objects.written_here()
        .annotate(upper_email=Upper("email"))
        .filter(Q(upper_email__in=emails) | Q(pk__in=comments.values("pk")))
    )


def personal_data(comments: QuerySet[Comment]) -> list[dict]:
    """What the site keeps about the commenters of `comments`, for them to take away."""
    rows = (
        commenters_comments(comments)
        .select_related("post")
        .order_by("posted", "pk")
        .only("pk", "author_name", "email", "website", "ip_address", "body", "posted",
              "status", "post__title", "post__slug", "post__published")
    )  # fmt: skip
    return [
        {
            "comment": comment.pk,
            "post": comment.post.title,
            "url": reverse("comments:post-page", kwargs=comment.post.url_kwargs()),
            "posted": comment.posted.isoformat(),
            "status": comment.status,
            "name": comment.author_name,
            "email": comment.email,
            "website": comment.website,
            "address": comment.ip_address or "",
            "text": comment.body,
        }
        for comment in rows
    ]


@transaction.atomic
def erase_personal_data(comments: QuerySet[Comment], *, user) -> int:
    """Blank the email, website and address of every comment of these
    commenters. Their names and words stay where they were published."""
    theirs = list(
        commenters_comments(comments).select_for_update().only("pk", "author_name", "posted_text")
    )
    Comment.objects.filter(pk__in=[c.pk for c in theirs]).update(
        email="", website="", ip_address=None
    )
    _log(user, theirs, lambda c: "Erased the commenter's email, website and address.")
    return len(theirs)


def expire_addresses(*, now: datetime | None = None) -> int:
    """Forget the address of each comment written more than
    COMMENTS_ADDRESS_DAYS ago. Returns how many were forgotten."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.COMMENTS_ADDRESS_DAYS)
    return Comment.objects.filter(ip_address__isnull=False, created_at__lt=cutoff).update(
        ip_address=None
    )
