"""Django's PostgreSQL backend, connecting to the embedded server (started on demand)."""

from config import embedded_postgres
from config.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"] = embedded_postgres.socket_dir()
        return params
