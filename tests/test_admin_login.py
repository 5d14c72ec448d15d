"""The admin login takes a few guesses, not unlimited ones."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def moderator():
    return User.objects.create_superuser("moderator", "mod@example.org", "the-right-one")


def sign_in(client, password, username="moderator", address="203.0.113.9"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_after_five_wrong_passwords_even_the_right_one_is_refused(moderator, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200  # the form again, with its error
    assert sign_in(client, "wrong").status_code == 429  # the last one allowed locks
    locked = sign_in(client, "the-right-one")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert f"After {settings.AXES_FAILURE_LIMIT} wrong passwords" in locked.text
    assert "locked for 30 minutes" in locked.text
    assert "_auth_user_id" not in client.session


def test_a_user_name_is_locked_from_any_address_and_an_address_for_any_name(moderator, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "wrong", address=f"198.51.100.{n}")  # one name, many addresses
    assert sign_in(Client(), "the-right-one", address="192.0.2.1").status_code == 429
    User.objects.create_user("other", password="pw-of-other", is_staff=True)
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "wrong", username=f"guess{n}", address="192.0.2.50")  # one address
    refused = sign_in(Client(), "pw-of-other", username="other", address="192.0.2.50")
    assert refused.status_code == 429


def test_staff_see_lockouts_in_the_admin_and_can_lift_them(moderator, admin_client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "wrong")
    listed = admin_client.get("/admin/axes/accessattempt/")
    assert listed.status_code == 200
    assert "moderator" in listed.text
    for attempt in AccessAttempt.objects.all():
        admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    signed_in = sign_in(Client(), "the-right-one")
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/admin/"
