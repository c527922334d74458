from django.core.management.base import BaseCommand, CommandError

from cases.actionlog import log_check


class Command(BaseCommand):
    help = (
        "Check the action log's whole hash chain: name the first broken entry by its sequence "
        "number (exit status 1), or print the head (sequence and hash) when intact."
    )

    def handle(self, *args, **options):
        result = log_check()
        if not result.intact:
            for problem in result.problems:
                self.stderr.write(problem.message)
            raise CommandError(
                f"The action log fails verification: first broken entry is sequence "
                f"{result.first_broken} ({len(result.problems)} problem(s) in all)."
            )
        self.stdout.write(f"Action log intact: {result.entries} entries verified.")
        self.stdout.write(f"Head: {result.head}")
