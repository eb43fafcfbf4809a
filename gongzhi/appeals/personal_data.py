"""The appeals' part of a person's data (core.personal_data) and the retention rule (issue K item 6).

A resident who closes their account keeps nothing of theirs in the appeals they filed: the appellant's name,
numbers and ID number are removed and the texts redacted (core.redaction); the appeals themselves stay, for the
county's records and the three rates. `apply_retention` does the same to every appeal closed more than
GONGZHI_RETENTION_YEARS ago (default 5) and deletes attachments older than GONGZHI_ATTACHMENT_RETENTION_YEARS
(default 3) of closed appeals. Every change is an event in the appeal's chain."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.conf import setting
from gongzhi.core.personal_data import ANONYMOUS_NAME
from gongzhi.core.redaction import redact_appeal

from .models import Appeal, Attachment
from .services import record_event


def export(user) -> list[dict]:
    rows = []
    for appeal in (
        Appeal.objects.filter(appellant=user).select_related("category", "region").order_by("received_at")
    ):
        rows.append(
            {
                "编号": appeal.number,
                "标题": appeal.title,
                "内容": appeal.content,
                "状态": appeal.get_state_display(),
                "分类": str(appeal.category or ""),
                "区域": appeal.region.full_name() if appeal.region else "",
                "地址": appeal.address,
                "联系电话": appeal.appellant_phone,
                "另留电话": appeal.contact_phone,
                "身份证号": appeal.appellant_id_number,
                "提交时间": timezone.localtime(appeal.received_at).strftime("%Y-%m-%d %H:%M"),
                "答复": appeal.reply_text,
                "附件": "、".join(appeal.attachments.values_list("name", flat=True)),
            }
        )
    return rows


def _anonymise(appeal: Appeal, actor, action: str, note: str) -> None:
    """Remove the appellant's personal data from one appeal (the caller holds its row lock)."""
    title, content = redact_appeal(appeal)
    changed = {
        "appellant_name": ANONYMOUS_NAME if appeal.appellant_name else "",
        "appellant_phone": "",
        "contact_phone": "",
        "appellant_id_number": "",
        "title": title[:200],
        "content": content,
        "anonymised_at": timezone.now(),
    }
    for field, value in changed.items():
        setattr(appeal, field, value)
    appeal.save(update_fields=list(changed))
    record_event(
        appeal, actor, action, note=note, after={"anonymised": sorted(set(changed) - {"anonymised_at"})}
    )


def erase(user) -> int:
    """Anonymise the appeals the person filed (they stay, nameless)."""
    count = 0
    for appeal_id in (
        Appeal.objects.filter(appellant=user, anonymised_at__isnull=True)
        .values_list("pk", flat=True)
        .order_by("pk")
    ):
        with transaction.atomic():
            appeal = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal_id)
            _anonymise(appeal, None, "anonymise_closed_account", _("诉求人注销账号，个人信息已删除"))
            count += 1
    return count


def apply_retention(now=None, batch: int = 500) -> dict:
    """Anonymise appeals closed more than the retention period ago, and delete old attachments of closed appeals.
    Idempotent (an anonymised appeal has no personal data left to find); resumable by running again."""
    now = now or timezone.now()
    years = int(setting("RETENTION_YEARS"))
    attachment_years = int(setting("ATTACHMENT_RETENTION_YEARS"))
    counts = {"anonymised": 0, "attachments_deleted": 0}
    due = (
        Appeal.objects.filter(closed_at__lt=now - timedelta(days=365 * years), anonymised_at__isnull=True)
        .values_list("pk", flat=True)
        .order_by("pk")[:batch]
    )
    for appeal_id in list(due):
        with transaction.atomic():
            appeal = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal_id)
            _anonymise(
                appeal,
                None,
                "anonymise_retention",
                _("办结满%(n)s年，依保存期限删除诉求人个人信息") % {"n": years},
            )
            counts["anonymised"] += 1
    old = (
        Attachment.objects.filter(appeal__closed_at__lt=now - timedelta(days=365 * attachment_years))
        .select_related("appeal")
        .order_by("pk")[:batch]
    )
    for attachment in list(old):
        with transaction.atomic():
            appeal = Appeal.objects.select_for_update(of=("self",)).get(pk=attachment.appeal_id)
            name = attachment.name
            attachment.file.delete(save=False)
            attachment.delete()
            record_event(
                appeal,
                None,
                "attachment_retention",
                note=_("办结满%(n)s年，附件“%(name)s”已按保存期限删除")
                % {"n": attachment_years, "name": name},
            )
            counts["attachments_deleted"] += 1
    return counts
