"""Following a conversation by e-mail: subscriptions with double opt-in, the
reply notifications, and unsubscribing in one click.

Nothing is sent inside a request: the tasks below run in a worker
(`manage.py db_worker`, Django's tasks API with django-tasks-db's queue),
or at once where TASKS_IMMEDIATE is on. A comment is told to an address at
most once (the Notification rows' unique constraint, whatever the number of
workers), an unconfirmed or stopped address is never mailed, and the replies
that reach one address in one thread within COMMENTS_DIGEST_SECONDS go out
as one message.
"""

from __future__ import annotations

import contextlib
import smtplib
from datetime import timedelta
from email import policy as email_policy

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.tasks import default_task_backend, task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from comments.models import (
    Comment,
    MailAddress,
    ModeratorMail,
    Notification,
    Status,
    Subscription,
    email_in,
    email_is,
)
from posts.models import Post

_SALT = "comments.mail"
CONFIRM_DAYS = 7
RETRIES = 5
DELIVERY_BATCH = 100
UNSUBSCRIBED_ALL = "unsubscribed from everything"


def _unsubscribe_signer() -> signing.Signer:
    return signing.Signer(salt=f"{_SALT}.unsubscribe")  # the key as configured now


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def one_line(text: str) -> str:
    """Text fit for a mail header: what a name or title wrote, with no line breaks."""
    return " ".join(text.split())


# Signed links ----------------------------------------------------------------


def confirm_url(address: MailAddress) -> str:
    value = signing.dumps({"a": address.pk, "e": address.email.lower()}, salt=f"{_SALT}.confirm")
    return absolute(reverse("comments:confirm", args=[value]))


def unsubscribe_url(email: str, post_id: int | None) -> str:
    """This thread's unsubscribe link, or everything's (post_id None). It never expires."""
    # No time in it: the same link in every message, working for ever.
    value = _unsubscribe_signer().sign_object({"e": email.lower(), "p": post_id}, compress=True)
    return absolute(reverse("comments:unsubscribe", args=[value]))


def read_confirmation(value: str) -> MailAddress | None:
    try:
        data = signing.loads(value, salt=f"{_SALT}.confirm", max_age=timedelta(days=CONFIRM_DAYS))
    except signing.BadSignature:  # forged, altered or expired
        return None
    return MailAddress.objects.filter(email_is(data.get("e", "")), pk=data.get("a")).first()


def read_unsubscription(value: str) -> tuple[str, int | None] | None:
    try:
        data = _unsubscribe_signer().unsign_object(value)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    return data["e"], data.get("p")


# Subscribing -----------------------------------------------------------------


def subscribe(*, email: str, post, kind: str) -> None:
    """Follow `post` from `email`; the address confirms first if it never has."""
    with transaction.atomic():
        Subscription.objects.filter(email_is(email)).update_or_create(
            post=post, defaults={"kind": kind, "ended_at": None},
            create_defaults={"email": email, "post": post, "kind": kind},
        )  # fmt: skip
        address = MailAddress.objects.select_for_update().filter(email_is(email)).first()
        if address is None:
            address = MailAddress.objects.create(email=email)
        if address.stop_reason == UNSUBSCRIBED_ALL:
            # Asked again, on the form: a fresh start, confirmed afresh.
            address.stopped_at, address.stop_reason, address.confirmed_at = None, "", None
        if address.stopped_at is None and address.confirmed_at is None:
            recently = timezone.now() - timedelta(days=1)
            if address.confirmation_sent_at is None or address.confirmation_sent_at < recently:
                address.confirmation_sent_at = timezone.now()
                pk = address.pk
                transaction.on_commit(lambda: send_confirmation.enqueue(pk))
        address.save()


def confirm(address: MailAddress) -> None:
    MailAddress.objects.filter(pk=address.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )


def unsubscribe(email: str, post_id: int | None) -> None:
    now = timezone.now()
    if post_id is None:
        MailAddress.objects.filter(email_is(email)).update(
            stopped_at=now, stop_reason=UNSUBSCRIBED_ALL
        )
        Subscription.objects.filter(email_is(email), ended_at__isnull=True).update(ended_at=now)
    else:
        Subscription.objects.filter(email_is(email), post_id=post_id, ended_at__isnull=True).update(
            ended_at=now
        )
    # What was waiting to go to them stays unsent.
    Notification.objects.filter(email_is(email), sent_at__isnull=True).filter(
        Q(post_id=post_id) if post_id is not None else Q()
    ).delete()


# Telling -----------------------------------------------------------------------


def published(comment: Comment) -> None:
    """Call when a comment written here becomes public: its notifications go
    out after the transaction commits."""
    if comment.is_imported:
        return
    pk = comment.pk
    transaction.on_commit(lambda: notify_comment.enqueue(pk))


def recipients(comment: Comment) -> set[str]:
    """Who is to hear of `comment`: the thread's followers, and the author of
    the comment it answers if they follow replies; never its own author, and
    only addresses that are confirmed and not stopped."""
    follows = Subscription.objects.filter(post_id=comment.post_id, ended_at__isnull=True)
    wanted = Q(kind=Subscription.Kind.THREAD)
    if comment.parent_id is not None:
        parent_email = (
            Comment.objects.filter(pk=comment.parent_id).values_list("email", flat=True).first()
        )
        if parent_email:
            wanted |= Q(email_is(parent_email))
    emails = {email.lower() for email in follows.filter(wanted).values_list("email", flat=True)}
    emails.discard(comment.email.lower())
    if not emails:
        return set()
    # Only these addresses, on the unique index of lower-cased emails.
    allowed = MailAddress.objects.filter(
        email_in(emails), confirmed_at__isnull=False, stopped_at__isnull=True
    )
    return set(allowed.values_list(Lower("email"), flat=True))


@task
def notify_comment(comment_id: int) -> int:
    """Queue one notification per recipient of a published comment."""
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None or not comment.is_published:
        return 0
    emails = sorted(recipients(comment))
    if not emails:
        return 0
    # One statement for all of them. An address told already (by a second
    # worker, or when the comment is approved again) is skipped by the
    # unique constraint, and only the rows written here are queued.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Notification._meta.db_table}"
            " (comment_id, post_id, email, created_at, attempts, error)"
            " SELECT %s, %s, email, now(), 0, '' FROM unnest(%s::text[]) AS email"
            " ON CONFLICT DO NOTHING RETURNING email",
            [comment.pk, comment.post_id, emails],
        )
        queued = sorted(email for (email,) in cursor.fetchall())
    _enqueue_batches(comment.post_id, queued)
    return len(queued)


def _backend_defers() -> bool:
    return default_task_backend.supports_defer


@task
def deliver_batch(post_id: int, emails: list[str]) -> int:
    """Send what waits for each of `emails` in the thread of `post_id`, over
    one connection to the mail server. Returns how many comments it told of."""
    return _deliver(post_id, emails)


@task
def deliver(post_id: int, email: str) -> int:
    """deliver_batch() for one address: a digest's or a retry's later turn."""
    return _deliver(post_id, [email])


def requeue_stalled(*, older_than: timedelta = timedelta(minutes=15)) -> int:
    """Queue again what waits unsent for longer than it should: a worker
    killed in the middle of a batch leaves its rest here. Delivering twice
    is harmless (what is sent is marked so under a row lock). Returns how
    many addresses are queued again."""
    waiting: dict[int, set[str]] = {}
    for post_id, email in Notification.objects.filter(
        sent_at__isnull=True, attempts__lt=RETRIES, created_at__lt=timezone.now() - older_than
    ).values_list("post_id", Lower("email")):
        waiting.setdefault(post_id, set()).add(email)
    for post_id, emails in waiting.items():
        _enqueue_batches(post_id, sorted(emails))
    return sum(len(emails) for emails in waiting.values())


def _enqueue_batches(post_id: int, emails: list[str]) -> None:
    # A task per batch of addresses, each sent over one SMTP connection: a
    # thousand followers are ten tasks, not a thousand.
    for start in range(0, len(emails), DELIVERY_BATCH):
        deliver_batch.enqueue(post_id, emails[start : start + DELIVERY_BATCH])


def _deliver(post_id: int, emails: list[str]) -> int:
    """What the addresses' checks need is read once for the batch (who may be
    mailed, when each was last told here); then each address's waiting rows
    are locked, sent and marked in a transaction of their own, so a worker
    killed mid-batch has marked all it sent but the message in flight."""
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        return 0
    emails = sorted({email.lower() for email in emails})
    addresses = {a.email.lower(): a for a in MailAddress.objects.filter(email_in(emails))}
    last_told = dict(
        Notification.objects.filter(email_in(emails), post_id=post_id, sent_at__isnull=False)
        .values(lowered=Lower("email"))
        .annotate(last=Max("sent_at"))
        .values_list("lowered", "last")
    )
    digest = timedelta(seconds=settings.COMMENTS_DIGEST_SECONDS)
    told = 0
    mailer = mailers.default
    # If the server cannot be reached now, each message tries again, and is
    # retried later if it fails.
    with contextlib.suppress(smtplib.SMTPException, OSError):
        mailer.open()
    try:
        for email in emails:
            address, last = addresses.get(email), last_told.get(email)
            with transaction.atomic():
                told += _deliver_one(post, email, address, last, digest, mailer)
    finally:
        mailer.close()
    return told


def _deliver_one(post, email: str, address, last, digest: timedelta, mailer) -> int:
    now = timezone.now()
    pending = list(
        Notification.objects.filter(email_is(email), post_id=post.pk, sent_at__isnull=True)
        # Another worker has these: leave them. Only these rows: every one
        # shares its comment and post with other addresses' rows.
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("comment")
        .order_by("comment__posted", "pk")
    )
    if not pending:
        return 0
    rows = Notification.objects.filter(pk__in=[n.pk for n in pending])
    if address is None or not address.mailable:
        rows.delete()
        return 0
    if last is not None and now - last < digest and _backend_defers():
        deliver.using(run_after=last + digest).enqueue(post.pk, email)
        return 0
    comments = [n.comment for n in pending if n.comment.is_published]
    try:
        if comments:
            mailer.send_messages([_message(address.email, post, comments)])
    except smtplib.SMTPRecipientsRefused as refusal:
        MailAddress.objects.filter(pk=address.pk).update(
            stopped_at=now, stop_reason=f"refused: {refusal}"[:200]
        )
        rows.delete()
        return 0
    except (smtplib.SMTPException, OSError) as error:
        attempts = pending[0].attempts + 1
        rows.update(attempts=attempts, error=str(error)[:1000])
        if attempts < RETRIES and _backend_defers():
            wait = timedelta(minutes=2**attempts)  # 2, 4, 8, 16 minutes
            transaction.on_commit(
                lambda: deliver.using(run_after=now + wait).enqueue(post.pk, email)
            )
        return 0
    rows.update(sent_at=now, attempts=pending[0].attempts + 1, error="")
    return len(comments)


class Mail(EmailMultiAlternatives):
    """Header lines up to RFC 5322's 998 characters, whatever policy the
    backend asks for: a List-Unsubscribe URL is one long word, which folding
    at 78 would turn into encoded words that mail clients do not read as a link."""

    def message(self, *, policy=email_policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def _message(email: str, post, comments: list[Comment]) -> EmailMultiAlternatives:
    thread_off = unsubscribe_url(email, post.pk)
    context = {
        "post": post,
        "comments": [(c, absolute(c.get_absolute_url())) for c in comments],
        "post_url": absolute(post.get_absolute_url()),
        "thread_off": thread_off,
        "all_off": unsubscribe_url(email, None),
        "site_name": settings.SITE_NAME,
    }
    if len(comments) == 1:
        subject = f"{one_line(comments[0].author_name)} wrote on “{one_line(post.title)}”"
    else:
        subject = f"{len(comments)} new comments on “{one_line(post.title)}”"
    message = Mail(
        subject=one_line(subject)[:200],
        body=render_to_string("comments/mail/notification.txt", context),
        to=[email],
        headers={
            "List-Unsubscribe": f"<{thread_off}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(
        render_to_string("comments/mail/notification.html", context), "text/html"
    )
    return message


@task
def send_confirmation(address_id: int) -> bool:
    """The one message an unconfirmed address ever gets."""
    address = MailAddress.objects.filter(pk=address_id).first()
    if address is None or address.confirmed_at is not None or address.stopped_at is not None:
        return False
    context = {"confirm_url": confirm_url(address), "site_name": settings.SITE_NAME,
               "days": CONFIRM_DAYS}  # fmt: skip
    message = Mail(
        subject=f"Confirm your address for {one_line(settings.SITE_NAME)}",
        body=render_to_string("comments/mail/confirm.txt", context),
        to=[address.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.send()
    return True


# Telling moderators ---------------------------------------------------------


def held(comment: Comment) -> None:
    """Call when a comment written here waits for a moderator."""
    if settings.COMMENTS_MODERATOR_MAIL:
        transaction.on_commit(lambda: tell_moderators.enqueue())


def moderators() -> list[str]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    return sorted(
        {user.email for user in users if user.has_perm("comments.change_comment")}, key=str.lower
    )


@task
def tell_moderators() -> int:
    """One message to the moderators that comments wait, at most one every
    COMMENTS_DIGEST_SECONDS, counting those held since the last."""
    now = timezone.now()
    window = timedelta(seconds=settings.COMMENTS_DIGEST_SECONDS)
    with transaction.atomic():
        mail, _ = ModeratorMail.objects.select_for_update().get_or_create(pk=1)
        if mail.next_at is not None and mail.next_at > now:
            return 0  # a digest is already queued
        if mail.last_sent_at is not None and now - mail.last_sent_at < window and _backend_defers():
            mail.next_at = mail.last_sent_at + window
            mail.save()
            when = mail.next_at
            transaction.on_commit(lambda: tell_moderators.using(run_after=when).enqueue())
            return 0
        waiting = Comment.objects.filter(status=Status.PENDING)
        new = waiting.filter(created_at__gt=mail.last_sent_at) if mail.last_sent_at else waiting
        count, recipients = new.count(), moderators()
        mail.next_at = None
        if count and recipients:
            queue = absolute(
                reverse("admin:comments_comment_changelist") + "?status__exact=pending"
            )
            context = {
                "count": count, "total": waiting.count(), "queue": queue,
                "latest": list(new.select_related("post").order_by("-created_at")[:10]),
                "site_name": settings.SITE_NAME,
            }  # fmt: skip
            waits = "comment awaits" if count == 1 else "comments await"
            Mail(
                subject=f"{count} new {waits} moderation on {one_line(settings.SITE_NAME)}",
                body=render_to_string("comments/mail/moderators.txt", context),
                to=recipients,
                headers={"Auto-Submitted": "auto-generated"},
            ).send()
            mail.last_sent_at = now
        mail.save()
    return count
