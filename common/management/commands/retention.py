"""``manage.py retention [--list]``: run the retention rules now, as the nightly
beat task does, and print what each removed. Safe to run again (or while the
nightly run is going): nothing is removed twice."""

from django.core.management.base import BaseCommand, CommandError

from common import retention, services


class Command(BaseCommand):
    help = (
        "Run the retention rules (GDPR Art. 5(1)(e)) now and print what each removed; "
        "--list only prints the rules and their periods."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="Print the rules, run none.")

    def handle(self, *args, list: bool, **options):
        if list:
            for rule in retention.rules():
                self.stdout.write(
                    f"{rule.key}: {rule.period} {rule.unit} ({rule.setting}) — {rule.what_happens}"
                )
            return
        run = services.run_retention()
        for rule in retention.rules():
            if rule.key in run.errors:
                self.stderr.write(f"{rule.key}: FAILED — {run.errors[rule.key]}")
            if rule.key in run.removed:
                self.stdout.write(f"{rule.key}: {run.removed[rule.key]} removed")
        self.stdout.write(f"Retention run {run.pk} finished.")
        if run.errors:
            raise CommandError(f"{len(run.errors)} rule(s) failed; see the log and run {run.pk}.")
