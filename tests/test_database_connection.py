"""The kept connection's health check (config/postgresql): no round trip
while the server has said nothing, and a connection the server ended is
found before a request uses it."""

import select

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql import base as django_postgresql

from config.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept():
    """A second connection, as a worker keeps one between requests."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    assert isinstance(wrapper, DatabaseWrapper)
    assert wrapper.settings_dict["CONN_HEALTH_CHECKS"]
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def asked(monkeypatch) -> list:
    """The SELECT 1 checks Django's own backend makes, counted."""
    checks = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        checks.append(self)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return checks


def request_starts(wrapper):
    """What Django does to a kept connection at the start of a request, up to
    its first query: the health check, and a new connection if it fails.
    Returns the client connection the query went over."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    return wrapper.connection


def test_a_connection_that_has_heard_nothing_is_kept_without_a_round_trip(kept, monkeypatch):
    checks = asked(monkeypatch)
    first = kept.connection
    assert request_starts(kept) is first
    assert request_starts(kept) is first
    assert checks == []


@pytest.mark.skipif(
    settings.DATABASES[DEFAULT_DB_ALIAS]["DISABLE_SERVER_SIDE_CURSORS"],
    reason="behind a pooler (DATABASE_POOLER) the client's connection is the pooler's, "
    "which outlives the server process pg_terminate_backend ends",
)
def test_a_connection_the_server_ended_is_replaced_before_a_request_uses_it(kept, monkeypatch):
    checks = asked(monkeypatch)
    first = kept.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first.info.backend_pid])
    # The server says why and closes the socket; wait for it to arrive.
    assert select.select([first.fileno()], [], [], 10)[0]
    assert request_starts(kept) is not first
    assert first.closed
    assert len(checks) == 1  # the socket had something to read: asked as Django asks
