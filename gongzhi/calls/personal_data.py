"""A caller's calls as their personal data (个人信息保护法): 我的数据 lists the calls from the account's phone, closing
the account erases their number, and every call's number goes once the retention period has passed (第19条).

A call keeps its times, state and operator after its number goes: the hotline's metrics (接通率, the 15-second answer
rate) count every call. The recording link goes with the number, since the recording is the caller's voice.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.conf import setting
from gongzhi.core.fieldcrypt import blind_index
from gongzhi.core.models import User, append_audit_event

from .models import Call, CallEvent


def _from(phone: str | None):
    return Call.objects.filter(caller_bidx=blind_index(phone)) if phone else Call.objects.none()


def export(user: User) -> list[dict]:
    return [
        {
            "来电时间": timezone.localtime(call.ringing_at).strftime("%Y-%m-%d %H:%M")
            if call.ringing_at
            else "",
            "状态": call.get_state_display(),
            # A number can be recycled or lent: name the appeal only when it is the person's own.
            "登记的诉求": call.appeal.number if call.appeal and call.appeal.appellant_id == user.pk else "",
        }
        for call in _from(user.phone).select_related("appeal").order_by("ringing_at", "pk")
    ]


def _forget(calls) -> int:
    """Erase the number and the recording link of `calls`, and any copy of the link an event's payload kept (events
    received before payloads left it out)."""
    for event in CallEvent.objects.filter(call__in=calls, payload__has_key="recording_url"):
        event.payload.pop("recording_url")
        event.save(update_fields=["payload"])
    return calls.update(caller="", caller_bidx="", recording_url="")


def erase(user: User) -> int:
    """Closing the account: the number (and recording link) of every call from the account's phone goes."""
    return _forget(_from(user.phone))


def apply_retention(now=None, batch: int = 500) -> int:
    """Forget the number of calls that rang more than RETENTION_YEARS ago (the appeals' period), `batch` at a time;
    idempotent and resumable (a forgotten call has no number left to find). Audited once per batch."""
    now = now or timezone.now()
    years = int(setting("RETENTION_YEARS"))
    with transaction.atomic():
        # skip_locked: a second run started beside a long first one takes other calls, not the same ones twice.
        due = list(
            Call.objects.select_for_update(skip_locked=True)
            .filter(ringing_at__lt=now - timedelta(days=365 * years))
            .filter(~Q(caller_bidx="") | ~Q(recording_url=""))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not due:
            return 0
        count = _forget(Call.objects.filter(pk__in=due))
        append_audit_event(
            None,
            "call_retention",
            target="calls",
            note=_("来电满%(n)s年，依保存期限删除来电号码和录音地址") % {"n": years},
            after={"calls": count, "first": due[0], "last": due[-1]},
        )
    return count
