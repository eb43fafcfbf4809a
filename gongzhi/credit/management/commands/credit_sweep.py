import time

from django.core.management.base import BaseCommand

from gongzhi.core import outbox
from gongzhi.core.conf import setting
from gongzhi.core.notifications import deliver_pending
from gongzhi.credit import services


class Command(BaseCommand):
    help = (
        "Send due credit warnings, warn on G-2 deadlines, deliver the outbox to every credit platform and "
        "collect confirmations (idempotent). --loop repeats every SWEEP_INTERVAL_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")

    def handle(self, *args, loop=False, **options):
        while True:
            counts = services.sweep()
            counts["delivered"] = outbox.deliver_due()
            counts["notifications"] = deliver_pending()
            self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            if not loop:
                return
            time.sleep(setting("SWEEP_INTERVAL_SECONDS"))
