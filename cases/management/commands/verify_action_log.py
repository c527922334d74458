from django.core.management.base import BaseCommand, CommandError

from cases.actionlog import log_verify
from cases.models import ActionLog


class Command(BaseCommand):
    help = "Recompute the action log's hash chains and report any entry that was altered."

    def handle(self, *args, **options):
        problems = log_verify()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"The action log fails verification: {len(problems)} problem(s).")
        self.stdout.write(f"Action log intact: {ActionLog.objects.count()} entries verified.")
