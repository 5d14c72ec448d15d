"""Choose the PostgreSQL server for the tests, print DATABASE_URL for it.

The server DATABASE_URL names; with none set, the one at 127.0.0.1:5432 if it
answers, and otherwise the checkout's embedded server ("embedded"). Says on
stderr, in one line, which it uses; exits 1 if a named server does not answer.
"""

import os
import sys

import environ
import psycopg

LOCAL = "postgres://postgres@127.0.0.1:5432/afterword"


def answers(url: str) -> str | None:
    """None if the server answers, else why not."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL is not a PostgreSQL URL"
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
        return str(error).strip().splitlines()[0]
    return None


named = os.environ.get("DATABASE_URL", "")
if named == "embedded":
    chosen, said = named, "the embedded server (DATABASE_URL=embedded)"
elif named:
    if problem := answers(named):
        sys.exit(f"bin/test: no PostgreSQL answers at DATABASE_URL={named} ({problem}).")
    chosen, said = named, f"the server DATABASE_URL names ({named})"
elif answers(LOCAL) is None:
    chosen, said = LOCAL, "the PostgreSQL server at 127.0.0.1:5432"
else:
    chosen, said = "embedded", "the embedded server (none answers at 127.0.0.1:5432)"
print(f"bin/test: testing on {said}", file=sys.stderr)
print(chosen)
