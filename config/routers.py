"""An optional read replica (DATABASE_REPLICA_URL).

Reads go to the replica, except where a reader must see their own write: the
request that writes (any method but GET, HEAD and OPTIONS), and the requests
of the same browser for a few seconds after it (the page it is redirected to
after posting a comment, above all), since a replica may lag behind.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

PIN_COOKIE = "primary"  # set after a write; while present, reads go to the primary
PIN_SECONDS = 10

_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)


@contextmanager
def pinned_to_primary():
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if settings.READ_REPLICA and not _pinned.get():
            return settings.READ_REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


class PrimaryPinMiddleware:
    SAFE = {"GET", "HEAD", "OPTIONS"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.READ_REPLICA:
            return self.get_response(request)
        writes = request.method not in self.SAFE
        if not (writes or PIN_COOKIE in request.COOKIES):
            return self.get_response(request)
        with pinned_to_primary():
            response = self.get_response(request)
        if writes:
            response.set_cookie(
                PIN_COOKIE, "1", max_age=PIN_SECONDS, secure=settings.SESSION_COOKIE_SECURE,
                httponly=True, samesite="Lax",
            )  # fmt: skip
        return response
