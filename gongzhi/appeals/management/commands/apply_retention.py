from django.core.management.base import BaseCommand

from gongzhi.appeals.personal_data import apply_retention


class Command(BaseCommand):
    help = (
        "Apply the retention rule: remove the appellant's personal data from appeals closed more than "
        "GONGZHI_RETENTION_YEARS ago and delete attachments of appeals closed more than "
        "GONGZHI_ATTACHMENT_RETENTION_YEARS ago (in batches; run again to continue). The scheduler runs it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, **options):
        total = {"anonymised": 0, "attachments_deleted": 0}
        while True:
            done = apply_retention(batch=options["batch"])
            for key in total:
                total[key] += done[key]
            if not any(done.values()):
                break
        self.stdout.write(
            f"appeals anonymised: {total['anonymised']}; attachments deleted: {total['attachments_deleted']}"
        )
