from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.audit import reseal_all


class Command(BaseCommand):
    help = (
        "Once, after upgrading a database written before keyed chains and chain heads: seal every chain again "
        "under the audit key (GONGZHI_AUDIT_KEY) and record its head. A chain that was already broken is left "
        "as it is and named."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = reseal_all(log=self.stdout.write if options["verbosity"] > 1 else None)
        self.stdout.write(f"chains sealed again: {done['resealed']}; heads recorded: {done['headed']}")
        for label, key in done["broken"]:
            self.stdout.write(
                f"BROKEN {label} chain {key or '(global)'}: verifies under neither hash; left as is"
            )
        if done["broken"]:
            raise CommandError(f"{len(done['broken'])} broken chain(s) left as they were")
