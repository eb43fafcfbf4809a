from django.core.management.base import BaseCommand

from gongzhi.appeals import services
from gongzhi.core.notifications import deliver_pending


class Command(BaseCommand):
    help = "催办/督办 every late step once (idempotent) and deliver pending notifications."

    def handle(self, *args, **options):
        issued = services.sweep_deadlines()
        delivered = deliver_pending()
        self.stdout.write(f"issued {issued} reminders/supervisions, delivered {delivered} notifications")
