"""Full-text search over posts and comments.

PostgreSQL does the work: each table keeps a stored, generated `tsvector`
(`SearchDocument`) under a GIN index, and a query is parsed with
`websearch_to_tsquery`, so readers can write "exact phrases", `or` and
`-word` as they do elsewhere. On SQLite (the quick start only) the column is
NULL and search falls back to a case-insensitive substring match.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db.models import Func, Index
from django.utils.deconstruct import deconstructible

# The captures are English blogs: stemming and stop words for English.
SEARCH_CONFIG = "english"


@deconstructible(path="posts.fulltext.SearchDocument")
class SearchDocument(Func):
    """setweight(to_tsvector(column), weight) || … for each (column, weight).

    Written out rather than built from SearchVector so that the expression is
    plain SQL a generated column accepts, and so that SQLite gets NULL.
    """

    output_field = SearchVectorField()

    def __init__(self, *expressions, weights: str):
        if len(weights) != len(expressions):
            raise ValueError("One weight (A–D) for each expression.")
        super().__init__(*expressions, weights=weights)
        self.weights = weights

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression, weight in zip(self.get_source_expressions(), self.weights, strict=True):
            sql, expression_params = compiler.compile(expression)
            parts.append(
                f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE({sql}, '')), "
                f"'{weight}')"
            )
            params.extend(expression_params)
        return "(" + " || ".join(parts) + ")", params

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


class SearchIndex(GinIndex):
    """A GIN index on PostgreSQL; elsewhere an ordinary one, on a column that
    is NULL there (SQLite cannot build GIN)."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Index.create_sql(self, model, schema_editor, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)
