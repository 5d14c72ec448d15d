"""Exit 0 if the PostgreSQL server DATABASE_URL names answers; else say why."""

import os
import sys

import environ
import psycopg

config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
if config["ENGINE"] != "django.db.backends.postgresql":
    sys.exit("DATABASE_URL is not a PostgreSQL URL")
try:
    psycopg.connect(
        dbname="postgres",  # the server's own database: the test database may not exist yet
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        connect_timeout=3,
    ).close()
except psycopg.Error as error:
    sys.exit(str(error).strip().splitlines()[0])
