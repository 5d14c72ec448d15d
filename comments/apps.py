from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self) -> None:
        from posts.counts import months_recut

        months_recut.connect(_count_people_again)


def _count_people_again(using: str, **kwargs) -> None:
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute("SELECT comments_people_rebuild()")
