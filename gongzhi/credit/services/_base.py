"""What every credit service shares: the actor's roles, the case lock with the transition check (_acting), the
case's event chain, amounts, case deadlines (G-2) and the notices to an enterprise's contacts and to the officers."""

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.choices import Role
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.masking import person_label
from gongzhi.core.models import User
from gongzhi.core.notices import send_notice

from ..models import CaseDeadline, CreditEvent, EnforcementCase, Enterprise, EnterpriseContact
from ..workflow import WORKFLOW


def _today() -> date:
    return timezone.localdate()


def _actor_label(actor) -> str:
    if actor is None:
        return _("系统")
    return person_label(actor)


def record_event(
    case: EnforcementCase,
    actor,
    action: str,
    *,
    state_before: str = "",
    note: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> CreditEvent:
    """Append to the case's chain. The caller holds the case's row lock."""
    return CreditEvent.append(
        actor,
        action,
        actor_label=_actor_label(actor),
        case=case,
        note=note,
        before=before,
        after=after,
        state_before=state_before or case.state,
        state_after=case.state,
    )


def is_officer(user) -> bool:
    return (
        user is not None and getattr(user, "is_authenticated", False) and user.has_role(Role.CREDIT_OFFICER)
    )


def _require_officer(actor) -> None:
    if not is_officer(actor):
        raise PermissionDeniedError(_("只有信用专员可以执行此操作。"))


def is_contact(user, enterprise_id: int) -> bool:
    return (
        user is not None
        and getattr(user, "pk", None) is not None
        and EnterpriseContact.objects.filter(enterprise_id=enterprise_id, user=user).exists()
    )


@contextmanager
def _acting(actor, case_id: int, action: str):
    """Lock the case, check the transition table and the actor's role; yield (case, state_before)."""
    with transaction.atomic():
        case = (
            EnforcementCase.objects.select_for_update(of=("self",))
            .select_related("enterprise")
            .filter(pk=case_id)
            .first()
        )
        if case is None:
            raise ServiceError(_("执行案件不存在。"), code="not_found")
        transition = WORKFLOW.require(
            case.state,
            action,
            actor.roles if actor is not None else frozenset(),
            state_label=case.get_state_display(),
        )
        state_before = case.state
        case.state = transition.target
        yield case, state_before


def _money(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise ServiceError(_("%(label)s不是有效金额。") % {"label": label}, field=field) from None
    if not amount.is_finite():  # NaN, sNaN, Infinity: Decimal takes them, comparisons then raise
        raise ServiceError(_("%(label)s不是有效金额。") % {"label": label}, field=field)
    # the bound first: quantizing 1e999999 to cents raises
    if amount < 0 or amount >= Decimal("1e14") or amount != amount.quantize(Decimal("0.01")):
        raise ServiceError(_("%(label)s应为不小于0、最多两位小数的金额。") % {"label": label}, field=field)
    return amount


def _open_deadline(case, kind: str, starts_on: date, due_on: date, note: str = "") -> CaseDeadline:
    return CaseDeadline.objects.create(case=case, kind=kind, starts_on=starts_on, due_on=due_on, note=note)


def _meet_deadlines(case, kinds: Iterable[str], on: date | None = None) -> None:
    CaseDeadline.objects.filter(case=case, kind__in=list(kinds), met_on__isnull=True).update(
        met_on=on or _today()
    )


def _notify_contacts(enterprise: Enterprise, kind: str, context: dict, link: str = "/credit/mine/") -> int:
    """Tell each contact of the enterprise (their account, and their mobile number on file); how many were told."""
    count = 0
    for contact in enterprise.contacts.select_related("user"):
        if contact.user_id or contact.phone:
            send_notice(kind, user=contact.user, phone=contact.phone, context=context, link=link)
            count += 1
    return count


def _officers_for(case) -> list[User]:
    if case.officer_id:
        return [case.officer]
    return list(User.objects.filter(groups__name=Role.CREDIT_OFFICER, is_active=True))


def _notify_officers(case, kind: str, **context) -> None:
    for officer in _officers_for(case):
        send_notice(
            kind,
            user=officer,
            context={"case": case.case_number, **context},
            link=f"/credit/cases/{case.pk}/",
        )


def _can_apply_for(actor, case) -> bool:
    return is_officer(actor) or is_contact(actor, case.enterprise_id)
