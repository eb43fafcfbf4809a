from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections, models

from gongzhi.core.fieldcrypt import current_key_id, key_ring, models_with_encrypted_fields, reseal_rows
from gongzhi.core.models import append_audit_event


class Command(BaseCommand):
    help = (
        "After putting a new key first in GONGZHI_FIELD_KEYS: re-encrypt every phone and ID number sealed under "
        "an older key (or still in clear text) with the newest key, in batches, each batch committed. Resumable: "
        "run it again after an interruption and it goes on where values are not yet under the newest key. Keep "
        "the old key in the ring until this has finished."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="rows per batch (default 1000)")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        ids = ", ".join(key_id for key_id, _key in key_ring())
        self.stdout.write(f"key ring: {ids}; sealing under {current_key_id()}")

        def progress(model: type[models.Model], last_pk: object, written: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {model._meta.label}: up to id {last_pk}, {written} rows re-encrypted")

        total = 0
        for model, names in models_with_encrypted_fields():
            # Outside a transaction every row's UPDATE commits on its own: a stop loses nothing already written.
            written = reseal_rows(model, names, connection, batch=options["batch"], progress=progress)
            total += written
            self.stdout.write(f"{model._meta.label} ({', '.join(names)}): {written} rows re-encrypted")
        append_audit_event(
            None,
            "rotate_field_keys",
            target="core.fieldcrypt",
            note=f"{total} rows re-encrypted under key {current_key_id()}",
        )
        self.stdout.write(f"done: {total} rows re-encrypted under key {current_key_id()}")
