"""The database a benchmark creates afresh on every run.

BENCH_DATABASE_URL names it; by default it is the benchmark's own database on
the server DATABASE_URL names (127.0.0.1:5432 when that is unset or is the
embedded server), so that two benchmarks can run side by side.
"""

from __future__ import annotations

import os

import psycopg

LOCAL_SERVER = "postgres://postgres@127.0.0.1:5432"


def bench_database_url(default_name: str) -> str:
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    server = os.environ.get("DATABASE_URL", "")
    server = server.rsplit("/", 1)[0] if server.startswith("postgres") else LOCAL_SERVER
    return f"{server}/{default_name}"


def recreate(url: str) -> None:
    """Drop the database `url` names, if it exists, and create it empty."""
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
