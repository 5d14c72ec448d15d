from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PostsConfig(AppConfig):
    name = "posts"

    def ready(self) -> None:
        post_migrate.connect(_sync_zone, sender=self)


def _sync_zone(using: str, plan=None, **kwargs) -> None:
    from django.db import connections

    from posts.counts import sync_zone

    if "posts_month_zone" in connections[using].introspection.table_names():
        sync_zone(using)
