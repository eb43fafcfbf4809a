"""The credit platforms (C-4, G-5): what a listing publishes and each platform mirrors, one outbox message per
platform concerned for each change, the platforms themselves (create, stop, resume, backfill), and the escalation of
deliveries not confirmed in time."""

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import inputs, netguard, outbox
from gongzhi.core.choices import NotificationChannel, Role
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import User, append_audit_event
from gongzhi.core.notices import send_notice
from gongzhi.core.outbox import OutboxMessage

from .. import notices
from ..choices import PUBLIC_STATES, Ground
from ..models import CreditEvent, CreditPlatform, EnforcementCase
from ..workflow import EVENT_LABELS
from ._base import _officers_for, _require_officer


def public_record(case: EnforcementCase) -> dict[str, Any]:
    """What is published about a listing (A-6), and what each platform mirrors."""
    e = case.enterprise
    return {
        "case_id": case.pk,
        "case_number": case.case_number,
        "court": case.court,
        "enterprise": e.name,
        "uscc": e.uscc,
        "legal_representative": e.legal_representative,
        "obligation": case.obligation,
        "amount": str(case.amount),
        "performed_amount": str(case.performed_amount),
        "ground": case.ground,
        "ground_label": Ground(case.ground).label if case.ground else "",
        "basis_document": case.basis_document,
        "filed_on": case.filed_on,
        "decided_on": case.decided_on,
        "published_on": case.published_on,
        "term_end": case.term_end,
        "state": case.state,
    }


def _platforms_for(case: EnforcementCase) -> list[CreditPlatform]:
    """The active platforms, and every platform that has received this record, even if deactivated since: a
    platform that holds a listing must learn of its shielding, deletion or correction (issue K item 5)."""
    received = {
        int(target.split(":", 1)[1])
        for target in OutboxMessage.objects.filter(
            subject=f"credit.case:{case.pk}", target__startswith="credit-platform:"
        )
        .values_list("target", flat=True)
        .distinct()
    }
    return list(CreditPlatform.objects.filter(Q(is_active=True) | Q(pk__in=received)).order_by("id"))


def _sync_platforms(case: EnforcementCase, event: CreditEvent, sync_event: str) -> int:
    """One outbox message per platform concerned for this event (idempotent on the event)."""
    count = 0
    payload = {"action": sync_event, "record": public_record(case)}
    for platform in _platforms_for(case):
        outbox.enqueue(
            event_id=f"credit.event:{event.pk}",
            event_type=f"credit.{sync_event}",
            target=platform.target,
            target_label=platform.name,
            backend=platform.backend,
            address=platform.address,
            secret=platform.secret,
            payload=payload,
            subject=f"credit.case:{case.pk}",
            confirm_within=timedelta(hours=platform.confirm_window_hours),
        )
        count += 1
    return count


def clean_platform_target(backend: str, address: str, secret: str) -> tuple[str, str]:
    """Where a platform is delivered to, as the API, the pages and the admin all check it (core.netguard): a webhook
    to a public http(s) address with a secret of at least 16 characters, a file drop inside the drop root."""
    if backend == outbox.OutboxBackend.WEBHOOK:
        address = netguard.check_url(address, field="address")
        if len(secret or "") < 16:
            raise ServiceError(_("签名密钥至少16个字符。"), field="secret")
    else:
        address = netguard.check_drop_folder(address)
    return address, secret or ""


def create_platform(
    actor: User, *, name: str, backend: str, address: str, secret: str = "", confirm_window_hours: int = 72
) -> CreditPlatform:
    _require_officer(actor)
    backend = inputs.choice(backend, outbox.OutboxBackend, "backend", _("对接方式"))
    name = inputs.text(name, "name", _("平台名称"), min_length=2)
    address = inputs.text(address, "address", _("地址或目录"), min_length=2)
    address, secret = clean_platform_target(backend, address, secret)
    try:
        with transaction.atomic():
            platform = CreditPlatform.objects.create(
                name=name,
                backend=backend,
                address=address,
                secret=secret or "",
                confirm_window_hours=int(confirm_window_hours),
            )
            append_audit_event(
                actor,
                "create_platform",
                target=f"credit.platform:{platform.pk}",
                note=name,
                after={
                    "backend": backend,
                    "address": address,
                    "confirm_window_hours": platform.confirm_window_hours,
                },
            )
            backfill_platform(actor, platform)
            return platform
    except IntegrityError:
        raise ServiceError(_("该平台名称已存在。"), code="duplicate", field="name") from None


def set_platform_active(actor: User, platform_id: int, active: bool) -> CreditPlatform:
    """Stop or resume sending new listings to a platform. A stopped platform still receives the changes of the
    records it holds; a resumed one receives what was published meanwhile (backfill)."""
    _require_officer(actor)
    with transaction.atomic():
        platform = CreditPlatform.objects.select_for_update().filter(pk=platform_id).first()
        if platform is None:
            raise ServiceError(_("平台不存在。"), code="not_found")
        if platform.is_active != bool(active):
            platform.is_active = bool(active)
            platform.save(update_fields=["is_active"])
            append_audit_event(
                actor,
                "platform_active" if active else "platform_inactive",
                target=f"credit.platform:{platform.pk}",
                note=platform.name,
                after={"is_active": platform.is_active},
            )
            if active:
                backfill_platform(actor, platform)
    return platform


def backfill_platform(actor: User, platform: CreditPlatform) -> int:
    """Send a platform (new, or active again) every record published now, in its current state. Idempotent: a
    record whose latest change the platform already has (or was backfilled with) is not sent again."""
    count = 0
    for case in (
        EnforcementCase.objects.filter(state__in=PUBLIC_STATES).select_related("enterprise").order_by("id")
    ):
        last = case.events.order_by("-id").values_list("pk", flat=True).first() or 0
        backfill_id = f"credit.backfill:{case.pk}:{last}"
        if OutboxMessage.objects.filter(
            target=platform.target, event_id__in=[f"credit.event:{last}", backfill_id]
        ).exists():
            continue
        outbox.enqueue(
            event_id=backfill_id,
            event_type="credit.publish",
            target=platform.target,
            target_label=platform.name,
            backend=platform.backend,
            address=platform.address,
            secret=platform.secret,
            payload={"action": "publish", "backfill": True, "record": public_record(case)},
            subject=f"credit.case:{case.pk}",
            confirm_within=timedelta(hours=platform.confirm_window_hours),
        )
        count += 1
    if count:
        append_audit_event(
            actor,
            "backfill_platform",
            target=f"credit.platform:{platform.pk}",
            note=platform.name,
            after={"records": count},
        )
    return count


def _supervisors_of(officer: User | None) -> list[User]:
    """Whom an officer answers to: the supervisors and leaders of their unit, else the county's leaders."""
    people = User.objects.filter(is_active=True, groups__name__in=[Role.SUPERVISOR, Role.LEADER]).distinct()
    if officer is not None and officer.unit_id:
        same_unit = list(people.filter(unit_id=officer.unit_id))
        if same_unit:
            return same_unit
    return list(User.objects.filter(is_active=True, groups__name=Role.LEADER).distinct())


def escalate_unconfirmed() -> int:
    """A platform delivery not confirmed within its window is escalated once to the case's officer and to their
    supervisors (the board lists it too). Returns the notices sent."""
    from gongzhi.core.models import Notification

    sent = 0
    overdue = outbox.overdue(
        OutboxMessage.objects.filter(
            target__startswith="credit-platform:", subject__startswith="credit.case:"
        )
    )
    for message in overdue[:500]:
        case_id = int(message.subject.split(":", 1)[1])
        case = EnforcementCase.objects.select_related("officer").filter(pk=case_id).first()
        if case is None:
            continue
        officers = _officers_for(case)
        people = {u.pk: u for u in [*officers, *_supervisors_of(case.officer)]}
        keys = {pk: f"credit.unconfirmed:{message.pk}:{pk}" for pk in people}
        # send_notice keys each row "<key>:<channel>"; these notices are site messages.
        done = {
            key.rsplit(":", 1)[0]
            for key in Notification.objects.filter(
                key__in=[f"{k}:{NotificationChannel.SITE}" for k in keys.values()]
            ).values_list("key", flat=True)
            if key is not None  # matched by key__in: never None
        }
        context = {
            "platform": message.target_label,
            "case": case.case_number,
            "enterprise": case.enterprise.name,
            "event": str(EVENT_LABELS.get(message.event_type, message.event_type)),
            "confirm_by": timezone.localtime(message.confirm_by).strftime("%Y-%m-%d %H:%M"),
        }
        for pk, person in people.items():
            if keys[pk] in done:
                continue
            with transaction.atomic():
                send_notice(
                    notices.PLATFORM_UNCONFIRMED.key,
                    user=person,
                    context=context,
                    link="/credit/#overdue",
                    key=keys[pk],
                )
            sent += 1
    return sent
