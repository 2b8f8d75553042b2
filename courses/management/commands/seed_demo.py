"""``manage.py seed_demo [--scale N]``: load the invented demo district.

Safe to run again: when the demo coordinator already exists it only prints
the logins. The data itself is built in ``courses/demo_data.py``.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from courses import demo_data


class Command(BaseCommand):
    help = (
        "Load demo data (providers, venues, ~40 courses with sessions, ~60 learners, "
        "coaches and bookings with waiting lists) and print the demo logins. "
        "Does nothing if the demo data is already there."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply courses, learners and bookings by N (for benchmarks).",
        )
        parser.add_argument(
            "--url",
            default=demo_data.APP_URL,
            help="Where the app will run, for the printed links (make run passes HOST and PORT).",
        )

    def handle(self, *args, scale: int, url: str, **options):
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        if demo_data.demo_exists():
            self.stdout.write("Demo data is already loaded; nothing to do.")
            self.stdout.write(demo_data.logins_text(url))
            return
        self.stdout.write(f"Loading demo data (scale {scale}) ...")
        started = time.monotonic()
        try:
            stats = demo_data.seed(scale=scale, log=self.stdout.write)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s:"))
        self.stdout.write(demo_data.summary_text(stats))
        self.stdout.write(demo_data.logins_text(url))
