from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import ServiceError
from gongzhi.core.masking import mask_phone
from gongzhi.core.services import normalize_phone


class Command(BaseCommand):
    help = (
        "Take an SMS from a resident's number as if the provider had pushed it (上行短信): for development and the "
        "demo, where the console gateway has no provider to reply through. e.g. `gongzhi sms_receive 13800138000 1`"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phone")
        parser.add_argument("text")

    def handle(self, *args: Any, phone: str, text: str, **options: Any) -> None:
        from gongzhi.core.sms.views import receive

        try:
            phone = normalize_phone(phone)
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        inbound = receive("console", phone=phone, text=text)
        self.stdout.write(f"{mask_phone(phone)}: {inbound.handled or '未关联诉求'} {inbound.ref}")
