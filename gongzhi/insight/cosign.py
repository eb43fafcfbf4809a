"""附议 (co-sign, appeals spec §6): a resident whose new appeal has near-duplicates can join an existing open
appeal instead of — or besides — their own.

* `cosign_appeal(actor, appeal_id, own_appeal_id=…, withdraw_own=…)` records the co-sign once per person
  (unique constraint), appends a "cosign" event to the joined appeal's hash chain, tells its lead unit,
  optionally withdraws the resident's own appeal (appeals.services.withdraw: its own audit event), and on
  commit refreshes the hot spot of the joined appeal so the co-signer counts as a distinct resident.
* Co-signers are told when the joined appeal (or an appeal merged into it) is answered or closed
  (`appeal_event_saved`, notice kinds `cosigned_replied` / `cosigned_closed` in `insight/notices.py`).
* Only appeals the classifier's duplicate finder showed for the resident's own appeal can be joined: a
  resident cannot co-sign arbitrary appeals they have no right to see.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.choices import OPEN_STATES, AppealState, CloseReason, ReferTarget
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.appeals.selectors import similar_candidates
from gongzhi.core.choices import Role
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.core.notices import send_notice

from . import duplicates
from . import notices as cosign_notices
from .models import CoSign

COSIGNER_LABEL = "附议居民"


def _require_resident(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("请先登录后再附议。"), code="login_required")
    if not actor.has_role(Role.RESIDENT):
        raise PermissionDeniedError(_("只有居民可以附议。"))


def joinable(own: Appeal, limit: int = 5) -> list[Appeal]:
    """The open appeals a resident may join from their own appeal: the near-duplicates shown at submission."""
    open_qs = similar_candidates().exclude(appellant_id=own.appellant_id)
    return [f["appeal"] for f in duplicates.find_similar(own, queryset=open_qs, limit=limit)]


def cosign_appeal(actor, appeal_id: int, *, own_appeal_id: int, withdraw_own: bool = False) -> CoSign:
    _require_resident(actor)
    own = Appeal.objects.filter(pk=own_appeal_id).first()
    if own is None or own.appellant_id != actor.pk:
        raise PermissionDeniedError(_("只能从本人提交的诉求发起附议。"), code="not_own")
    if own.pk == appeal_id:
        raise ServiceError(_("不能附议自己的诉求。"), code="own_appeal", field="appeal")
    if appeal_id not in {a.pk for a in joinable(own, limit=10)}:
        raise ServiceError(
            _("只能附议与您的诉求反映同一问题、仍在办理中的诉求。"), code="not_similar", field="appeal"
        )
    return _record(actor, appeal_id, own=own, withdraw_own=withdraw_own)


def cosign_nearby(
    actor, appeal_id: int, *, title: str, content: str, region=None, latitude=None, longitude=None
) -> CoSign:
    """附议 from the appeal form, before submitting: the resident joins an appeal the nearby list offered for the
    text and place they typed (insight.nearby), without an appeal of their own."""
    from . import nearby

    _require_resident(actor)
    region, lat, lon = nearby.parse_place(region, latitude, longitude)
    offered = nearby.nearby_similar(
        actor, title=title, content=content, region=region, latitude=lat, longitude=lon, limit=10
    )
    if appeal_id not in {f["appeal"].pk for f in offered}:
        raise ServiceError(
            _("只能附议附近正在办理、反映同一问题的诉求。"), code="not_similar", field="appeal"
        )
    return _record(actor, appeal_id)


def _record(actor, appeal_id: int, *, own: Appeal | None = None, withdraw_own: bool = False) -> CoSign:
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update(of=("self",)).select_related("lead_unit").get(pk=appeal_id)
        if appeal.state not in OPEN_STATES:
            raise IllegalTransition(_("该诉求已办结或已并单，不能再附议。"), code="closed")
        if appeal.appellant_id == actor.pk:
            raise ServiceError(_("不能附议自己的诉求。"), code="own_appeal", field="appeal")
        try:
            with transaction.atomic():
                cosign = CoSign.objects.create(appeal=appeal, resident=actor, own_appeal=own)
        except IntegrityError:
            raise ServiceError(_("您已附议过该诉求。"), code="already_cosigned") from None
        count = CoSign.objects.filter(appeal=appeal).count()
        # labelled 附议居民, not by role: the co-signer is not this appeal's appellant
        appeal_services.record_event(
            appeal,
            actor,
            "cosign",
            note=_("居民附议（累计 %(n)s 人）") % {"n": count},
            after={"cosigners": count, "from": own.number if own else "nearby"},
            actor_label=_(COSIGNER_LABEL),
        )
        if appeal.lead_unit_id:
            send_notice(
                cosign_notices.COSIGNED_UNIT.key,
                unit=appeal.lead_unit,
                context={"number": appeal.number, "title": appeal.title, "count": count},
                link=f"/appeals/{appeal.pk}/",
            )
        if withdraw_own and own is not None:
            appeal_services.withdraw(actor, own.pk, reason=_("已附议诉求 %(n)s") % {"n": appeal.number})
        transaction.on_commit(lambda: _refresh_hotspot(appeal.pk))
    return cosign


def _refresh_hotspot(appeal_id: int) -> None:
    from . import live
    from .models import HotSpot

    spot = HotSpot.objects.filter(members__appeal_id=appeal_id).first()
    if spot is not None:
        live.refresh(spot)


# ---------------------------------------------------------------- telling co-signers


def appeal_event_saved(sender, instance, created, raw=False, **kwargs):
    """post_save receiver on AppealEvent (connected in apps.py): a step into "replied" or "closed" tells the
    co-signers, inside the transaction of the change (every reply and close appends an event)."""
    if not created or raw or instance.state_after == instance.state_before:
        return
    if instance.state_after == AppealState.REPLIED:
        tell_cosigners(instance, cosign_notices.COSIGNED_REPLIED)
    elif instance.state_after == AppealState.CLOSED:
        tell_cosigners(instance, cosign_notices.COSIGNED_CLOSED)


def _close_result(appeal: Appeal) -> str:
    try:
        result = str(CloseReason(appeal.close_reason).label)
    except ValueError:
        return _("已办结")
    if appeal.refer_target:
        try:
            result = f"{result}（{ReferTarget(appeal.refer_target).label}）"
        except ValueError:
            pass
    return result


def tell_cosigners(event: AppealEvent, kind) -> int:
    """Tell everyone who co-signed the event's appeal or an appeal merged into it, once per person and event;
    appellants of these appeals are left out (appeals.notices.tell_appellant tells them). Returns how many."""
    appeal = event.appeal
    # Most appeals have no co-signer: one light query answers that on every reply and close.
    if not CoSign.objects.filter(Q(appeal_id=appeal.pk) | Q(appeal__master_id=appeal.pk)).exists():
        return 0
    family = [appeal.pk, *appeal.merged_appeals.values_list("pk", flat=True)]
    signs = (
        CoSign.objects.filter(appeal_id__in=family)
        .select_related("resident", "own_appeal")
        .order_by("created_at", "pk")
    )
    appellants = set(
        Appeal.objects.filter(pk__in=family, appellant__isnull=False).values_list("appellant_id", flat=True)
    )
    told = set()
    context = {
        "number": appeal.number,
        "title": appeal.title,
        "unit": appeal.lead_unit.name if appeal.lead_unit is not None else "",
    }
    if kind is cosign_notices.COSIGNED_REPLIED:
        context["reply"] = appeal.reply_text
    else:
        context.update(result=_close_result(appeal), note=event.note or appeal.close_note or "")
    for sign in signs:
        resident = sign.resident
        if resident.pk in appellants or resident.pk in told or not resident.is_active:
            continue
        told.add(resident.pk)
        send_notice(
            kind.key,
            user=resident,
            phone=resident.phone or "",
            link="/insight/cosigned/",
            key=f"{kind.key}:{event.pk}:{resident.pk}",
            context={**context, "own_number": sign.own_appeal.number if sign.own_appeal is not None else ""},
        )
    return len(told)


# ---------------------------------------------------------------- reads


def cosigners(appeal: Appeal) -> list[dict]:
    """For the handling unit and supervisors: who joined (name and phone masked) and when."""
    rows = CoSign.objects.filter(appeal=appeal).select_related("resident", "own_appeal")
    return [
        {
            "name": mask_name(c.resident.display_name) or _("居民"),
            "phone": mask_phone(c.resident.phone),
            "at": c.created_at,
            "own_number": c.own_appeal.number if c.own_appeal is not None else "",
        }
        for c in rows
    ]


def cosigned_by(user):
    """The appeals a resident has co-signed, newest first (a resident follows them on 我附议的诉求)."""
    return (
        CoSign.objects.filter(resident=user)
        .select_related("appeal", "appeal__lead_unit")
        .order_by("-created_at", "-pk")
    )
