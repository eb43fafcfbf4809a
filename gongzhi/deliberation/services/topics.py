"""Topics: residents propose and co-sign, managers open topics (from appeals, for a party organisation or
of their own), set the bases of the convening check (F-1.4) and move a topic through its phases."""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal
from gongzhi.appeals.selectors import visible_appeals
from gongzhi.core import inputs
from gongzhi.core.choices import Role, UnitKind
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import Region, Unit, User

from .. import rules
from ..choices import TopicSource
from ..models import CoSigner, Resolution, Topic
from ..workflow import MANAGER, WORKFLOW
from ._base import (
    _appellants_notice,
    _event,
    _locked_topic,
    _require_login,
    _require_manager,
    _require_setting,
)


def create_topic(
    actor: User,
    *,
    title: str,
    description: str,
    region: Region,
    source: str,
    appeal_ids: Sequence[int] = (),
    proposer_unit: Unit | None = None,
    household: str = "",
    resident_group: str = "",
    adult_residents: int = 0,
    households: int = 0,
    resident_groups: int = 0,
) -> Topic:
    """Residents propose (and are the first co-signer); managers open topics from appeals, for a party
    organisation, or of their own."""
    _require_login(actor)
    title = inputs.text(title, "title", _("议题名称"), limit=200, required=True)
    description = inputs.text(description, "description", _("议题说明"), required=True)
    source = inputs.choice(source, TopicSource, "source", _("议题来源"))
    if region is None:
        raise ServiceError(_("请选择所属社区。"), field="region")
    if source == TopicSource.RESIDENT_PROPOSAL:
        if not actor.has_role(Role.RESIDENT):
            raise PermissionDeniedError(_("只有居民可以提出居民提议。"))
        household = inputs.text(household, "household", _("户（门牌号）"), limit=50, required=True)
    else:
        _require_manager(actor, region)
    # Only appeals the actor may see (a resident their own, staff their scope's): a topic tells every linked
    # appellant and writes to their appeal's trail, and its managers read the linked appeals' titles.
    wanted = set(appeal_ids)
    appeals: list[Appeal] = list(visible_appeals(actor).filter(pk__in=wanted)) if wanted else []
    if len(appeals) != len(wanted) or (source == TopicSource.APPEALS and not appeals):
        raise ServiceError(_("请选择要汇集的诉求（编号须存在）。"), field="appeal_ids")
    if source == TopicSource.PARTY_ORG:
        proposer_unit = proposer_unit or (actor.unit if actor.unit_id else None)
        if proposer_unit is None or proposer_unit.kind != UnitKind.PARTY_ORG:
            raise ServiceError(_("党组织提出的议题须注明提出的党组织。"), field="proposer_unit")
    for name, value in (
        ("adult_residents", adult_residents),
        ("households", households),
        ("resident_groups", resident_groups),
    ):
        if not isinstance(value, int) or value < 0:
            raise ServiceError(_("人数、户数、小组数须为非负整数。"), field=name)
    with transaction.atomic():
        topic = Topic.objects.create(
            title=title,
            description=description,
            region=region,
            source=source,
            proposer=actor,
            proposer_unit=proposer_unit,
            adult_residents=adult_residents,
            households=households,
            resident_groups=resident_groups,
        )
        topic.appeals.set(appeals)
        if source == TopicSource.RESIDENT_PROPOSAL:
            CoSigner.objects.create(
                topic=topic,
                user=actor,
                household=household,
                resident_group=(resident_group or "").strip()[:50],
            )
        _event(
            topic,
            actor,
            "create_topic",
            note=title,
            after={"source": source, "appeals": [a.pk for a in appeals], "phase": topic.phase},
        )
        if appeals:
            _appellants_notice(topic, actor, "deliberation_opened", _("社区将组织居民协商解决。"))
    return topic


def cosign_topic(actor: User, topic_id: int, *, household: str, resident_group: str = "") -> CoSigner:
    _require_login(actor)
    if not actor.has_role(Role.RESIDENT):
        raise PermissionDeniedError(_("只有居民可以联名提议。"))
    household = inputs.text(household, "household", _("户（门牌号）"), limit=50, required=True)
    with _locked_topic(topic_id) as topic:
        if topic.source != TopicSource.RESIDENT_PROPOSAL:
            raise ServiceError(_("只有居民提议的议题可以联名。"), code="not_a_proposal")
        _require_setting(topic, "cosign_open", _("不能再联名。"))
        if CoSigner.objects.filter(topic=topic, user=actor).exists():
            raise ServiceError(_("您已联名过此议题，每人只能联名一次。"), code="already_signed")
        signer = CoSigner.objects.create(
            topic=topic, user=actor, household=household, resident_group=(resident_group or "").strip()[:50]
        )
        check = convening_check(topic)
        _event(
            topic,
            actor,
            "cosign_topic",
            after={"signers": topic.cosigners.count(), "must_convene": check.must_convene},
        )
    return signer


def convening_check(topic: Topic) -> rules.ConveningCheck:
    """F-1.4 on the topic's co-signers: people, distinct households, distinct resident groups."""
    signers = topic.cosigners.all()
    households = {s.household.strip() for s in signers if s.household.strip()}
    groups = {s.resident_group.strip() for s in signers if s.resident_group.strip()}
    count = signers.count()
    return rules.residents_meeting_convening(
        topic.adult_residents,
        topic.households,
        topic.resident_groups,
        min(count, topic.adult_residents) if topic.adult_residents else count,
        min(len(households), topic.households) if topic.households else len(households),
        min(len(groups), topic.resident_groups) if topic.resident_groups else len(groups),
    )


def set_topic_bases(
    actor: User, topic_id: int, *, adult_residents: int, households: int, resident_groups: int
) -> Topic:
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        values = {
            "adult_residents": adult_residents,
            "households": households,
            "resident_groups": resident_groups,
        }
        for name, value in values.items():
            if not isinstance(value, int) or value < 0:
                raise ServiceError(_("人数、户数、小组数须为非负整数。"), field=name)
        before = {name: getattr(topic, name) for name in values}
        for name, value in values.items():
            setattr(topic, name, value)
        topic.save(update_fields=[*values, "updated_at"])
        _event(topic, actor, "set_topic_bases", before=before, after=values)
    return topic


def advance_topic(actor: User, topic_id: int, action: str, *, reason: str = "") -> Topic:
    """Phase changes by the table; resolving goes through record_resolution."""
    if action == "resolve":
        raise ServiceError(_("形成决议请使用「形成决议」功能。"), code="use_record_resolution")
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        transition = WORKFLOW.require(topic.phase, action, {MANAGER}, state_label=topic.get_phase_display())
        note = ""
        if action == "close":
            note = inputs.text(reason, "reason", _("关闭原因"), limit=1000, required=True)
            topic.closed_reason = note
        if action == "open_voting" and not topic.votes.exists():
            raise ServiceError(_("请先创建表决事项，再进入表决阶段。"), code="no_vote")
        if action == "publish":
            resolution = Resolution.objects.filter(topic=topic).first()
            if resolution is None or resolution.completed_at is None:
                raise ServiceError(_("决议的落实任务尚未全部完成，不能公示结果。"), code="not_completed")
        before = topic.phase
        topic.phase = transition.target
        topic.save(update_fields=["phase", "closed_reason", "updated_at"])
        _event(topic, actor, action, note=note, before={"phase": before}, after={"phase": topic.phase})
    return topic
