"""What a browser remembers of its reader: its own comments, by one clock."""

from datetime import timedelta

import pytest

from comments.readers import OWN_KEY, OwnComments
from tests.factories import PostFactory, reply

pytestmark = pytest.mark.django_db


def test_a_comment_may_be_changed_for_the_edit_window_after_it_was_posted(settings):
    settings.COMMENTS_EDIT_SECONDS = 900
    comment = reply(post=PostFactory())
    session = {}
    OwnComments(session).add(comment)
    assert OwnComments(session, now=comment.posted + timedelta(seconds=900)).may_change(comment)
    later = OwnComments(session, now=comment.posted + timedelta(seconds=901))
    assert not later.may_change(comment)
    assert comment.pk in later.ids  # still the reader's, shown to them as theirs


def test_only_the_browser_that_wrote_it_may_change_it():
    comment = reply(post=PostFactory())
    assert not OwnComments({}, now=comment.posted).may_change(comment)


def test_forgetting_and_the_older_session_form_of_the_list():
    post = PostFactory()
    first, second = reply(post=post), reply(post=post)
    session = {OWN_KEY: {str(first.pk): 1_700_000_000}}  # as sessions kept it before
    own = OwnComments(session)
    own.add(second)
    assert own.ids == {first.pk, second.pk}
    own.forget(first.pk)
    assert own.ids == {second.pk}
