"""Full-text search over posts and comments.

PostgreSQL does the work: each table keeps a stored, generated `tsvector`
(`SearchDocument`) under a GIN index, and a query is parsed with
`websearch_to_tsquery`, so readers can write "exact phrases", `or` and
`-word` as they do elsewhere.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db.models import Func
from django.utils.deconstruct import deconstructible

# The captures are English blogs: stemming and stop words for English.
SEARCH_CONFIG = "english"


@deconstructible(path="posts.fulltext.SearchDocument")
class SearchDocument(Func):
    """setweight(to_tsvector(column), weight) || … for each (column, weight).

    Written out rather than built from SearchVector so that the expression is
    plain SQL a generated column accepts.
    """

    output_field = SearchVectorField()

    def __init__(self, *expressions, weights: str):
        if len(weights) != len(expressions):
            raise ValueError("One weight (A–D) for each expression.")
        super().__init__(*expressions, weights=weights)
        self.weights = weights

    def as_sql(  # type: ignore[override]  # takes no function, template or joiner
        self, compiler, connection, **extra_context
    ):
        parts, params = [], []
        for expression, weight in zip(self.get_source_expressions(), self.weights, strict=True):
            sql, expression_params = compiler.compile(expression)
            parts.append(
                f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE({sql}, '')), "
                f"'{weight}')"
            )
            params.extend(expression_params)
        return "(" + " || ".join(parts) + ")", params


# The search columns' index. Early migrations name it by this path.
SearchIndex = GinIndex
