from django.core.management.base import BaseCommand

from gongzhi.appeals import notices, services
from gongzhi.core.notifications import deliver_pending


class Command(BaseCommand):
    help = "催办/督办 every late step once, remind appellants to rate answers (idempotent), deliver notifications."

    def handle(self, *args, **options):
        issued = services.sweep_deadlines()
        reminded = notices.remind_callbacks()
        delivered = deliver_pending()
        self.stdout.write(
            f"issued {issued} reminders/supervisions, reminded {reminded} appellants to rate, "
            f"delivered {delivered} notifications"
        )
