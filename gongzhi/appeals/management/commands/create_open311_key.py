from django.core.management.base import BaseCommand, CommandError

from gongzhi.appeals.open311.models import Open311Key


class Command(BaseCommand):
    help = "Create an Open311 API key and print it once (only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--scope",
            choices=["submit", "private"],
            default="submit",
            help="private: the key also reads full records (personal data), every read audited",
        )

    def handle(self, *args, name, scope="submit", **options):
        if not name.strip():
            raise CommandError("name must not be empty")
        key, raw = Open311Key.issue(name, scope=scope)
        self.stdout.write(raw)
        self.stderr.write(
            f"key #{key.pk} «{key.name}» created (scope {key.scope}); it is shown only this once"
        )
