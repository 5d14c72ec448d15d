from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from comments.services import comments_purge


class Command(BaseCommand):
    help = (
        "Remove the rows of comments deleted more than --days ago (by a moderator or their "
        "author), keeping a record of each that moderators can read and that a re-import of "
        "the capture respects. Comments with replies are kept: their thread needs them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="deleted at least this long ago")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *, days, yes, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        if not yes:
            if not self.stdin_is_a_terminal():
                raise CommandError("Purging removes rows: confirm with --yes.")
            answer = input(f"Remove the rows of comments deleted over {days} days ago? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Nothing was purged.")
        purged, kept = comments_purge(deleted_before=timezone.now() - timedelta(days=days))
        self.stdout.write(f"Purged {purged} deleted comment(s); kept {kept} that have replies.")

    @staticmethod
    def stdin_is_a_terminal() -> bool:
        import sys

        return sys.stdin.isatty()
