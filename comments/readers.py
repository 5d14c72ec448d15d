"""What a reader's browser remembers of them, in its session: the comments it
wrote, which it may still change, and the details to fill in next time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from comments.models import Comment
from comments.threads import ThreadEntry, visible_thread
from posts.times import clock

OWN_KEY = "comments.own"  # the ids of this browser's comments, newest last
DETAILS_KEY = "comments.details"  # the name and email to fill in next time
OWN_KEPT = 50


class OwnComments:
    """The comments this browser wrote. One may be changed (edited or
    deleted) for COMMENTS_EDIT_SECONDS after it was posted, by one clock:
    `now`, against the comment's own posted time."""

    def __init__(self, session, *, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or timezone.now()

    @classmethod
    def of(cls, request) -> OwnComments:
        return cls(request.session)

    def _stored(self) -> list[int]:
        return [int(pk) for pk in self.session.get(OWN_KEY, ())]  # ints, or older str keys

    @property
    def ids(self) -> set[int]:
        return set(self._stored())

    @property
    def editable_since(self) -> datetime:
        """Comments posted at or after this may still be changed."""
        return self.now - timedelta(seconds=settings.COMMENTS_EDIT_SECONDS)

    def may_change(self, comment: Comment) -> bool:
        return comment.pk in self.ids and comment.posted >= self.editable_since

    def add(self, comment: Comment) -> None:
        kept = [pk for pk in self._stored() if pk != comment.pk]
        self.session[OWN_KEY] = [*kept, comment.pk][-OWN_KEPT:]

    def forget(self, comment_id: int) -> None:
        self.session[OWN_KEY] = [pk for pk in self._stored() if pk != comment_id]


def is_moderator(user) -> bool:
    """Staff who may moderate comments: they see every comment in its place."""
    return user.is_active and user.is_staff and user.has_perm("comments.change_comment")


def thread_seen_by(request, post) -> list[ThreadEntry]:
    """The post's thread as this reader sees it: with their own held comments,
    and, for moderators, every comment in its place."""
    staff = is_moderator(request.user)
    own = OwnComments.of(request).ids
    return visible_thread(Comment.objects.thread(post), own=own, staff=staff)


def remembered_details(session) -> dict[str, str]:
    return dict(session.get(DETAILS_KEY, {}))


def remember_details(session, data: dict) -> None:
    session[DETAILS_KEY] = {key: data.get(key, "") for key in ("name", "email", "notify")}


def forget_details(session) -> None:
    session.pop(DETAILS_KEY, None)


def changeable_until(comment: Comment) -> datetime:
    return comment.posted + timedelta(seconds=settings.COMMENTS_EDIT_SECONDS)


def posted_message(comment: Comment, own: OwnComments) -> str:
    """What the reader is told once their comment is in."""
    until = clock(changeable_until(comment)) if own.may_change(comment) else ""
    if comment.is_published:
        words = "Your comment is published."
        if until:
            words += f" You can edit or delete it until {until}, unless someone replies."
        return words
    # Held or marked as spam: its author is told the same either way.
    words = "Thank you. Your comment is waiting for a moderator; until then only you can see it."
    if until:
        words += f" You can delete it until {until}."
    return words


def edited_message(comment: Comment) -> str:
    if comment.is_published:
        return "Your comment is updated."
    return "Your edit is waiting for a moderator; until then only you can see the comment."
