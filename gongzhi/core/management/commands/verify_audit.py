from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.audit import broken_links


class Command(BaseCommand):
    help = "Walk every hash chain of the audit trail and name the first broken link of each chain."

    def handle(self, *args, **options):
        problems = 0
        for model, subject, event, reason in broken_links():
            problems += 1
            where = f"{model._meta.label}" + (f" chain {subject}" if subject is not None else "")
            if reason == "head":
                self.stdout.write(f"BROKEN {where}: the chain head does not match its last event (events removed)")
            else:
                what = "altered content" if reason == "content" else "link to the previous event broken"
                self.stdout.write(f"BROKEN {where}: first broken event id={event.pk} "
                                  f"({event.action} at {event.created_at:%Y-%m-%d %H:%M:%S}): {what}")
        if problems:
            raise CommandError(f"{problems} broken chain(s)")
        self.stdout.write("audit trail intact: every chain verifies")
