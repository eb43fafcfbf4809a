"""Every write to an appeal (spec §2–§6). Each service locks the appeal, checks the transition table
and the actor's right to act on this appeal, writes, appends an event to the appeal's hash chain and
enqueues notifications on commit. Refusals raise `ServiceError` subclasses with Chinese messages.
"""

import secrets
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from gongzhi.core import inputs, refcache, taskqueue
from gongzhi.core.choices import Role, UnitKind
from gongzhi.core.codes import digest_code
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.geo import locate_region
from gongzhi.core.idcards import valid_id_number
from gongzhi.core.masking import mask_phone, staff_label
from gongzhi.core.models import Consent, Region, Unit, User, append_audit_event
from gongzhi.core.notices import send_notice
from gongzhi.core.personal_data import ID_NUMBER_PURPOSE, record_consent
from gongzhi.core.phones import clean_contact_phone
from gongzhi.core.uploads import check_upload

from . import counters, deadlines, notices
from .choices import (
    DELEGATED_CHANNELS,
    STAFF_CHANNELS,
    AppealKind,
    AppealState,
    CallbackMethod,
    Channel,
    CloseReason,
    ReferTarget,
    RequestDecision,
    Satisfaction,
    Step,
    SupervisionKind,
    Urgency,
)
from .models import (
    Appeal,
    AppealEvent,
    Attachment,
    Callback,
    Category,
    DispatchRule,
    ExtensionRequest,
    KnowledgeArticle,
    ReturnRequest,
    Supervision,
)
from .workflow import WORKFLOW

RESIDENT_CHANNELS = (Channel.WEB, Channel.MOBILE, Channel.API)


# ---------------------------------------------------------------- events


def record_event(
    appeal: Appeal,
    actor,
    action: str,
    *,
    state_before: str = "",
    note: str = "",
    before: dict | None = None,
    after: dict | None = None,
    unit: Unit | None = None,
    at=None,
    first: bool = False,
    actor_label: str = "",
) -> AppealEvent:
    """Append to the appeal's chain at `at` (default: now). The caller holds the appeal's row lock.
    `first`: the appeal was created in this transaction, so its chain is empty (no query for the last hash).
    `actor_label`: how the actor is named in the trail, when not by their role (e.g. a co-signing resident)."""
    event = AppealEvent.append(
        actor,
        action,
        actor_label=actor_label or _actor_label(actor),
        prev_hash="" if first else None,
        appeal=appeal,
        note=note,
        before=before,
        after=after,
        unit=unit,
        state_before=state_before or appeal.state,
        state_after=appeal.state,
        created_at=at or _now(),
    )
    counters.count_event(appeal, event)
    return event


def _actor_label(actor) -> str:
    if actor is None:
        return _("系统")
    if getattr(actor, "pk", None) is None:
        return str(actor)
    if actor.has_role(Role.RESIDENT) and not actor.is_staff:
        return _("诉求人")
    return staff_label(actor)


# ---------------------------------------------------------------- acting on an appeal


@contextmanager
def _acting(actor: User, appeal_id: int, action: str, *, by_phone: str = ""):
    """Lock the appeal and check the transition table and the actor's role; yield (appeal, transition).
    `by_phone`: the appellant acting by SMS from this number (no account needed): it must be the appeal's number,
    and the action one the appellant may take."""
    with transaction.atomic(), taskqueue.batched():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("lead_unit", "category__parent__parent", "appellant")
            .get(pk=appeal_id)
        )
        transition = WORKFLOW.require(
            appeal.state,
            action,
            None if by_phone else (actor.roles if actor is not None else frozenset()),
            state_label=appeal.get_state_display(),
        )
        if by_phone and (Role.RESIDENT not in transition.roles or by_phone not in _appellant_numbers(appeal)):
            raise PermissionDeniedError(_("只有诉求人本人可以执行此操作。"))
        if action in FIRST_RECEIPT_ACTIONS:
            _take_first_receipt(appeal, actor)
        yield appeal, transition


# ---------------------------------------------------------------- first-inquiry responsibility (spec §3)

# The hotline centre's staff who take an online appeal in hand; the first of them to act on it (or to claim it)
# becomes its first receiver (首接负责人).
FIRST_RECEIPT_ROLES = (Role.OPERATOR, Role.DISPATCHER)
# The staff actions that take an appeal waiting for dispatch in hand: dispatching, answering, referring, merging.
FIRST_RECEIPT_ACTIONS = {"dispatch", "answer_directly", "refer_out", "merge_into"}


def _take_first_receipt(appeal: Appeal, actor: User, note: str = "") -> bool:
    """Make `actor` the first receiver if nobody is yet: one conditional UPDATE … WHERE first_receiver IS NULL, so of
    two staff at once exactly one wins, whatever else they hold. The winner's claim is appended to the trail (the
    caller holds the appeal's row lock). Returns whether `actor` won."""
    if appeal.first_receiver_id is not None or not actor.has_role(*FIRST_RECEIPT_ROLES):
        return False
    won = Appeal.objects.filter(pk=appeal.pk, first_receiver__isnull=True).update(
        first_receiver=actor, first_receiver_unit=actor.unit
    )
    if not won:
        appeal.refresh_from_db(fields=["first_receiver", "first_receiver_unit"])
        return False
    appeal.first_receiver, appeal.first_receiver_unit = actor, actor.unit
    record_event(
        appeal,
        actor,
        "take_first_receipt",
        unit=actor.unit,
        note=note or _("%(who)s 首接，负责至派单、答复或转办") % {"who": staff_label(actor)},
        after={"first_receiver": actor.pk},
    )
    return True


def claim_first_receipt(actor: User, appeal_id: int) -> Appeal:
    """认领: a hotline operator or dispatcher takes an open appeal in hand as its first receiver (spec §3)."""
    if actor is None or not actor.has_role(*FIRST_RECEIPT_ROLES):
        raise PermissionDeniedError(_("只有话务员或派单员可以首接诉求。"))
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",)).select_related("first_receiver").get(pk=appeal_id)
        )
        if not appeal.is_open:
            raise IllegalTransition(_("诉求已办结，无需首接。"))
        if not _take_first_receipt(appeal, actor):
            if appeal.first_receiver_id == actor.pk:
                raise ServiceError(_("您已是该诉求的首接负责人。"), code="already_first_receiver")
            raise ServiceError(
                _("该诉求已由 %(who)s 首接。") % {"who": staff_label(appeal.first_receiver)},
                code="first_receiver_taken",
            )
    return appeal


def _require_lead_handler(actor: User, appeal: Appeal) -> None:
    if not actor.unit_id or actor.unit_id != appeal.lead_unit_id:
        raise PermissionDeniedError(_("只有主办单位的承办人可以执行此操作。"))


def _require_own(actor: User, appeal: Appeal) -> None:
    if appeal.appellant_id != actor.pk:
        raise PermissionDeniedError(_("只能操作本人提交的诉求。"))


def _save(appeal: Appeal) -> None:
    deadlines.apply_dues(appeal)
    appeal.save()


def _now():
    return timezone.now()


# ---------------------------------------------------------------- notifications


# The appellant is told through appeals.notices (templates admins edit, the channels the resident chose).


def _tell_unit(unit: Unit | None, appeal: Appeal, subject: str, body: str) -> None:
    if unit is not None:
        send_notice(
            notices.UNIT_NOTICE.key,
            unit=unit,
            context={"step": subject, "number": appeal.number, "title": appeal.title, "note": body},
            link=f"/appeals/{appeal.pk}/",
        )


# ---------------------------------------------------------------- intake


def submit_appeal(
    actor: User | None,
    *,
    kind: str,
    channel: str,
    title: str,
    content: str,
    region: Region | None,
    category: Category | None = None,
    urgency: str = Urgency.NORMAL,
    address: str = "",
    longitude: Decimal | None = None,
    latitude: Decimal | None = None,
    appellant_name: str = "",
    appellant_phone: str = "",
    appellant_id_number: str = "",
    anonymous: bool = False,
    confidential: bool = False,
    attachments: Iterable = (),
    client_key: str | None = None,
    keywords: str = "",
    delegated: bool = False,
    id_number_consent: bool = False,
) -> tuple[Appeal, str]:
    """Accept an appeal from any channel. Returns (appeal, tracking_code); the code is '' unless the
    appellant has no account and must follow the appeal by its number and this code.

    A repeated `client_key` returns the appeal already accepted for it (idempotent submission).

    `delegated=True` is for another app's intake service that has itself checked who may speak for the
    appellant (credit: an enterprise's contact, or an operator on the enterprise's behalf): it may use the
    DELEGATED_CHANNELS, and an actor who is not staff becomes the appellant without needing the resident role.
    """
    is_staff_intake = actor is not None and actor.has_role(
        Role.OPERATOR, Role.GRID_WORKER, Role.PARTY_MEMBER, Role.COMMUNITY_STAFF
    )
    if channel in DELEGATED_CHANNELS and not delegated:
        raise ServiceError(_("该渠道的诉求须从相应的受理页面提交。"), field="channel")
    if (
        not delegated
        and actor is not None
        and not (
            actor.roles
            & {Role.RESIDENT, Role.OPERATOR, Role.GRID_WORKER, Role.PARTY_MEMBER, Role.COMMUNITY_STAFF}
        )
    ):
        raise PermissionDeniedError(_("您的角色不能登记诉求。"))
    if kind not in AppealKind.values:
        raise ServiceError(_("请选择诉求类型。"), field="kind")
    if urgency not in Urgency.values:
        raise ServiceError(_("紧急程度无效。"), field="urgency")
    if urgency == Urgency.COMPLEX:
        raise ServiceError(_("「疑难」须经派单审批认定，受理时不能直接选择。"), field="urgency")
    if delegated:
        if channel not in DELEGATED_CHANNELS:
            raise ServiceError(_("请选择受理渠道。"), field="channel")
    elif is_staff_intake:
        if channel not in STAFF_CHANNELS:
            raise ServiceError(
                _("请选择受理渠道（热线、来访、来信、代办、网格巡查或入户走访）。"), field="channel"
            )
    elif channel not in RESIDENT_CHANNELS:
        channel = Channel.WEB
    title = inputs.text(title, "title", _("标题"), min_length=4)
    content = inputs.text(content, "content", _("诉求内容"), min_length=10)
    if len(title) > 200:
        raise ServiceError(_("标题不能超过200个字。"), field="title")
    if (longitude is None) != (latitude is None):
        raise ServiceError(_("经纬度须同时填写。"), field="longitude")
    if longitude is not None and not (
        Decimal(-180) <= Decimal(longitude) <= Decimal(180)
        and Decimal(-90) <= Decimal(latitude) <= Decimal(90)
    ):
        raise ServiceError(_("经纬度超出范围。"), field="longitude")
    if longitude is not None and (region is None or isinstance(region, Region)):
        # A place without a region: the region whose boundary holds it (core.geo). A region that was chosen is
        # kept even when the point lies outside it (the resident knows where the problem is better than a tap on a
        # small screen, and the dispatcher sees both), and made precise when the point lies in one of its grids
        # (the resident chose the community, the place names the grid). docs/decisions.md.
        located = locate_region(longitude, latitude)
        if region is None:
            if located is None:
                raise ServiceError(_("该位置不在本县范围内，请重新选择。"), code="outside", field="region")
            region = located
        elif located is not None and located.pk != region.pk and located.path.startswith(region.path):
            region = located
    if not isinstance(region, Region):
        raise ServiceError(_("请选择诉求发生的区域。"), field="region")

    appellant = None
    contact_phone = ""
    if actor is not None and (actor.has_role(Role.RESIDENT) or delegated) and not is_staff_intake:
        # Filing under one's own account: the appellant is the account's person and is reached on its verified
        # number. A resident could name anyone and send the notices to any number (issue N item 11); another number
        # they give is kept apart, unverified, for the handler to call.
        appellant = actor
        given_phone = (appellant_phone or "").strip()
        appellant_phone = actor.phone or given_phone
        if given_phone and actor.phone:
            try:
                cleaned = clean_contact_phone(given_phone)
            except ValidationError as exc:
                raise ServiceError(exc.messages[0], code="invalid_phone", field="appellant_phone") from exc
            contact_phone = "" if cleaned == actor.phone else cleaned
        appellant_name = actor.display_name or appellant_name
        appellant_id_number = appellant_id_number or actor.id_number
    elif channel == Channel.GRID_PATROL and not appellant_phone and actor is not None:
        # A grid worker's own patrol finding: the worker is the appellant and gets the callback.
        appellant = actor
        appellant_phone = actor.phone or ""
        appellant_name = appellant_name or actor.display_name or actor.username
    if appellant_phone:
        try:  # a mobile or a landline (core.phones, the rule every form and serializer uses too)
            appellant_phone = clean_contact_phone(appellant_phone)
        except ValidationError as exc:
            raise ServiceError(exc.messages[0], code="invalid_phone", field="appellant_phone") from exc
    elif appellant is None and not anonymous:
        raise ServiceError(
            _("请留下联系电话，以便承办单位联系和回访；如不愿留下，请选择匿名。"), field="appellant_phone"
        )
    if appellant is None and appellant_phone and is_staff_intake:
        appellant = User.objects.filter(phone=appellant_phone).first()
    appellant_id_number = (appellant_id_number or "").strip().upper()
    if appellant_id_number and not valid_id_number(appellant_id_number):
        raise ServiceError(_("身份证号格式不正确。"), field="appellant_id_number")
    # An ID number given with this appeal is sensitive personal data: its own consent, with its purpose
    # (个人信息保护法 第29条). One taken from the account was consented to when the account was registered.
    id_number_given = bool(appellant_id_number) and appellant_id_number != getattr(actor, "id_number", "")
    if id_number_given and not id_number_consent:
        raise ServiceError(
            _("提供身份证号须诉求人单独同意（用途：%(purpose)s）。请勾选同意，或不填身份证号。")
            % {"purpose": ID_NUMBER_PURPOSE},
            code="consent_required",
            field="id_number_consent",
        )
    files = list(attachments)
    checked = [(f, check_upload(f)) for f in files]
    if len(files) > 9:
        raise ServiceError(_("附件最多9个。"), field="attachments")
    if anonymous and appellant is None:
        appellant_name = appellant_id_number = ""

    tracking_code = ""
    try:
        # One transaction: the appeal, its first event, its notices and the rows of the tasks it causes
        # (core.taskqueue), so that what is acknowledged is durable with everything that follows from it.
        with transaction.atomic(), taskqueue.batched():
            now = _now()
            appeal = Appeal(
                kind=kind,
                channel=channel,
                urgency=urgency,
                title=title,
                content=content,
                category=category,
                keywords=keywords[:200],
                region=region,
                address=(address or "").strip()[:200],
                longitude=longitude,
                latitude=latitude,
                appellant=appellant,
                appellant_name=(appellant_name or "").strip()[:50],
                appellant_phone=appellant_phone,
                contact_phone=contact_phone,
                appellant_id_number=appellant_id_number,
                anonymous=anonymous,
                confidential=confidential,
                received_at=now,
                client_key=client_key or None,
                first_receiver=actor if is_staff_intake else None,
                first_receiver_unit=actor.unit if is_staff_intake else None,
            )
            if appellant is None:
                tracking_code = _tracking_code(client_key)
                appeal.tracking_code_hash = digest_code(tracking_code, "tracking")
            _save(appeal)
            appeal.number = f"{timezone.localtime(now):%Y%m%d}{appeal.pk:07d}"
            # An UPDATE of the one column: no save() signals for a row whose post_save the insert just sent.
            Appeal.objects.filter(pk=appeal.pk).update(number=appeal.number)
            if id_number_given and appeal.appellant_id_number:
                record_consent(
                    appellant,
                    Consent.ID_NUMBER,
                    subject=f"appeal:{appeal.pk}",
                    recorded_by=actor if is_staff_intake else None,
                )
            stored = [
                Attachment.objects.create(
                    appeal=appeal,
                    file=uploaded,
                    name=uploaded.name[:200],
                    content_type=ctype,
                    size=uploaded.size,
                )
                for uploaded, ctype in checked
            ]
            event = record_event(
                appeal,
                actor,
                "submit",
                state_before="",
                note=_("经「%(channel)s」受理") % {"channel": appeal.get_channel_display()},
                after={
                    "channel": channel,
                    "kind": kind,
                    "urgency": urgency,
                    "category": category.code if category else None,
                    "region": region.code,
                },
                first=True,
            )
            notices.tell_appellant(appeal, notices.RECEIVED, merged=False)
        # What the new appeal has, for the intake's answer (api.py renders it without a query).
        appeal.submitted_rows = {"events": [event], "attachments": stored}
    except IntegrityError:
        # A repeated key is rare, so it is not looked up first (a query on every submission): the unique client_key
        # refuses the second insert, which rolls back, and the appeal accepted under the key is returned.
        if client_key:
            existing = Appeal.objects.filter(client_key=client_key).first()
            if existing is not None:
                # The same key gives the same code: a double tap's second request, the one whose answer the browser
                # shows, can show the visitor the code of the appeal the first one made.
                return existing, _tracking_code(client_key) if existing.tracking_code_hash else ""
        raise
    return appeal, tracking_code


def _tracking_code(client_key: str | None) -> str:
    """A new tracking code: random, or, for a submission under an idempotency key, derived from the key with the
    secret key (whoever repeats the submission with its key may read the code again; nobody can derive it)."""
    if not client_key:
        return f"{secrets.randbelow(10**8):08d}"
    digest = salted_hmac("gongzhi.appeals.tracking-from-key", client_key, algorithm="sha256").hexdigest()
    return f"{int(digest, 16) % 10**8:08d}"


# ---------------------------------------------------------------- dispatch center and operators


def suggest_dispatch(category: Category | None, region: Region) -> DispatchRule | None:
    """The most specific catalogue rule: the deepest category, then the deepest region (None = everywhere)."""
    if category is None:
        return None
    categories = category.lineage()
    return pick_dispatch_rule(categories, region, _dispatch_rules(tuple(c.pk for c in categories)))


def _dispatch_rules(category_ids: tuple[int, ...]) -> dict:
    """{(category id, region id or None): rule (its unit loaded)} of these categories; cached per process until a
    rule, a unit or a category is written (core.refcache). The rules are shared: do not change them."""
    return refcache.cached(
        refcache.REFERENCE,
        ("dispatch_rules", category_ids),
        lambda: {
            (r.category_id, r.region_id): r
            for r in DispatchRule.objects.using(refcache.DB)
            .filter(category__in=category_ids)
            .select_related("unit")
        },
    )


def pick_dispatch_rule(lineage: list[Category], region: Region, rules: dict) -> DispatchRule | None:
    """The rule suggest_dispatch picks from rules already read ({(category id, region id or None): rule}):
    the deepest category of `lineage` first, then the deepest region."""
    regions = [*region.ancestors(), None]
    for cat in lineage:
        for reg in regions:
            rule = rules.get((cat.pk, reg.pk if reg else None))
            if rule is not None:
                return rule
    return None


def dispatch(
    actor: User,
    appeal_id: int,
    *,
    lead_unit: Unit,
    co_units: Iterable[Unit] = (),
    category: Category | None = None,
    urgency: str | None = None,
    note: str = "",
) -> Appeal:
    with _acting(actor, appeal_id, "dispatch") as (appeal, _t):
        if not isinstance(lead_unit, Unit) or not lead_unit.is_active:
            raise ServiceError(_("请选择有效的主办单位。"), field="lead_unit")
        co_units = [u for u in co_units if u.pk != lead_unit.pk]
        if category is not None:
            appeal.category = category
        if urgency:
            if urgency not in Urgency.values:
                raise ServiceError(_("紧急程度无效。"), field="urgency")
            appeal.urgency = urgency
        rule = suggest_dispatch(appeal.category, appeal.region)
        if (
            rule is not None
            and rule.unit.kind == UnitKind.DEPARTMENT
            and lead_unit.kind == UnitKind.COMMUNITY_COMMITTEE
        ):
            raise ServiceError(
                _("该类诉求属于职能部门「%(unit)s」的职责，不得下推给社区（国办函〔2025〕66号）。")
                % {"unit": rule.unit.name},
                code="pushed_down",
                field="lead_unit",
            )
        before = appeal.state
        dispatched_at = _now()
        # Judged against the dispatch due in force while it waited (computed before the urgency changes).
        on_time = appeal.dispatch_due is None or dispatched_at <= appeal.dispatch_due
        appeal.state = AppealState.DISPATCHED
        appeal.lead_unit = lead_unit
        appeal.dispatched_at = dispatched_at
        appeal.signed_at = appeal.contacted_at = None
        appeal.first_contact_on_time = None
        appeal.return_from_state = ""
        _save(appeal)
        appeal.co_units.set(co_units)
        record_event(
            appeal,
            actor,
            "dispatch",
            state_before=before,
            note=note,
            unit=lead_unit,
            after={
                "lead_unit": lead_unit.name,
                "co_units": [u.name for u in co_units],
                "urgency": appeal.urgency,
                "category": appeal.category.code if appeal.category else None,
                "suggested": rule.unit.name if rule else None,
                "on_time": on_time,
            },
        )
        _tell_unit(lead_unit, appeal, _("新派单"), _("请在时限内签收。"))
        for unit in co_units:
            _tell_unit(unit, appeal, _("新协办"), _("贵单位为协办单位，请配合主办单位办理。"))
        notices.tell_appellant(
            appeal, notices.DISPATCHED, unit=lead_unit.name, reply_due=notices.when(appeal.reply_due)
        )
    return appeal


def merge_into(actor: User, appeal_id: int, *, master: Appeal, note: str = "") -> Appeal:
    with _acting(actor, appeal_id, "merge_into") as (appeal, _t):
        master = Appeal.objects.select_for_update().filter(pk=getattr(master, "pk", master)).first()
        if master is None or master.pk == appeal.pk:
            raise ServiceError(_("请选择另一件诉求作为主诉求。"), field="master")
        if not master.is_open:
            raise ServiceError(_("主诉求已办结或已被并单，不能并入。"), code="master_closed", field="master")
        before = appeal.state
        appeal.state = AppealState.MERGED
        appeal.master = master
        _save(appeal)
        record_event(
            appeal, actor, "merge_into", state_before=before, note=note, after={"master": master.number}
        )
        record_event(
            master,
            actor,
            "merged_from",
            note=_("并入诉求 %(n)s") % {"n": appeal.number},
            after={"merged": appeal.number},
        )
        notices.tell_appellant(appeal, notices.MERGED, master_number=master.number)
    return appeal


def refer_out(actor: User, appeal_id: int, *, target: str, reason: str) -> Appeal:
    if target not in ReferTarget.values:
        raise ServiceError(_("请选择转办去向或告知的法定途径。"), field="target")
    reason = inputs.text(reason, "reason", _("转办理由"), min_length=4)
    with _acting(actor, appeal_id, "refer_out") as (appeal, _t):
        return _close(appeal, actor, "refer_out", CloseReason.REFERRED_OUT, reason, refer_target=target)


def withdraw(actor: User, appeal_id: int, *, reason: str = "") -> Appeal:
    with _acting(actor, appeal_id, "withdraw") as (appeal, _t):
        _require_own(actor, appeal)
        # The reason the resident gave, or none: the close reason already says 诉求人撤回 (pages showed it twice).
        appeal = _close(appeal, actor, "withdraw", CloseReason.WITHDRAWN, (reason or "").strip())
        _tell_unit(appeal.lead_unit, appeal, _("诉求已撤回"), _("诉求人已撤回，无需继续办理。"))
    return appeal


def _close(appeal: Appeal, actor, action: str, reason: str, note: str, refer_target: str = "") -> Appeal:
    before = appeal.state
    appeal.state = AppealState.CLOSED
    appeal.closed_at = _now()
    appeal.close_reason = reason
    appeal.close_note = note
    appeal.refer_target = refer_target
    _save(appeal)
    record_event(
        appeal,
        actor,
        action,
        state_before=before,
        note=note,
        after={"close_reason": reason, "refer_target": refer_target or None},
    )
    if action != "withdraw":  # the appellant withdrew it themselves
        result = str(CloseReason(reason).label)
        if refer_target:
            result = f"{result}（{ReferTarget(refer_target).label}）"
        notices.tell_appellant(appeal, notices.CLOSED, result=result, note=note)
    return appeal


def answer_directly(
    actor: User, appeal_id: int, *, text: str, article: KnowledgeArticle | None = None
) -> Appeal:
    text = inputs.text(text, "text", _("答复内容"), min_length=10)
    with _acting(actor, appeal_id, "answer_directly") as (appeal, _t):
        appeal.knowledge_article = article
        return _replied(appeal, actor, "answer_directly", text)


def _replied(appeal: Appeal, actor, action: str, text: str) -> Appeal:
    before = appeal.state
    appeal.state = AppealState.REPLIED
    appeal.replied_at = _now()
    appeal.reply_text = text
    _save(appeal)
    handling = (appeal.replied_at - appeal.dispatched_at).total_seconds() if appeal.dispatched_at else None
    record_event(
        appeal,
        actor,
        action,
        state_before=before,
        note=text,
        unit=appeal.lead_unit,
        after={
            "on_time": appeal.reply_due is None or appeal.replied_at <= appeal.reply_due,
            "handling_seconds": handling,
        },
    )
    notices.told_replied(appeal)
    _reply_merged(appeal, actor)
    if (
        appeal.anonymous
        or deadlines.get_limit(Step.CALLBACK, appeal.kind, appeal.urgency, appeal.category) is None
    ):
        # Anonymous appeals get no callback; consultations have no callback step (spec §1, §4).
        reason = CloseReason.ANONYMOUS if appeal.anonymous else CloseReason.ANSWERED_DIRECTLY
        _close(appeal, None, "auto_close", reason, CloseReason(reason).label)
    return appeal


def _reply_merged(master: Appeal, actor) -> None:
    """Spec §6: every appellant is told and called back. Each appeal merged into the replied master follows it to
    `replied` with the master's answer, lead unit and reply time, and so waits for its own callback (operators see it
    among the callbacks to make, its appellant answers online). Anonymous ones, and those of a kind without a callback
    step, are only told."""
    merged = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("category__parent__parent", "appellant")
        .filter(master=master, state=AppealState.MERGED)
        .order_by("pk")
    )
    for appeal in merged:
        appeal.reply_text, appeal.replied_at, appeal.lead_unit = (
            master.reply_text,
            master.replied_at,
            master.lead_unit,
        )
        called_back = (
            not appeal.anonymous
            and deadlines.get_limit(Step.CALLBACK, appeal.kind, appeal.urgency, appeal.category) is not None
        )
        if called_back:
            appeal.state = AppealState.REPLIED
        _save(appeal)
        record_event(
            appeal,
            actor,
            "master_replied",
            state_before=AppealState.MERGED,
            unit=master.lead_unit,
            note=_("主诉求 %(n)s 已答复：%(text)s") % {"n": master.number, "text": master.reply_text},
            after={"master": master.number, "callback": called_back},
        )
        notices.told_replied(appeal)


# ---------------------------------------------------------------- handling units


def sign(actor: User, appeal_id: int, *, note: str = "") -> Appeal:
    with _acting(actor, appeal_id, "sign") as (appeal, _t):
        _require_lead_handler(actor, appeal)
        before = appeal.state
        appeal.state = AppealState.ACCEPTED
        appeal.signed_at = _now()
        _save(appeal)
        record_event(
            appeal,
            actor,
            "sign",
            state_before=before,
            note=note,
            unit=appeal.lead_unit,
            after={"on_time": appeal.signed_at <= appeal.sign_due if appeal.sign_due else None},
        )
    return appeal


def request_return(actor: User, appeal_id: int, *, reason: str) -> Appeal:
    reason = inputs.text(reason, "reason", _("退单理由"), min_length=5)
    with _acting(actor, appeal_id, "request_return") as (appeal, _t):
        _require_lead_handler(actor, appeal)
        before = appeal.state
        counters.count_return(
            appeal,
            ReturnRequest.objects.create(
                appeal=appeal,
                unit=appeal.lead_unit,
                reason=reason,
                from_state=before,
                requested_by=actor,
                requested_at=_now(),
            ),
        )
        appeal.return_from_state = before
        appeal.state = AppealState.RETURN_REQUESTED
        _save(appeal)
        record_event(appeal, actor, "request_return", state_before=before, note=reason, unit=appeal.lead_unit)
    return appeal


def _pending_return(appeal: Appeal) -> ReturnRequest:
    request = appeal.return_requests.filter(decision=RequestDecision.PENDING).order_by("-id").first()
    if request is None:  # the state says there is one; a missing row is a data error worth a clear refusal
        raise IllegalTransition(_("没有待审核的退单申请。"))
    return request


def approve_return(actor: User, appeal_id: int, *, note: str = "") -> Appeal:
    with _acting(actor, appeal_id, "approve_return") as (appeal, _t):
        request = _pending_return(appeal)
        request.decide(actor, RequestDecision.APPROVED, note, _now())
        unit = appeal.lead_unit
        before = appeal.state
        appeal.state = AppealState.RECEIVED
        appeal.lead_unit = None
        appeal.dispatched_at = appeal.signed_at = appeal.contacted_at = None
        # 改派 has its own dispatch limit, run from this approval (docs/decisions.md).
        appeal.redispatch_from = _now()
        appeal.first_contact_on_time = None
        appeal.return_from_state = ""
        _save(appeal)
        appeal.co_units.clear()
        record_event(
            appeal,
            actor,
            "approve_return",
            state_before=before,
            note=note or _("同意退单，待改派"),
            unit=unit,
            after={"returned_by": unit.name if unit else None, "dispatch_due": appeal.dispatch_due},
        )
    return appeal


def reject_return(actor: User, appeal_id: int, *, note: str = "") -> Appeal:
    note = inputs.text(note, "note", _("驳回理由"), min_length=4)
    with _acting(actor, appeal_id, "reject_return") as (appeal, _t):
        request = _pending_return(appeal)
        request.decide(actor, RequestDecision.REJECTED, note, _now())
        counters.count_unjustified(appeal, request)
        before = appeal.state
        appeal.state = appeal.return_from_state or AppealState.DISPATCHED
        appeal.return_from_state = ""
        _save(appeal)
        record_event(
            appeal,
            actor,
            "reject_return",
            state_before=before,
            note=note,
            unit=appeal.lead_unit,
            after={"unjustified_return": True},
        )
        _tell_unit(appeal.lead_unit, appeal, _("退单被驳回"), note)
    return appeal


def record_contact(actor: User, appeal_id: int, *, note: str = "") -> Appeal:
    with _acting(actor, appeal_id, "record_contact") as (appeal, _t):
        _require_lead_handler(actor, appeal)
        before = appeal.state
        appeal.state = AppealState.IN_PROGRESS
        appeal.contacted_at = _now()
        appeal.first_contact_on_time = appeal.contact_due is None or appeal.contacted_at <= appeal.contact_due
        _save(appeal)
        record_event(
            appeal,
            actor,
            "record_contact",
            state_before=before,
            note=note,
            unit=appeal.lead_unit,
            after={"on_time": appeal.first_contact_on_time},
        )
    return appeal


def record_progress(actor: User, appeal_id: int, *, note: str) -> Appeal:
    note = inputs.text(note, "note", _("办理进展"), min_length=2)
    with _acting(actor, appeal_id, "record_progress") as (appeal, _t):
        co_unit_ids = set(appeal.co_units.values_list("pk", flat=True))
        if actor.unit_id != appeal.lead_unit_id and actor.unit_id not in co_unit_ids:
            raise PermissionDeniedError(_("只有主办或协办单位的承办人可以记录办理进展。"))
        record_event(appeal, actor, "record_progress", note=note, unit=actor.unit)
    return appeal


def request_extension(actor: User, appeal_id: int, *, reason: str, working_days: int) -> Appeal:
    conf = settings.GONGZHI
    reason = inputs.text(reason, "reason", _("延期理由"), min_length=5)
    try:
        working_days = int(working_days)
    except (TypeError, ValueError):
        raise ServiceError(_("请填写延期的工作日数。"), field="working_days") from None
    if not 1 <= working_days <= conf["EXTENSION_MAX_WORKING_DAYS"]:
        raise ServiceError(
            _("每次延期为1至%(n)s个工作日。") % {"n": conf["EXTENSION_MAX_WORKING_DAYS"]},
            field="working_days",
        )
    with _acting(actor, appeal_id, "request_extension") as (appeal, _t):
        _require_lead_handler(actor, appeal)
        if appeal.reply_due and _now() > appeal.reply_due:
            raise ServiceError(_("已超过办理时限，不能再申请延期。"), code="too_late")
        if appeal.extension_count >= conf["EXTENSION_MAX_COUNT"]:
            raise ServiceError(
                _("延期次数已达上限（%(n)s次）。") % {"n": conf["EXTENSION_MAX_COUNT"]},
                code="extension_limit",
            )
        if appeal.extension_requests.filter(decision=RequestDecision.PENDING).exists():
            raise ServiceError(_("已有待审批的延期申请。"), code="extension_pending")
        ExtensionRequest.objects.create(
            appeal=appeal,
            unit=appeal.lead_unit,
            reason=reason,
            working_days=working_days,
            requested_by=actor,
            requested_at=_now(),
        )
        record_event(
            appeal,
            actor,
            "request_extension",
            note=reason,
            unit=appeal.lead_unit,
            after={"working_days": working_days},
        )
    return appeal


def _pending_extension(appeal: Appeal) -> ExtensionRequest:
    request = appeal.extension_requests.filter(decision=RequestDecision.PENDING).order_by("-id").first()
    if request is None:
        raise ServiceError(_("没有待审批的延期申请。"), code="no_pending_extension")
    return request


def approve_extension(actor: User, appeal_id: int, *, note: str = "") -> Appeal:
    with _acting(actor, appeal_id, "approve_extension") as (appeal, _t):
        request = _pending_extension(appeal)
        request.decide(actor, RequestDecision.APPROVED, note, _now())
        old_due = appeal.reply_due
        appeal.extension_working_days += request.working_days
        appeal.extension_count += 1
        _save(appeal)
        record_event(
            appeal,
            actor,
            "approve_extension",
            note=note,
            unit=appeal.lead_unit,
            before={"reply_due": old_due},
            after={"reply_due": appeal.reply_due, "working_days": request.working_days},
        )
        notices.tell_appellant(
            appeal, notices.EXTENDED, days=request.working_days, reply_due=notices.when(appeal.reply_due)
        )
    return appeal


def deny_extension(actor: User, appeal_id: int, *, note: str = "") -> Appeal:
    note = inputs.text(note, "note", _("不予延期的理由"), min_length=2)
    with _acting(actor, appeal_id, "deny_extension") as (appeal, _t):
        request = _pending_extension(appeal)
        request.decide(actor, RequestDecision.REJECTED, note, _now())
        record_event(appeal, actor, "deny_extension", note=note, unit=appeal.lead_unit)
        _tell_unit(appeal.lead_unit, appeal, _("延期申请未获批准"), note)
    return appeal


def reply(actor: User, appeal_id: int, *, text: str) -> Appeal:
    text = inputs.text(text, "text", _("答复内容"), min_length=10)
    with _acting(actor, appeal_id, "reply") as (appeal, _t):
        _require_lead_handler(actor, appeal)
        return _replied(appeal, actor, "reply", text)


# ---------------------------------------------------------------- callback and closing


def callback(
    actor: User,
    appeal_id: int,
    *,
    contacted: bool | None = None,
    solved: bool | None = None,
    satisfaction: str = "",
    reached: bool = True,
    comment: str = "",
) -> Appeal:
    """Record the appellant's verdict. Solved and not unsatisfied closes; otherwise the unit works again
    (重办) until the reopen limit, after which the appeal waits for a supervisor's close_unresolvable."""
    with _acting(actor, appeal_id, "callback") as (appeal, _t):
        by_resident = actor.has_role(Role.RESIDENT) and not actor.has_role(Role.OPERATOR)
        if by_resident:
            _require_own(actor, appeal)
            reached = True
        return _record_callback(
            appeal,
            actor,
            CallbackMethod.ONLINE if by_resident else CallbackMethod.PHONE,
            contacted=contacted,
            solved=solved,
            satisfaction=satisfaction,
            reached=reached,
            comment=comment,
        )


def callback_by_sms(appeal_id: int, phone: str, digit: str) -> Appeal:
    """The appellant's "1/2/3" reply to a callback invitation (满意/基本满意/不满意), as the spec's callback. The
    three questions get: contacted = the unit recorded its first contact; solved = not unsatisfied (a reply of 3
    reopens the appeal as an unsatisfied online callback does). The caller checked that the invitation asked for it."""
    from .notices import SMS_CALLBACK_DIGITS

    satisfaction = SMS_CALLBACK_DIGITS[digit]
    with _acting(None, appeal_id, "callback", by_phone=phone) as (appeal, _t):
        actor = appeal.appellant if appeal.appellant_id else None
        return _record_callback(
            appeal,
            actor,
            CallbackMethod.SMS,
            contacted=appeal.contacted_at is not None,
            solved=satisfaction != Satisfaction.UNSATISFIED,
            satisfaction=satisfaction,
            reached=True,
            comment=_("短信回复“%(d)s”") % {"d": digit},
            actor_label=_("诉求人（短信）"),
        )


def _record_callback(
    appeal: Appeal,
    actor,
    method: str,
    *,
    contacted,
    solved,
    satisfaction: str,
    reached: bool,
    comment: str,
    actor_label: str = "",
) -> Appeal:
    """The callback's record and its consequences, on the locked appeal (callback and callback_by_sms)."""
    if reached:
        if contacted is None or solved is None:
            raise ServiceError(_("请回答承办单位是否联系过您、问题是否解决。"), field="solved")
        if satisfaction not in Satisfaction.values:
            raise ServiceError(_("请选择满意程度。"), field="satisfaction")
    before = appeal.state
    record = Callback.objects.create(
        appeal=appeal,
        unit=appeal.lead_unit,
        method=method,
        reached=bool(reached),
        contacted=contacted if reached else None,
        solved=solved if reached else None,
        satisfaction=satisfaction if reached else "",
        first_contact_on_time=appeal.first_contact_on_time,
        comment=(comment or "").strip(),
        recorded_by=actor,
        created_at=_now(),
        # Spec §5: merged-away appeals are called back but are not valid callbacks (the master's counts the
        # unit's answer once), like anonymous ones.
        valid=bool(reached)
        and not appeal.anonymous
        and appeal.lead_unit_id is not None
        and appeal.master_id is None,
    )
    counters.count_callback(appeal, record)
    summary = {
        "reached": record.reached,
        "contacted": record.contacted,
        "solved": record.solved,
        "satisfaction": record.satisfaction,
    }
    if not reached:
        record_event(
            appeal,
            actor,
            "callback",
            state_before=before,
            note=_("回访未接通"),
            after=summary,
            actor_label=actor_label,
        )
        return appeal
    limit = settings.GONGZHI["REOPEN_LIMIT"]
    if appeal.master_id is not None and not (solved and satisfaction != Satisfaction.UNSATISFIED):
        return _merged_dissent(appeal, actor, before, record, summary, comment, actor_label)
    if solved and satisfaction != Satisfaction.UNSATISFIED:
        appeal.state = AppealState.CLOSED
        appeal.closed_at = _now()
        appeal.close_reason = CloseReason.RESOLVED
        note = _("回访：已解决，%(s)s") % {"s": Satisfaction(satisfaction).label}
    elif appeal.reopen_count < limit:
        appeal.state = AppealState.IN_PROGRESS
        appeal.reopen_count += 1
        appeal.reopened_at = _now()
        appeal.replied_at = None
        appeal.extension_working_days = 0  # the reopened round has its own reply limit
        note = _("回访不满意或未解决，第%(n)s次重办") % {"n": appeal.reopen_count}
        _tell_unit(appeal.lead_unit, appeal, _("诉求重办"), note)
        notices.tell_appellant(
            appeal,
            notices.REOPENED,
            round=appeal.reopen_count,
            unit=appeal.lead_unit.name if appeal.lead_unit_id else "",
        )
    else:
        note = _("回访不满意或未解决，已达重办上限，待督办员按规定办结")
    _save(appeal)
    if comment:
        note = f"{note}。{comment.strip()}"
    record_event(
        appeal,
        actor,
        "callback",
        state_before=before,
        note=note,
        unit=appeal.lead_unit,
        after=summary,
        actor_label=actor_label,
    )
    if appeal.state == AppealState.CLOSED:
        notices.tell_appellant(
            appeal, notices.CLOSED, result=str(CloseReason.RESOLVED.label), note=_("感谢您的评价。")
        )
    return appeal


def _merged_dissent(
    appeal: Appeal, actor, before: str, record: Callback, summary: dict, comment: str, actor_label: str = ""
) -> Appeal:
    """A merged appellant finds the master's answer unsolved or unsatisfying: the appeal follows its master again
    (called back after its next reply), and the verdict goes on the master's trail and to its lead unit, whose own
    appellant's callback decides whether the work is reopened (one reopening per matter, not one per duplicate)."""
    appeal.state = AppealState.MERGED
    _save(appeal)
    label = Satisfaction(record.satisfaction).label
    note = _("并单诉求人回访：%(solved)s，%(s)s") % {
        "solved": _("已解决") if record.solved else _("未解决"),
        "s": label,
    }
    if comment:
        note = f"{note}。{comment.strip()}"
    record_event(
        appeal,
        actor,
        "callback",
        state_before=before,
        note=note,
        unit=appeal.lead_unit,
        after=summary,
        actor_label=actor_label,
    )
    master = (
        Appeal.objects.select_for_update(of=("self",)).select_related("lead_unit").get(pk=appeal.master_id)
    )
    record_event(
        master,
        actor,
        "merged_callback",
        unit=master.lead_unit,
        actor_label=actor_label,
        note=_("并单诉求 %(n)s %(note)s") % {"n": appeal.number, "note": note},
        after={"merged": appeal.number, **summary},
    )
    _tell_unit(master.lead_unit, master, _("并单诉求人不满意"), note)
    return appeal


def close_unresolvable(actor: User, appeal_id: int, *, note: str) -> Appeal:
    note = inputs.text(note, "note", _("办结说明"), min_length=4)
    with _acting(actor, appeal_id, "close_unresolvable") as (appeal, _t):
        if appeal.reopen_count < settings.GONGZHI["REOPEN_LIMIT"]:
            raise IllegalTransition(
                _("重办次数未达上限（%(n)s次），不能按无法解决办结。")
                % {"n": settings.GONGZHI["REOPEN_LIMIT"]}
            )
        return _close(appeal, actor, "close_unresolvable", CloseReason.UNRESOLVABLE, note)


# ---------------------------------------------------------------- supervision


def supervise(actor: User, appeal_id: int, *, level: int, note: str) -> Supervision:
    """A supervisor's 催办 (level 0) or 督办 (levels 1–3) on an open appeal; not a state change."""
    if not actor.has_role(Role.SUPERVISOR):
        raise PermissionDeniedError(_("只有督办员可以催办或督办。"))
    note = inputs.text(note, "note", _("督办意见"), min_length=2)
    if level not in (0, 1, 2, 3):
        raise ServiceError(_("督办级别为1至3级，0为催办。"), field="level")
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
        if not appeal.is_open:
            raise IllegalTransition(_("诉求已办结，无需督办。"))
        kind = SupervisionKind.REMINDER if level == 0 else SupervisionKind.SUPERVISION
        if appeal.state == AppealState.RECEIVED:  # waiting for dispatch: the hotline centre's step
            return _issue_supervision(
                appeal, actor, kind, level, Step.DISPATCH, appeal.dispatch_due or _now(), note
            )
        return _issue_supervision(appeal, actor, kind, level, Step.REPLY, appeal.reply_due or _now(), note)


def _issue_supervision(
    appeal: Appeal, actor, kind: str, level: int, step: str, due, note: str, at=None
) -> Supervision:
    at = at or _now()
    item, created = Supervision.objects.get_or_create(
        appeal=appeal,
        step=step,
        due=due,
        kind=kind,
        level=level,
        defaults={
            "unit": appeal.lead_unit,
            "issued_by": actor if getattr(actor, "pk", None) else None,
            "note": note,
            "created_at": at,
        },
    )
    if not created:
        return item
    counters.count_supervision(appeal, item)
    if level > appeal.supervision_level:
        appeal.supervision_level = level
        appeal.save(update_fields=["supervision_level"])
    action = "remind" if kind == SupervisionKind.REMINDER else "supervise"
    label = SupervisionKind(kind).label + (f"（{level}级）" if level else "")
    record_event(
        appeal,
        actor,
        action,
        note=f"{label}：{note}",
        unit=appeal.lead_unit,
        after={"step": step, "level": level, "due": due},
        at=at,
    )
    if step == Step.DISPATCH:
        # Waiting for dispatch is the hotline centre's step: its dispatchers' units are told.
        for unit in dispatcher_units():
            _tell_unit(unit, appeal, label, note)
    else:
        _tell_unit(appeal.lead_unit, appeal, label, note)
    return item


def dispatcher_units() -> list[Unit]:
    """The units of the active dispatchers (the hotline centre)."""
    return list(
        Unit.objects.filter(
            pk__in=User.objects.filter(
                groups__name=Role.DISPATCHER, is_active=True, unit__isnull=False
            ).values("unit")
        )
    )


def sweep_deadlines(now=None) -> int:
    """Issue 催办 when a step enters its warning window and 督办 levels 1–3 as it stays overdue
    (level 1 when overdue, 2 after one more working day, 3 after three). Idempotent: each notice is
    issued once per step and due time, so a second run changes nothing."""
    now = now or _now()
    # Only a step in its warning window or overdue gets a notice, and `warn_at` is the earliest moment any
    # step of the appeal enters its window (deadlines.board_fields): one range on the board's partial index.
    candidates = Appeal.objects.filter(warn_at__lte=now).order_by("pk").values_list("pk", flat=True)
    issued = 0
    for appeal_id in candidates.iterator():
        with transaction.atomic():
            appeal = (
                Appeal.objects.select_for_update(of=("self",)).select_related("lead_unit").get(pk=appeal_id)
            )
            for step, start, due in deadlines.active_steps(appeal):
                for kind, level in _due_notices(start, due, now):
                    existing = Supervision.objects.filter(
                        appeal=appeal, step=step, due=due, kind=kind, level=level
                    )
                    if existing.exists():
                        continue
                    label = Step(step).label
                    note = (
                        _("%(step)s临近时限（%(due)s）") if level == 0 else _("%(step)s已超时限（%(due)s）")
                    ) % {"step": label, "due": timezone.localtime(due).strftime("%m-%d %H:%M")}
                    _issue_supervision(appeal, None, kind, level, step, due, note, at=now)
                    issued += 1
    return issued


def _due_notices(start, due, now) -> list[tuple[str, int]]:
    light = deadlines.step_light(start, due, now)
    if light == "green":
        return []
    notices = [(SupervisionKind.REMINDER, 0)]
    if light == "red":
        notices.append((SupervisionKind.SUPERVISION, 1))
        if now >= deadlines.add_working_days_at(due, 1):
            notices.append((SupervisionKind.SUPERVISION, 2))
        if now >= deadlines.add_working_days_at(due, 3):
            notices.append((SupervisionKind.SUPERVISION, 3))
    return notices


# ---------------------------------------------------------------- privacy


def reveal_contact(actor: User, appeal: Appeal) -> dict:
    """Unmasked phone and ID number for those who need them (spec §7); every reveal is audited."""
    from .selectors import can_unmask

    if not can_unmask(actor, appeal):
        raise PermissionDeniedError(_("您无权查看诉求人的完整联系方式。"))
    append_audit_event(
        actor,
        "unmask_contact",
        target=f"appeal:{appeal.pk}",
        note=_("查看诉求 %(n)s 诉求人完整联系方式") % {"n": appeal.number},
        after={"phone": mask_phone(appeal.appellant_phone)},
    )
    return {
        "name": appeal.appellant_name,
        "phone": appeal.appellant_phone,
        "contact_phone": appeal.contact_phone,
        "id_number": appeal.appellant_id_number,
    }


# ---------------------------------------------------------------- the conversation on an appeal (补充材料, 询问, 答复)


def _appellant_numbers(appeal: Appeal) -> set[str]:
    """The mobile numbers the appellant is known by on this appeal: the one given with it and the account's."""
    numbers = {appeal.appellant_phone} if appeal.appellant_phone else set()
    if appeal.appellant_id and appeal.appellant.phone:
        numbers.add(appeal.appellant.phone)
    return numbers


def _tell_handlers(appeal: Appeal, subject: str, body: str) -> None:
    """Tell the side that holds the appeal: its lead unit, or the hotline's dispatchers before it is dispatched."""
    if appeal.lead_unit_id:
        _tell_unit(appeal.lead_unit, appeal, subject, body)
    else:
        for unit in dispatcher_units():
            _tell_unit(unit, appeal, subject, body)


def pending_question(appeal: Appeal):
    """The handler's last question if the appellant has not answered it since (an `ask` event), else None."""
    last = (
        AppealEvent.objects.filter(appeal=appeal, action__in=("ask", "answer"))
        .order_by("-id")
        .only("id", "action", "note", "unit", "created_at")
        .first()
    )
    return last if last is not None and last.action == "ask" else None


def supplement(
    actor: User,
    appeal_id: int,
    *,
    text: str = "",
    attachments: Iterable = (),
    longitude=None,
    latitude=None,
    address: str = "",
    source: str = "",
) -> Appeal:
    """补充材料: the appellant adds text, photos or the place to their open appeal (on the web, by SMS, by WeChat:
    `source` names the channel when there is no text); the unit holding it is told. A place fills the appeal's
    only where it had none: a place the dispatcher already has is not moved."""
    text = (text or "").strip()
    address = (address or "").strip()[:200]
    files = list(attachments or [])
    place = longitude is not None and latitude is not None
    if not text and not files and not place and not address:
        raise ServiceError(_("请填写补充内容或上传照片。"), field="text")
    if len(text) > 2000:
        raise ServiceError(_("补充内容不能超过2000个字。"), field="text")
    if len(files) > 9:
        raise ServiceError(_("每次最多上传9个附件。"), field="attachments")
    checked = [(f, check_upload(f)) for f in files]
    with _acting(actor, appeal_id, "supplement") as (appeal, _t):
        _require_own(actor, appeal)
        if appeal.attachments.count() + len(checked) > 30:
            raise ServiceError(_("一件诉求的附件最多30个。"), field="attachments")
        stored = [
            Attachment.objects.create(
                appeal=appeal, file=f, name=f.name[:200], content_type=ctype, size=f.size
            )
            for f, ctype in checked
        ]
        changed = []
        if place and appeal.longitude is None:
            appeal.longitude, appeal.latitude = longitude, latitude
            changed += ["longitude", "latitude"]
        if address and not appeal.address:
            appeal.address = address
            changed.append("address")
        if changed:
            appeal.save(update_fields=changed)
        after = {
            k: v
            for k, v in {
                "attachments": [{"id": a.pk, "name": a.name} for a in stored],
                "location": [str(longitude), str(latitude)] if place else None,
                "address": address or None,
                "via": source or None,
            }.items()
            if v
        }
        record_event(appeal, actor, "supplement", note=text or source, after=after or None)
        body = text[:200] or (_("上传了%(n)s个附件") % {"n": len(stored)} if stored else _("补充了地点"))
        _tell_handlers(appeal, _("诉求人补充了材料"), body)
    return appeal


def ask(actor: User, appeal_id: int, *, question: str) -> Appeal:
    """询问: the lead unit's handler asks the appellant a question; the appellant is told on their channels (a site
    message, SMS to the appeal's number: they may answer by replying to it)."""
    question = inputs.text(question, "question", _("询问内容"), min_length=4)
    if len(question) > 500:
        raise ServiceError(_("询问内容不能超过500个字。"), field="question")
    with _acting(actor, appeal_id, "ask") as (appeal, _t):
        _require_lead_handler(actor, appeal)
        if appeal.anonymous and not appeal.appellant_id:
            raise ServiceError(_("匿名诉求没有联系方式，无法询问诉求人。"), code="anonymous")
        event = record_event(appeal, actor, "ask", note=question, unit=appeal.lead_unit)
        notices.tell_appellant(
            appeal,
            notices.ASKED,
            key=f"ask:{event.pk}",
            merged=False,
            question=question,
            unit=appeal.lead_unit.name if appeal.lead_unit_id else "",
        )
    return appeal


def answer(actor: User, appeal_id: int, *, text: str) -> Appeal:
    """The appellant answers the handler's open question (on the appeal's page or by the API)."""
    text = inputs.text(text, "text", _("答复内容"), min_length=1)
    with _acting(actor, appeal_id, "answer") as (appeal, _t):
        _require_own(actor, appeal)
        return _answered(appeal, actor, text)


def _answered(appeal: Appeal, actor, text: str, *, by_sms: bool = False) -> Appeal:
    question = pending_question(appeal)
    if question is None:
        raise ServiceError(
            _("承办单位没有待您答复的询问；如需补充情况，请使用「补充材料」。"),
            code="no_question",
            field="text",
        )
    record_event(
        appeal,
        actor,
        "answer",
        note=text[:2000],
        unit=appeal.lead_unit,
        after={"question": question.pk, "channel": "sms" if by_sms else "web"},
        actor_label=_("诉求人（短信）") if by_sms else "",
    )
    _tell_handlers(appeal, _("诉求人答复了询问"), text[:200])
    return appeal


# ---------------------------------------------------------------- SMS from the appellant (core.sms.sms_received)


def _sms_invited_callback(appeal: Appeal, phone: str) -> bool:
    """Whether an SMS sent to `phone` about this replied appeal asked for a "1/2/3" reply (a callback invitation
    with a callback time, sent since the reply)."""
    from gongzhi.core.choices import NotificationChannel
    from gongzhi.core.models import Notification

    if appeal.state != AppealState.REPLIED or appeal.replied_at is None:
        return False
    invitations = Notification.objects.filter(
        channel=NotificationChannel.SMS,
        phone=phone,
        ref=f"appeal:{appeal.pk}",
        kind__in=notices.SMS_CALLBACK_KINDS,
        created_at__gte=appeal.replied_at,
    ).values_list("context", flat=True)
    return any((context or {}).get("callback_due") for context in invitations)


def appeals_of_number(phone: str):
    """The open appeals whose appellant is reached at `phone`, the most recent first."""
    from django.db.models import Q

    from .choices import OPEN_STATES

    return Appeal.objects.filter(
        Q(appellant_phone=phone) | Q(appellant__phone=phone), state__in=OPEN_STATES, anonymous=False
    ).order_by("-received_at", "-id")


def receive_sms(phone: str, text: str) -> tuple[str, Appeal | None]:
    """An SMS from an appellant's number: a "1/2/3" reply to the callback invitation it was sent records the
    callback; otherwise it is attached to their open appeal awaiting an answer to a question (as the answer), else
    to their most recent open one (as a 补充材料 by SMS). Returns (what was done, the appeal)."""
    text = (text or "").strip()
    candidates = list(appeals_of_number(phone)[:20])
    if not candidates:
        return _("该号码没有办理中的诉求"), None
    digit = text.rstrip("。.！! ")
    if digit in notices.SMS_CALLBACK_DIGITS:
        for appeal in candidates:
            if _sms_invited_callback(appeal, phone):
                callback_by_sms(appeal.pk, phone, digit)
                return _("回访评价：%(s)s") % {
                    "s": Satisfaction(notices.SMS_CALLBACK_DIGITS[digit]).label
                }, appeal
    waiting = next((a for a in candidates if pending_question(a) is not None), None)
    target = waiting or candidates[0]
    with _acting(None, target.pk, "answer" if waiting else "supplement", by_phone=phone) as (appeal, _t):
        actor = appeal.appellant if appeal.appellant_id else None
        if waiting:
            _answered(appeal, actor, text, by_sms=True)
            return _("答复询问"), appeal
        record_event(
            appeal,
            actor,
            "supplement",
            note=text[:2000],
            after={"channel": "sms"},
            actor_label=_("诉求人（短信）"),
        )
        _tell_handlers(appeal, _("诉求人短信补充了情况"), text[:200])
    return _("补充材料"), appeal


def on_sms_received(sender, inbound, **kwargs) -> None:
    """core.sms.sms_received: attach the message (receive_sms); what was done is kept on the inbound row. A refusal
    (e.g. a state that takes no answer) leaves it unattached, for staff to see in the admin."""
    try:
        with transaction.atomic():
            done, appeal = receive_sms(inbound.phone, inbound.text)
    except ServiceError as exc:
        inbound.handled = str(exc.message)[:200]
        return
    inbound.handled = str(done)[:200]
    inbound.ref = f"appeal:{appeal.pk}" if appeal else ""


def on_sms_failed(sender, notification, reason: str, **kwargs) -> None:
    """core.sms.sms_failed: an SMS about an appeal could not be sent; its timeline says so, for the staff."""
    if not (notification.ref or "").startswith("appeal:"):
        return
    appeal_id = notification.ref.split(":", 1)[1]
    appeal = (
        Appeal.objects.select_for_update(of=("self",)).filter(pk=appeal_id).first()
        if appeal_id.isdigit()
        else None
    )
    if appeal is None:
        return
    from gongzhi.core.notices import get_kind

    kind = get_kind(notification.kind, default=None)
    record_event(
        appeal,
        None,
        "sms_failed",
        note=_("「%(k)s」短信未能发送给诉求人：%(r)s")
        % {"k": kind.label if kind else notification.subject, "r": reason},
        after={"notification": notification.pk},
    )
