from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import ServiceError
from gongzhi.core.models import User
from gongzhi.credit.discretion import import_benchmarks


class Command(BaseCommand):
    help = (
        "Import a table of 行政处罚裁量基准 (.xlsx or .csv, the columns the admin's import page lists) as the "
        "given admin or credit officer."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as", dest="username", required=True, help="an admin or credit officer's username"
        )
        parser.add_argument("--source", default="", help="the publishing authority and document")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {options['username']!r}")
        try:
            counts = import_benchmarks(
                actor, options["file"].read_bytes(), options["file"].name, source=options["source"]
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"benchmarks: {counts['benchmarks']}; grades: {counts['bands']}")
