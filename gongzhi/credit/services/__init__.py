"""Every write of the credit workflow. Each service locks the case, checks the transition table (workflow.py) and
the actor's role, writes, appends a CreditEvent to the case's hash chain, notifies, and — for publication,
shielding, deletion, correction and revocation — queues one outbox message per active credit platform.
Refusals raise ServiceError subclasses with Chinese messages. Spec: credit-and-voting-rules.md A–D, G.

One module per subdomain: _base (roles, the case lock, the event chain, deadlines, notices), enterprises,
enterprise_appeals, cases, objections, repair, platforms (platform sync and the platforms), penalties and sweep.
This package re-exports their public names, so `services.issue_notice(...)` works as before; the modules import
each other, never this package. A test that patches a name patches it in the module that looks it up.
"""

from ._base import is_contact, is_officer, record_event
from .cases import (
    BAR_LABELS,
    CORRECTABLE,
    allowed_deletion_grounds,
    correct,
    decide_listing,
    delete_listing,
    extend_term,
    issue_notice,
    open_case,
    publish,
    report_deletion_ground,
    report_error,
    revoke,
    settle,
)
from .enterprise_appeals import can_submit_enterprise_appeal, submit_enterprise_appeal
from .enterprises import add_contact, contact_snapshot, create_enterprise, link_contacts_by_phone
from .objections import decide_objection, decide_review, file_objection, file_review
from .penalties import (
    EXEMPTION_TEXT,
    REGIME_LABELS,
    check_penalty_exemption,
    mark_penalty_performed,
    penalty_publicity,
    penalty_repair_eligibility,
    record_exemption_decision,
    record_penalty,
)
from .platforms import (
    backfill_platform,
    clean_platform_target,
    create_platform,
    escalate_unconfirmed,
    public_record,
    set_platform_active,
)
from .repair import decide_repair, submit_repair
from .sweep import sweep

__all__ = [
    "BAR_LABELS",
    "CORRECTABLE",
    "EXEMPTION_TEXT",
    "REGIME_LABELS",
    "add_contact",
    "allowed_deletion_grounds",
    "backfill_platform",
    "can_submit_enterprise_appeal",
    "check_penalty_exemption",
    "clean_platform_target",
    "contact_snapshot",
    "correct",
    "create_enterprise",
    "create_platform",
    "decide_listing",
    "decide_objection",
    "decide_repair",
    "decide_review",
    "delete_listing",
    "escalate_unconfirmed",
    "extend_term",
    "file_objection",
    "file_review",
    "is_contact",
    "is_officer",
    "issue_notice",
    "link_contacts_by_phone",
    "mark_penalty_performed",
    "open_case",
    "penalty_publicity",
    "penalty_repair_eligibility",
    "public_record",
    "publish",
    "record_event",
    "record_exemption_decision",
    "record_penalty",
    "report_deletion_ground",
    "report_error",
    "revoke",
    "set_platform_active",
    "settle",
    "submit_enterprise_appeal",
    "submit_repair",
    "sweep",
]
