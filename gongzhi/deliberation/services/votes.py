"""Votes: drawn up with their electorate, opened, balloted online or on paper (by proxy for owners), and
counted exactly under their rule (rules.py); a secret vote keeps only anonymous counters."""

from collections.abc import Sequence
from contextlib import contextmanager
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.errors import IllegalTransition, NotFoundError, PermissionDeniedError, ServiceError
from gongzhi.core.models import User
from gongzhi.core.services import normalize_phone
from gongzhi.core.uploads import check_upload

from .. import rules
from ..choices import BallotChannel, BallotChoice, ElectorateBasis, Phase, VoteRule, VoteState
from ..models import Ballot, Elector, Meeting, Owner, OwnerRegister, PropertyUnit, SecretTally, Topic, Vote
from ._base import _event, _locked_topic, _require_login, _require_manager, _require_setting


def create_vote(
    actor: User,
    topic_id: int,
    *,
    question: str,
    rule: str,
    major: bool = False,
    secret: bool = False,
    register_id: int | None = None,
    basis: str = "",
    meeting_id: int | None = None,
) -> Vote:
    """A vote in draft. An owners' vote counts the owners of a register; the others count the electors listed
    with `add_electors` on `basis` before the vote opens (the list's size is the residents' meeting's 应到人数)."""
    question = inputs.text(question, "question", _("表决事项"), limit=300, required=True)
    rule = inputs.choice(rule, VoteRule, "rule", _("表决规则"))
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        if topic.phase not in (Phase.COLLECTING, Phase.DELIBERATING, Phase.VOTING):
            raise IllegalTransition(
                _("议题当前处于「%(phase)s」阶段，不能再创建表决。") % {"phase": topic.get_phase_display()}
            )
        register = None
        if rule == VoteRule.OWNERS_JOINT:
            # A register of the topic's community (or below it), as the topic page offers: another community's
            # owners, areas and names are not this vote's.
            register = (
                OwnerRegister.objects.filter(
                    pk=register_id, region__path__startswith=topic.region.path
                ).first()
                if register_id
                else None
            )
            if register is None:
                raise ServiceError(
                    _("业主共同决定须选择业主名册（面积和人数以名册为准）。"), field="register_id"
                )
            basis = ""
        elif rule == VoteRule.BODY_RULES:
            major, basis = False, ElectorateBasis.MEMBERS
        else:
            major = False
            if basis not in (ElectorateBasis.ADULTS, ElectorateBasis.HOUSEHOLDS, ElectorateBasis.GROUPS):
                raise ServiceError(
                    _("居民会议须选择投票人范围：18周岁以上居民、每户代表或居民小组代表。"), field="basis"
                )
        meeting = None
        if meeting_id:
            meeting = Meeting.objects.filter(pk=meeting_id, topics=topic).first()
            if meeting is None:
                raise ServiceError(_("所选会议未讨论此议题。"), field="meeting_id")
        vote = Vote.objects.create(
            topic=topic,
            meeting=meeting,
            question=question,
            rule=rule,
            major=bool(major),
            secret=bool(secret),
            register=register,
            basis=basis,
            created_by=actor,
        )
        if vote.secret:
            # Every counter now, in a fixed order, so that which counter exists (or its row id) never tells
            # which choice the first voter made.
            SecretTally.objects.bulk_create([SecretTally(vote=vote, choice=c) for c in BallotChoice.values])
        _event(
            topic,
            actor,
            "create_vote",
            note=question,
            after={"vote": vote.pk, "rule": rule, "basis": basis, "major": vote.major, "secret": vote.secret},
        )
    return vote


MAX_GROUP_REPRESENTATIVES = 3  # 居民委员会组织法 第10条: each residents' group elects two or three


def add_electors(actor: User, vote_id: int, rows: Sequence[dict]) -> list[Elector]:
    """List the people entitled to vote, before voting opens. rows: {"name", "household", "resident_group",
    "phone"} (or "user": an account). A mobile number links the person's account, now or when they first log in
    with it (`link_electors_by_phone`), so that they can vote online; everyone on the list can vote on paper.
    By household, one representative per household; by group, at most three per group."""
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        if vote.rule == VoteRule.OWNERS_JOINT:
            raise ServiceError(_("业主共同决定以业主名册为准，无需另列投票人。"), field="rows")
        if vote.state != VoteState.DRAFT:
            raise IllegalTransition(_("投票已开始，投票人名单不能再修改。"))
        if not rows:
            raise ServiceError(_("请至少填写一名投票人。"), field="rows")
        existing = list(vote.electors.all())
        people = {(e.name, e.household) for e in existing}
        accounts = {e.user_id for e in existing if e.user_id}
        households = {e.household for e in existing}
        groups: dict[str, int] = {}
        for e in existing:
            groups[e.resident_group] = groups.get(e.resident_group, 0) + 1
        added = []
        for n, row in enumerate(rows, start=1):
            name = str(row.get("name") or "").strip()[:50]
            household = str(row.get("household") or "").strip()[:50]
            group = str(row.get("resident_group") or "").strip()[:50]
            user, phone = row.get("user"), str(row.get("phone") or "").strip()
            where = _("第%(n)s行") % {"n": n}
            if phone:
                try:
                    phone = normalize_phone(phone)
                except ServiceError:
                    raise ServiceError(
                        _("%(where)s：手机号须为11位手机号码。") % {"where": where}, field="rows"
                    ) from None
                user = user or User.objects.filter(phone=phone, is_active=True).first()
            elif user is not None:
                phone = user.phone or ""
            if not name:
                raise ServiceError(_("%(where)s：姓名必填。") % {"where": where}, field="rows")
            if vote.basis == ElectorateBasis.HOUSEHOLDS:
                if not household:
                    raise ServiceError(
                        _("%(where)s：按户表决须填写户（门牌号）。") % {"where": where}, field="rows"
                    )
                if household in households:
                    raise ServiceError(
                        _("%(where)s：%(h)s 已有户代表，每户只能一人投票。")
                        % {"where": where, "h": household},
                        field="rows",
                    )
            if vote.basis == ElectorateBasis.GROUPS:
                if not group:
                    raise ServiceError(
                        _("%(where)s：按居民小组表决须填写居民小组。") % {"where": where}, field="rows"
                    )
                if groups.get(group, 0) >= MAX_GROUP_REPRESENTATIVES:
                    raise ServiceError(
                        _("%(where)s：%(g)s 已有 %(k)s 名代表，每个居民小组推选2至3人。")
                        % {"where": where, "g": group, "k": MAX_GROUP_REPRESENTATIVES},
                        field="rows",
                    )
            if (name, household) in people:
                raise ServiceError(
                    _("%(where)s：%(name)s %(h)s 已在名单中。")
                    % {"where": where, "name": name, "h": household},
                    field="rows",
                )
            if user is not None and user.pk in accounts:
                raise ServiceError(
                    _("%(where)s：该手机号对应的账号已在名单中，一人只能列一次。") % {"where": where},
                    field="rows",
                )
            people.add((name, household))
            households.add(household)
            groups[group] = groups.get(group, 0) + 1
            if user is not None:
                accounts.add(user.pk)
            added.append(
                Elector(
                    vote=vote,
                    name=name,
                    household=household,
                    resident_group=group,
                    phone=phone,
                    user=user,
                    added_by=actor,
                )
            )
        Elector.objects.bulk_create(added)
        _event(
            topic,
            actor,
            "add_electors",
            note=vote.question,
            after={
                "vote": vote.pk,
                "added": len(added),
                "linked": sum(1 for e in added if e.user_id),
                "electors": len(existing) + len(added),
            },
            public=False,
        )
    return added


def link_electors_by_phone(user) -> int:
    """A new account whose mobile number is on the list of a vote not yet closed is linked to that entry
    (core.services.resident_account_created), so the person can vote online. Returns the entries linked."""
    if not getattr(user, "phone", ""):
        return 0
    linked = 0
    candidates = (
        Elector.objects.filter(phone=user.phone, user__isnull=True)
        .exclude(vote__state=VoteState.CLOSED)
        .values_list("pk", "vote_id")
    )
    for elector_id, vote_id in list(candidates):
        with _locked_vote(vote_id) as (topic, vote):
            if vote.state == VoteState.CLOSED or vote.electors.filter(user=user).exists():
                continue
            if Elector.objects.filter(pk=elector_id, user__isnull=True).update(user=user):
                _event(
                    topic,
                    None,
                    "link_elector",
                    note=vote.question,
                    after={"vote": vote.pk, "elector": elector_id},
                    public=False,
                )
                linked += 1
    return linked


def remove_elector(actor: User, elector_id: int) -> None:
    vote_id = Elector.objects.filter(pk=elector_id).values_list("vote_id", flat=True).first()
    if vote_id is None:
        raise NotFoundError(_("投票人不存在。"))
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        if vote.state != VoteState.DRAFT:
            raise IllegalTransition(_("投票已开始，投票人名单不能再修改。"))
        elector = vote.electors.get(pk=elector_id)
        elector.delete()
        _event(
            topic,
            actor,
            "remove_elector",
            note=vote.question,
            after={"vote": vote.pk, "electors": vote.electors.count()},
            public=False,
        )


@contextmanager
def _locked_vote(vote_id: int):
    topic_id = Vote.objects.filter(pk=vote_id).values_list("topic_id", flat=True).first()
    if topic_id is None:
        raise NotFoundError(_("表决不存在。"))
    with _locked_topic(topic_id) as topic:
        vote = Vote.objects.select_for_update(of=("self",)).select_related("register").get(pk=vote_id)
        yield topic, vote


def open_vote(actor: User, vote_id: int) -> Vote:
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        _require_setting(topic, "votes_open", _("不能开始投票（请先进入表决阶段）。"))
        if vote.state != VoteState.DRAFT:
            raise IllegalTransition(_("该表决已开始或已结束。"))
        if vote.rule != VoteRule.OWNERS_JOINT:
            # The list fixes who may vote and, for a residents' meeting, how many should attend (应到人数).
            vote.base = vote.electors.count()
            if not vote.base:
                raise ServiceError(_("请先登记投票人名单，再开始投票。"), field="rows", code="no_electors")
        vote.state, vote.opened_at = VoteState.OPEN, timezone.now()
        vote.save(update_fields=["state", "opened_at", "base"])
        _event(topic, actor, "open_vote", note=vote.question, after={"vote": vote.pk, "base": vote.base})
    return vote


def _check_ballot_open(topic: Topic, vote: Vote) -> None:
    _require_setting(topic, "votes_open", _("不能投票。"))
    if vote.state != VoteState.OPEN:
        raise IllegalTransition(_("该表决未开始或已结束，不能投票。"), code="vote_not_open")


def _save_ballot(
    topic: Topic,
    vote: Vote,
    actor,
    *,
    key: str,
    name: str,
    choice: str,
    channel: str,
    owner: Owner | None = None,
    user: User | None = None,
    paper_number: str = "",
    proxy: dict | None = None,
) -> Ballot:
    existing = Ballot.objects.filter(vote=vote, voter_key=key).first()
    if existing is not None:
        raise ServiceError(
            _("%(name)s 已经投过票（%(channel)s），每人只能投一票，不能重复投票。")
            % {"name": name, "channel": existing.get_channel_display()},
            code="already_voted",
        )
    try:
        with transaction.atomic():
            # A secret vote keeps only the receipt (who took part, to refuse a second ballot) on the Ballot row;
            # the choice is added to the vote's anonymous counters (issue N item 4).
            ballot = Ballot.objects.create(
                vote=vote,
                voter_key=key,
                owner=owner,
                user=user,
                voter_name=name,
                choice="" if vote.secret else choice,
                channel=channel,
                entered_by=actor if channel == BallotChannel.PAPER else None,
                paper_number=paper_number,
                **(proxy or {}),
            )
            if vote.secret:
                _count_secret_choice(vote, choice, owner)
    except IntegrityError:
        raise ServiceError(
            _("%(name)s 已经投过票，每人只能投一票，不能重复投票。") % {"name": name}, code="already_voted"
        ) from None
    after = {"vote": vote.pk, "channel": channel}
    if proxy:
        after["proxy"] = proxy["proxy_name"]
    if not vote.secret:
        after["voter"], after["choice"] = name, choice
    _event(topic, actor, "cast_ballot", after=after, public=False)
    return ballot


def _count_secret_choice(vote: Vote, choice: str, owner: Owner | None) -> None:
    """Add one ballot (and, for an owners' vote, the owner's exclusive area) to the choice's counter. The caller
    holds the topic's row lock, so the counters are updated one ballot at a time."""
    area = Decimal(0)
    if vote.rule == VoteRule.OWNERS_JOINT and owner is not None:
        area = PropertyUnit.objects.filter(owner=owner).aggregate(s=Sum("area"))["s"] or Decimal(0)
    row, _created = SecretTally.objects.get_or_create(vote=vote, choice=choice)
    SecretTally.objects.filter(pk=row.pk).update(heads=F("heads") + 1, area=F("area") + area)


def _voter_for(vote: Vote, user: User) -> tuple[str, str, Owner | None]:
    """The voter an account stands for: its owner in the register, or its entry on the list of electors. An
    account on neither (another community's staff, a new phone-code account) cannot vote."""
    if vote.rule == VoteRule.OWNERS_JOINT:
        owner = Owner.objects.filter(register=vote.register, user=user).first()
        if owner is None:
            raise PermissionDeniedError(
                _("业主名册中没有您的房屋，不能参加此次业主表决。"), code="not_an_owner"
            )
        return f"owner:{owner.pk}", owner.name, owner
    elector = vote.electors.filter(user=user).first()
    if elector is None:
        raise PermissionDeniedError(
            _("您不在本次表决的投票人名单中，不能投票。如有疑问请联系社区居委会。"), code="not_an_elector"
        )
    return f"elector:{elector.pk}", elector.name, None


def cast_ballot(actor: User, vote_id: int, *, choice: str) -> Ballot:
    """An online ballot by the voter themselves."""
    _require_login(actor)
    choice = inputs.choice(choice, BallotChoice, "choice", _("表决意见"))
    with _locked_vote(vote_id) as (topic, vote):
        _check_ballot_open(topic, vote)
        key, name, owner = _voter_for(vote, actor)
        return _save_ballot(
            topic,
            vote,
            actor,
            key=key,
            name=name,
            choice=choice,
            channel=BallotChannel.ONLINE,
            owner=owner,
            user=actor,
        )


def enter_paper_ballot(
    actor: User,
    vote_id: int,
    *,
    choice: str,
    owner_id: int | None = None,
    elector_id: int | None = None,
    paper_number: str = "",
    proxy: dict | None = None,
) -> Ballot:
    """A paper ballot entered by staff for an owner of the register or an elector of the list: the same voter
    key as their online ballot, so a person who voted online cannot be entered on paper too, nor the reverse.

    proxy (owners' votes, 物业管理条例 第12条): {"name": the proxy, "scope": what they may vote on, "document": the
    signed written authorisation (an uploaded file)}. The ballot is still the owner's: it counts once, and the
    owner cannot vote again themselves."""
    choice = inputs.choice(choice, BallotChoice, "choice", _("表决意见"))
    paper_number = (paper_number or "").strip()[:50]
    proxy = _proxy(proxy)
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        _check_ballot_open(topic, vote)
        owner = user = None
        if vote.rule == VoteRule.OWNERS_JOINT:
            owner = Owner.objects.filter(register=vote.register, pk=owner_id).first() if owner_id else None
            if owner is None:
                raise ServiceError(_("请从业主名册中选择投票的业主。"), field="owner_id")
            key, name = f"owner:{owner.pk}", owner.name
        else:
            if proxy:
                raise ServiceError(_("委托投票适用于业主表决（物业管理条例第12条）。"), field="proxy_name")
            elector = vote.electors.filter(pk=elector_id).first() if elector_id else None
            if elector is None:
                raise ServiceError(_("请从投票人名单中选择投票人。"), field="elector_id")
            key, name, user = f"elector:{elector.pk}", elector.name, elector.user
        return _save_ballot(
            topic,
            vote,
            actor,
            key=key,
            name=name,
            choice=choice,
            channel=BallotChannel.PAPER,
            owner=owner,
            user=user,
            paper_number=paper_number,
            proxy=proxy,
        )


def _proxy(proxy: dict | None) -> dict:
    """A proxy's written authorisation, checked: who, for what, and the signed document (image or PDF)."""
    if not proxy or not any(proxy.get(k) for k in ("name", "scope", "document")):
        return {}
    name = inputs.text(proxy.get("name"), "proxy_name", _("受托人姓名"), limit=50, required=True)
    scope = inputs.text(proxy.get("scope"), "proxy_scope", _("委托事项"), limit=200, required=True)
    document = proxy.get("document")
    if document is None:
        raise ServiceError(_("委托投票须上传业主签名的书面委托书（照片或PDF）。"), field="proxy_document")
    try:
        check_upload(document)
    except ServiceError as exc:
        raise ServiceError(exc.message, code=exc.code, field="proxy_document") from None
    return {"proxy_name": name, "proxy_scope": scope, "proxy_document": document}


def tally_vote(vote: Vote) -> tuple[rules.Decision, dict]:
    """Count the ballots under the vote's rule with rules.py; returns the decision and the figures."""
    ballots = vote.ballots.all()
    if vote.secret:
        # Only the anonymous counters: the receipts say who took part, never how.
        secret = {row["choice"]: row for row in vote.secret_tally.values("choice", "heads", "area")}
        counts = {c: secret[c]["heads"] if c in secret else 0 for c in BallotChoice.values}
        present = sum(counts.values())
    else:
        counts = {c: ballots.filter(choice=c).count() for c in BallotChoice.values}
        present = ballots.count()
    if vote.rule == VoteRule.OWNERS_JOINT:
        units = PropertyUnit.objects.filter(register=vote.register)
        total_area = units.aggregate(s=Sum("area"))["s"] or Decimal(0)
        total_owners = Owner.objects.filter(register=vote.register, units__isnull=False).distinct().count()
        if vote.secret:
            n_voted, n_yes = present, counts[BallotChoice.YES]
            part_area = sum((row["area"] for row in secret.values()), Decimal(0))
            yes_area = secret[BallotChoice.YES]["area"] if BallotChoice.YES in secret else Decimal(0)
        else:
            voted = ballots.values_list("owner_id", flat=True)
            yes = ballots.filter(choice=BallotChoice.YES).values_list("owner_id", flat=True)
            n_voted, n_yes = len(voted), len(yes)
            part_area = units.filter(owner_id__in=voted).aggregate(s=Sum("area"))["s"] or Decimal(0)
            yes_area = units.filter(owner_id__in=yes).aggregate(s=Sum("area"))["s"] or Decimal(0)
        figures = {
            "total_area": str(total_area),
            "total_owners": total_owners,
            "participating_area": str(part_area),
            "participating_owners": n_voted,
            "yes_area": str(yes_area),
            "yes_owners": n_yes,
            **counts,
        }
        decision = rules.owners_joint_decision(
            total_area, total_owners, part_area, n_voted, yes_area, n_yes, vote.major
        )
    elif vote.rule == VoteRule.RESIDENTS_MEETING:
        figures = {"base": vote.base, "present": present, "yes": counts[BallotChoice.YES], **counts}
        decision = rules.residents_meeting_decision(vote.base, present, counts[BallotChoice.YES])
    else:
        figures = {"present": present, "yes": counts[BallotChoice.YES], **counts}
        decision = rules.body_rules_decision(present, counts[BallotChoice.YES])
    return decision, figures


def close_vote(actor: User, vote_id: int) -> Vote:
    """Stop the ballots, count them exactly and publish the arithmetic in words."""
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        if vote.state != VoteState.OPEN:
            raise IllegalTransition(_("只有投票中的表决才能结束计票。"))
        try:
            decision, figures = tally_vote(vote)
        except ValueError as exc:
            raise ServiceError(_("计票数据有误：%(e)s") % {"e": exc}, code="bad_tally") from None
        vote.state, vote.closed_at = VoteState.CLOSED, timezone.now()
        vote.quorum_met, vote.passed, vote.reasons, vote.tally = (
            decision.quorum_met,
            decision.passed,
            decision.reasons,
            figures,
        )
        vote.save(update_fields=["state", "closed_at", "quorum_met", "passed", "reasons", "tally"])
        _event(
            topic,
            actor,
            "close_vote",
            note="；".join(decision.reasons),
            after={"vote": vote.pk, "passed": decision.passed, "quorum_met": decision.quorum_met, **figures},
        )
    return vote
