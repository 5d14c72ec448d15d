"""Django's PostgreSQL backend, with a health check that costs no round trip
while the server has said nothing.

CONN_HEALTH_CHECKS makes Django check a kept connection before its first
query in each request, with `SELECT 1`: a second round trip for a request
that needs one (a 304 reads one row). A server that ends a connection (a
restart, pg_terminate_backend, an idle timeout, a pooler closing its
client) sends an error and closes the socket, so a kept connection that
has heard nothing since its last answer is still open as far as asking
could tell; one whose socket has something to read is asked as Django
would ask it."""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        poll = select.poll()
        poll.register(connection.fileno(), select.POLLIN)
        if not poll.poll(0):
            return True  # nothing from the server since its last answer
        return super().is_usable()  # a message, an error or the end: SELECT 1
