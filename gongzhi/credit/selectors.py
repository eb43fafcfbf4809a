"""Every read of the credit workflow, scoped to the user. The public sees only published listings."""

from django.db.models import Min, Q, QuerySet

from gongzhi.core.choices import Role
from gongzhi.core.outbox import OutboxMessage, overdue

from . import rules
from .choices import OPEN_STATES, PUBLIC_STATES, CaseState
from .models import (
    AdministrativePenalty,
    CaseDeadline,
    EnforcementCase,
    Enterprise,
    EnterpriseAppeal,
    EnterpriseContact,
    PenaltyExemptionDecision,
)
from .services import is_contact, is_officer


def visible_cases(user) -> QuerySet[EnforcementCase]:
    """Credit officers see every case; an enterprise's contacts see their enterprise's cases; others nothing."""
    qs = EnforcementCase.objects.select_related("enterprise", "officer")
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_officer(user):
        return qs
    return qs.filter(enterprise__contacts__user=user).distinct()


def my_enterprises(user) -> QuerySet[Enterprise]:
    if user is None or not user.is_authenticated:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(contacts__user=user).distinct()


def is_contact_of(user, case: EnforcementCase) -> bool:
    return (
        bool(getattr(user, "pk", None))
        and EnterpriseContact.objects.filter(enterprise_id=case.enterprise_id, user=user).exists()
    )


def board(user, state: str = "") -> list[EnforcementCase]:
    """The officer's board: open cases ordered by their next open deadline (cases without one last)."""
    qs = visible_cases(user).annotate(
        next_due=Min("deadlines__due_on", filter=Q(deadlines__met_on__isnull=True))
    )
    qs = qs.filter(state=state) if state else qs.filter(state__in=OPEN_STATES)
    return sorted(qs, key=lambda c: (c.next_due is None, c.next_due or c.filed_on, c.pk))


def state_counts(user) -> list[tuple[str, str, int]]:
    qs = visible_cases(user)
    return [(value, label, qs.filter(state=value).count()) for value, label in CaseState.choices]


def open_deadlines(case) -> QuerySet[CaseDeadline]:
    return case.deadlines.filter(met_on__isnull=True).order_by("due_on")


def public_query(q: str) -> QuerySet[EnforcementCase]:
    """Published listings by enterprise name (contains) or exact 统一社会信用代码; nothing for an empty query."""
    q = (q or "").strip()
    if len(q) < 2:
        return EnforcementCase.objects.none()
    qs = EnforcementCase.objects.filter(state__in=PUBLIC_STATES).select_related("enterprise")
    code = q.upper()
    if rules.uscc_is_valid(code):
        return qs.filter(enterprise__uscc=code)
    return qs.filter(enterprise__name__icontains=q).order_by("enterprise__name", "published_on")


def timeline(case):
    return case.events.select_related("actor").order_by("created_at", "id")


def sync_status(case) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(subject=f"credit.case:{case.pk}").order_by("created_at", "id")


def overdue_deliveries() -> QuerySet[OutboxMessage]:
    """Platform messages not confirmed within the platform's window (C-4.2: flag the discrepancy)."""
    return overdue(OutboxMessage.objects.filter(target__startswith="credit-platform:"))


# ---------------------------------------------------------------- enterprises, their appeals and penalties


def can_see_enterprises(user) -> bool:
    """Credit officers, and operators who record appeals on an enterprise's behalf, may look enterprises up."""
    return bool(
        user is not None and user.is_authenticated and user.has_role(Role.CREDIT_OFFICER, Role.OPERATOR)
    )


def enterprises(user, q: str = "") -> QuerySet[Enterprise]:
    if not can_see_enterprises(user):
        return Enterprise.objects.none()
    qs = Enterprise.objects.all()
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc=q.upper()))
    return qs.order_by("name")


def enterprise_appeals(user, enterprise: Enterprise) -> QuerySet[EnterpriseAppeal]:
    """An enterprise's appeals with their state: for its contacts, credit officers and operators."""
    if not (can_see_enterprises(user) or is_contact(user, enterprise.pk)):
        return EnterpriseAppeal.objects.none()
    return EnterpriseAppeal.objects.filter(enterprise=enterprise).select_related(
        "appeal__lead_unit", "appeal__category", "submitted_by"
    )


def penalties(user, enterprise: Enterprise | None = None) -> QuerySet[AdministrativePenalty]:
    """Credit officers see every penalty record; an enterprise's contacts their enterprise's."""
    qs = AdministrativePenalty.objects.select_related("enterprise")
    if user is None or not user.is_authenticated:
        return qs.none()
    if not is_officer(user):
        qs = qs.filter(enterprise__contacts__user=user).distinct()
    return qs.filter(enterprise=enterprise) if enterprise is not None else qs


def exemption_decisions(user, enterprise: Enterprise | None = None) -> QuerySet[PenaltyExemptionDecision]:
    qs = PenaltyExemptionDecision.objects.select_related("enterprise")
    if user is None or not user.is_authenticated:
        return qs.none()
    if not is_officer(user):
        qs = qs.filter(enterprise__contacts__user=user).distinct()
    return qs.filter(enterprise=enterprise) if enterprise is not None else qs
