"""Request ids for the logs, and the health check."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from django.db import DatabaseError, connection
from django.http import HttpResponse

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
# A proxy's id is kept when it looks like one; anything else is replaced.
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")


class RequestIdMiddleware:
    """Give every request an id (the proxy's X-Request-ID, or a new one),
    put it on every log line written while serving it, and send it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _VALID_ID.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class HealthCheckMiddleware:
    """GET /healthz: 200 when the database answers, 503 when it does not.

    Answered before any other middleware: a load balancer polling every
    second by IP address needs no host check, HTTPS redirect or session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != "/healthz":
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as error:
            logging.getLogger("afterword.health").warning("database unavailable: %s", error)
            return _plain(503, "database unavailable\n")
        return _plain(200, "ok\n")


def _plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
