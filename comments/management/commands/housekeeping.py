from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from comments import queue
from comments.counts import fold_people
from comments.moderation import expire_addresses
from comments.notifications import requeue_stalled
from posts.counts import fold_months


class Command(BaseCommand):
    help = (
        "The chores (run it hourly from cron or a timer: docs/operations.md): forget the "
        "addresses of comments written more than COMMENTS_ADDRESS_DAYS ago, queue again the "
        "reply notifications a stopped worker left unsent, close the tasks it left running "
        "and forget the tasks that finished over two weeks ago, fold the counts the database "
        "keeps of posts per month and comments per name, and clear expired sessions."
    )

    def handle(self, **options):
        forgotten = expire_addresses()
        self.stdout.write(
            f"Forgot the address of {forgotten} comment(s) written over "
            f"{settings.COMMENTS_ADDRESS_DAYS} days ago."
        )
        requeued = requeue_stalled()
        self.stdout.write(
            f"Queued again the mail of {requeued} address(es) a stopped worker left unsent."
        )
        if queue.queued_in_database():
            closed, pruned = queue.close_abandoned(), queue.prune_finished()
            self.stdout.write(
                f"Closed {closed} task(s) a stopped worker left running; "
                f"forgot {pruned} finished task(s)."
            )
        folded = fold_months() + fold_people()
        self.stdout.write(f"Folded {folded} row(s) of counts.")
        expired = Session.objects.filter(expire_date__lt=timezone.now()).count()
        call_command("clearsessions")
        self.stdout.write(f"Cleared {expired} expired session(s).")
