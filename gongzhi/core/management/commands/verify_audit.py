from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.audit import CheckpointError, broken_links, describe_subject, read_checkpoint

REASONS = {
    "content": "altered content (or sealed without the audit key)",
    "link": "link to the previous event broken (an event removed or inserted before it)",
    "head": "the chain does not end where its head says (its last events removed, or events added after them)",
    "headless": "the chain has no head (written behind the services' back; a database from before keyed chains "
    "needs `gongzhi reseal_audit` once)",
    "gone": "the chain's head remains but every event of the chain is gone",
    "rewritten": "the chain no longer extends the signed checkpoint (rewritten since)",
    "shortened": "the chain is shorter than in the signed checkpoint (events removed since)",
}


class Command(BaseCommand):
    help = (
        "Walk every hash chain of the audit trail and name the first broken link of each chain; with "
        "--checkpoint, also check every chain against a signed checkpoint (gongzhi audit_checkpoint)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint", type=Path, help="a checkpoint file written by `gongzhi audit_checkpoint`"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = None
        if options["checkpoint"]:
            try:
                checkpoint = read_checkpoint(options["checkpoint"])
            except CheckpointError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"checkpoint of {checkpoint['created_at']}: signature verified")
        problems = 0
        for model, subject, event, reason in broken_links(checkpoint):
            problems += 1
            where = model._meta.label
            if subject != "":
                name = describe_subject(model, subject)
                where += f" chain {subject}" + (f" ({name})" if name else "")
            detail = REASONS[reason]
            if event is not None:
                detail = (
                    f"first broken event id={event.pk} ({event.action} at "
                    f"{event.created_at:%Y-%m-%d %H:%M:%S}): {detail}"
                )
            self.stdout.write(f"BROKEN {where}: {detail}")
        if problems:
            raise CommandError(f"{problems} broken chain(s)")
        self.stdout.write("audit trail intact: every chain verifies")
