"""Calls from the call centre's CTI (来电弹屏): events recorded once each, the operator's screen, the link from a call
to the appeal registered during it, and the hotline metrics GB/T 33358-2016 asks for that the events allow."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gongzhi.appeals.choices import OPEN_STATES, Channel
from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import User

from .models import Call, CallEvent, CallState, CtiKey, Seat

EVENTS = (CallState.RINGING, CallState.ANSWERED, CallState.ENDED)
ANSWER_SECONDS = 15  # GB/T 33358-2016: the share of calls answered within 15 seconds


def clean_number(raw) -> str:
    """The caller's number as digits (a mobile without +86 / 0086, a landline with its area code)."""
    digits = re.sub(r"[\s\-()]", "", str(raw or ""))
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit():
        raise ServiceError(_("来电号码只能包含数字。"), code="invalid", field="caller")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not 3 <= len(digits) <= 20:
        raise ServiceError(_("来电号码长度不正确。"), code="invalid", field="caller")
    return digits


def _when(raw):
    if raw in (None, ""):
        return timezone.now()
    parsed = parse_datetime(str(raw)) if isinstance(raw, str) else None
    if parsed is None:
        raise ServiceError(
            _("时间须为 ISO 8601 格式，如 2026-12-07T09:30:00+08:00。"), code="invalid", field="time"
        )
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def operator_for(agent_id: str) -> User | None:
    if not agent_id:
        return None
    seat = Seat.objects.select_related("user").filter(agent_id=agent_id).first()
    return seat.user if seat and seat.user.is_active else None


def record_call_event(key: CtiKey | None, data: dict) -> tuple[Call, bool]:
    """One event from the CTI. Returns (call, created); the same (call_id, event) again changes nothing."""
    if not isinstance(data, dict):
        raise ServiceError(_("请求体须为 JSON 对象。"), code="invalid")
    event = str(data.get("event") or "")
    if event not in EVENTS:
        raise ServiceError(_("event 须为 ringing、answered 或 ended。"), code="invalid", field="event")
    call_id = str(data.get("call_id") or "").strip()
    if not call_id or len(call_id) > 64:
        raise ServiceError(_("请提供通话ID（call_id，不超过64个字符）。"), code="invalid", field="call_id")
    caller = clean_number(data.get("caller"))
    agent_id = str(data.get("operator_id") or "").strip()[:32]
    at = _when(data.get("time"))
    recording = str(data.get("recording_url") or "").strip()
    if recording and (not re.match(r"^https?://", recording) or len(recording) > 500):
        raise ServiceError(_("录音地址须为 http(s) 网址。"), code="invalid", field="recording_url")
    # The number and the recording link are personal data kept once, on the call (encrypted; erased by
    # calls.personal_data): the event's copy of the request keeps only the rest.
    payload = {
        k: v
        for k, v in data.items()
        if k not in ("caller", "recording_url") and isinstance(v, str | int | float | bool)
    }
    try:
        with transaction.atomic():
            call, _new = Call.objects.select_for_update().get_or_create(
                call_id=call_id, defaults={"caller": caller, "ringing_at": at, "key": key}
            )
            if CallEvent.objects.filter(call=call, event=event).exists():
                return call, False
            CallEvent.objects.create(call=call, event=event, occurred_at=at, payload=payload)
            if agent_id:
                call.agent_id = agent_id
                call.operator = operator_for(agent_id) or call.operator
            if event == CallState.RINGING:
                call.ringing_at = at
            elif event == CallState.ANSWERED:
                call.answered_at = at
            else:
                call.ended_at = at
                if call.caller:  # a call whose number was erased keeps no recording either
                    call.recording_url = recording or call.recording_url
            # Events may come out of order: the state is the furthest one received.
            call.state = max((e for e in EVENTS if call.events.filter(event=e).exists()), key=EVENTS.index)
            call.save()
    except IntegrityError:  # the same event posted twice at once: the other request recorded it
        return Call.objects.get(call_id=call_id), False
    return call, True


# ---------------------------------------------------------------- the operator's screen


def wrapup() -> timedelta:
    return timedelta(minutes=settings.GONGZHI["CTI_WRAPUP_MINUTES"])


def current_call(operator: User) -> Call | None:
    """The operator's call on screen: ringing or answered, else the one that ended within the wrap-up time."""
    live = (
        Call.objects.filter(operator=operator)
        .exclude(state=CallState.ENDED)
        .order_by("-ringing_at", "-pk")
        .first()
    )
    if live is not None:
        return live
    return (
        Call.objects.filter(operator=operator, state=CallState.ENDED, ended_at__gte=timezone.now() - wrapup())
        .order_by("-ended_at", "-pk")
        .first()
    )


def caller_profile(number: str) -> dict:
    """Who is calling: the resident with this number (their name), their open and recent appeals. An erased number
    ("") is nobody's: it would otherwise match every appeal left without a phone."""
    if not number:
        return {"resident": None, "name": "", "open": [], "recent": []}
    resident = User.objects.filter(phone=number, is_active=True).first()
    mine = Q(appellant_phone=number)
    if resident is not None:
        mine |= Q(appellant=resident)
    appeals = Appeal.objects.filter(mine).select_related("lead_unit").order_by("-received_at", "-pk")
    open_appeals = list(appeals.filter(state__in=OPEN_STATES)[:5])
    recent = list(appeals.exclude(state__in=OPEN_STATES)[:5])
    name = (resident.display_name if resident else "") or next(
        (a.appellant_name for a in open_appeals + recent if a.appellant_name and not a.anonymous), ""
    )
    return {"resident": resident, "name": name, "open": open_appeals, "recent": recent}


# ---------------------------------------------------------------- linking an appeal to its call


def appeal_saved(sender, instance: Appeal, created: bool, **kwargs) -> None:
    """post_save of an appeal: one an operator registers by phone during (or just after) their call is linked to it,
    once the intake's transaction has committed (its first event must come first in its trail)."""
    if created and instance.channel == Channel.HOTLINE and instance.first_receiver_id:
        appeal_id, operator_id = instance.pk, instance.first_receiver_id
        transaction.on_commit(lambda: link_call(appeal_id, operator_id))


def link_call(appeal_id: int, operator_id: int) -> Call | None:
    from gongzhi.appeals.services import record_event
    from gongzhi.core.masking import mask_phone

    with transaction.atomic():
        operator = User.objects.get(pk=operator_id)
        call = current_call(operator)
        if call is None or call.appeal_id is not None or call.answered_at is None:
            return None
        call = Call.objects.select_for_update().get(pk=call.pk)
        appeal = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal_id)
        call.appeal = appeal
        call.save(update_fields=["appeal"])
        record_event(
            appeal,
            operator,
            "link_call",
            note=_("关联来电 %(number)s") % {"number": mask_phone(call.caller)},
            after={"call_id": call.call_id},
        )
    return call


# ---------------------------------------------------------------- metrics (GB/T 33358-2016)


@dataclass
class HotlineMetrics:
    offered: int  # calls that rang an operator
    answered: int
    answered_in_time: int  # within ANSWER_SECONDS of ringing
    abandoned: int  # ended without being answered (呼损)

    def _rate(self, n: int) -> str:
        return "—" if not self.offered else f"{n * 100 / self.offered:.1f}%"

    @property
    def answer_rate(self) -> str:
        return self._rate(self.answered)

    @property
    def in_time_rate(self) -> str:
        return self._rate(self.answered_in_time)

    @property
    def abandon_rate(self) -> str:
        return self._rate(self.abandoned)


def hotline_metrics(start: datetime, end: datetime) -> HotlineMetrics:
    calls = Call.objects.filter(ringing_at__gte=start, ringing_at__lt=end)
    rows = list(calls.values_list("ringing_at", "answered_at", "state"))
    answered = [r for r in rows if r[1] is not None]
    return HotlineMetrics(
        offered=len(rows),
        answered=len(answered),
        answered_in_time=sum(1 for r in answered if (r[1] - r[0]).total_seconds() <= ANSWER_SECONDS),
        abandoned=sum(1 for r in rows if r[1] is None and r[2] == CallState.ENDED),
    )
