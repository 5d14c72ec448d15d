"""The Jinja2 environment of Django's "jinja2" template engine (config/settings.py)."""

from __future__ import annotations

from django.template import engines
from django.template.backends.jinja2 import Jinja2
from jinja2 import Environment


def jinja2_environment() -> Environment:
    engine = engines["jinja2"]
    assert isinstance(engine, Jinja2)
    return engine.env
