"""The kept connection's health check (config/postgresql): no round trip
while the server has said nothing, and a connection the server ended is
found before a request uses it."""

import select

import pytest
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
    its first query: the health check, and a new connection if it fails."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_connection_that_has_heard_nothing_is_kept_without_a_round_trip(kept, monkeypatch):
    checks = asked(monkeypatch)
    pid = kept.connection.info.backend_pid
    assert request_starts(kept) == pid
    assert request_starts(kept) == pid
    assert checks == []


def test_a_connection_the_server_ended_is_replaced_before_a_request_uses_it(kept, monkeypatch):
    checks = asked(monkeypatch)
    pid = kept.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server says why and closes the socket; wait for it to arrive.
    assert select.select([kept.connection.fileno()], [], [], 10)[0]
    new = request_starts(kept)
    assert new != pid
    assert len(checks) == 1  # the socket had something to read: asked as Django asks
