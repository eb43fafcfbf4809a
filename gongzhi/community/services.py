"""Every write of 共建, as `verb_noun(actor, …)`. Each service checks the actor's right (managers — community
staff and admins, by role, never by the kind of their unit — in their region; an activity's organiser; a
self-organisation's leader; residents for themselves; a party member for their own households), locks the rows
it changes, checks the transition tables in workflow.py, writes, appends a CommunityEvent to the hash chain and
notifies.
Refusals are `ServiceError` subclasses with Chinese messages.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.services import submit_appeal
from gongzhi.core import inputs
from gongzhi.core.choices import RegionLevel, Role, UnitKind
from gongzhi.core.conf import setting
from gongzhi.core.errors import IllegalTransition, NotFoundError, PermissionDeniedError, ServiceError
from gongzhi.core.masking import person_label, staff_label
from gongzhi.core.models import Region, Unit, User
from gongzhi.core.notices import send_notice
from gongzhi.core.permissions import in_scope, is_manager

from . import notices
from .choices import (
    AccountKind,
    ActivityState,
    EntryKind,
    HelpState,
    MemberRole,
    NeedKind,
    OrgDomain,
    OrgStage,
    ProjectState,
    RedemptionState,
    RedResourceKind,
    SignInMethod,
    SignupState,
)
from .models import (
    Activity,
    CommunityEvent,
    HelpRequest,
    LedgerAccount,
    LedgerEntry,
    LinkedHousehold,
    OrgMember,
    PartyBuildingProject,
    PartyMemberHousehold,
    ProjectUpdate,
    Redemption,
    RedResource,
    RewardItem,
    SelfOrganization,
    ServiceRecord,
    Signup,
    StageReview,
    Visit,
    VolunteerProfile,
)
from .workflow import ACTIVITY_WORKFLOW, ORGANIZER, STAGE_ACTION_LABELS, STAGE_WORKFLOW

QR_SALT = "gongzhi.community.sign-in"


def household_limits() -> tuple[int, int]:
    return int(setting("COMMUNITY_HOUSEHOLDS_MIN")), int(setting("COMMUNITY_HOUSEHOLDS_MAX"))


def points_per_hour() -> int:
    return int(setting("COMMUNITY_POINTS_PER_HOUR"))


def sign_in_early() -> timedelta:
    """How long before an activity starts its participants may sign in."""
    return timedelta(minutes=int(setting("COMMUNITY_SIGN_IN_EARLY_MINUTES")))


def record_grace() -> timedelta:
    """How long after an activity ends its organisers may still record hours."""
    return timedelta(days=int(setting("COMMUNITY_RECORD_GRACE_DAYS")))


# ---------------------------------------------------------------- helpers


def _require_login(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("请先登录。"), code="login_required")


def can_manage(user, region: Region) -> bool:
    return is_manager(user) and in_scope(user, region)


def _require_manager(actor, region: Region) -> None:
    _require_login(actor)
    if not is_manager(actor):
        raise PermissionDeniedError(_("只有社区工作者或管理员可以执行此操作。"))
    if not in_scope(actor, region):
        raise PermissionDeniedError(_("该事项不在您负责的区域内。"))


def _codes(values, choices, field: str) -> str:
    if isinstance(values, str):
        values = [v.strip() for v in values.replace("，", ",").split(",") if v.strip()]
    values = list(dict.fromkeys(values or []))
    for value in values:
        if value not in choices.values:
            raise ServiceError(_("需求类型「%(v)s」无效。") % {"v": value}, field=field)
    return ",".join(values)


def _region(region, level: str, label: str, field: str) -> Region:
    if not isinstance(region, Region) or region.level != level:
        raise ServiceError(_("请选择%(label)s。") % {"label": label}, field=field)
    return region


def _hours(value, field: str = "hours") -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError(_("时长须为数字。"), field=field) from None
    if hours <= 0 or hours > 24:
        raise ServiceError(_("时长须大于0且不超过24小时。"), field=field)
    return hours


def _actor_label(actor) -> str:
    if actor is None:
        return _("系统")
    return staff_label(actor)


def _event(subject: str, actor, action: str, *, note: str = "", before=None, after=None) -> CommunityEvent:
    return CommunityEvent.append(
        actor, action, actor_label=_actor_label(actor), subject=subject, note=note, before=before, after=after
    )


# ---------------------------------------------------------------- self-organisations


def register_organization(
    actor: User,
    *,
    name: str,
    domain: str,
    region: Region,
    description: str = "",
    skills=(),
    mentor_unit: Unit | None = None,
) -> SelfOrganization:
    """Residents apply to found a self-organisation (they become its leader); managers register one."""
    _require_login(actor)
    name = inputs.text(name, "name", _("名称"), limit=100, required=True)
    domain = inputs.choice(domain, OrgDomain, "domain", _("服务领域"))
    region = _region(region, RegionLevel.COMMUNITY, _("所属社区"), "region")
    if mentor_unit is not None and mentor_unit.kind not in (UnitKind.PARTY_ORG, UnitKind.SOCIAL_ORG):
        raise ServiceError(_("指导单位须为党组织或社会组织。"), field="mentor_unit")
    if not (actor.has_role(Role.RESIDENT, Role.PARTY_MEMBER) or can_manage(actor, region)):
        raise PermissionDeniedError(_("只有居民、党员或社区工作者可以申请成立自组织。"))
    with transaction.atomic():
        org = SelfOrganization.objects.create(
            name=name,
            domain=domain,
            region=region,
            description=inputs.text(description, "description", ""),
            skills=_codes(skills, NeedKind, "skills"),
            mentor_unit=mentor_unit,
            created_by=actor,
        )
        OrgMember.objects.create(organization=org, user=actor, role=MemberRole.LEADER)
        _event(
            f"org:{org.pk}",
            actor,
            "register_organization",
            note=name,
            after={"domain": domain, "region": region.code, "stage": org.stage},
        )
    return org


def set_mentor_unit(actor: User, org_id: int, *, mentor_unit: Unit) -> SelfOrganization:
    with transaction.atomic():
        org = inputs.locked(SelfOrganization, org_id, _("自组织不存在。"))
        _require_manager(actor, org.region)
        if mentor_unit is None or mentor_unit.kind not in (UnitKind.PARTY_ORG, UnitKind.SOCIAL_ORG):
            raise ServiceError(_("指导单位须为党组织或社会组织。"), field="mentor_unit")
        before = org.mentor_unit_id
        org.mentor_unit = mentor_unit
        org.save(update_fields=["mentor_unit"])
        _event(
            f"org:{org.pk}", actor, "set_mentor_unit", before={"unit": before}, after={"unit": mentor_unit.pk}
        )
    return org


def review_organization(
    actor: User, org_id: int, action: str, *, opinion: str, filing_number: str = ""
) -> StageReview:
    """One incubation review: moves the stage by the table and keeps the record of the review."""
    opinion = inputs.text(opinion, "opinion", _("评审意见"), limit=2000, required=True)
    with transaction.atomic():
        org = inputs.locked(SelfOrganization, org_id, _("自组织不存在。"))
        _require_manager(actor, org.region)
        transition = STAGE_WORKFLOW.require(
            org.stage, action, actor.roles, state_label=org.get_stage_display()
        )
        if transition.target == OrgStage.MATURE:
            org.filing_number = inputs.text(
                filing_number, "filing_number", _("备案编号"), limit=40, required=True
            )
            if org.mentor_unit_id is None:
                raise ServiceError(_("登记备案前须明确指导单位（党组织或社会组织）。"), code="no_mentor")
        if transition.target == OrgStage.INCUBATING and org.mentor_unit_id is None:
            raise ServiceError(_("入驻孵化须明确指导单位（党组织或社会组织）。"), code="no_mentor")
        review = StageReview.objects.create(
            organization=org,
            action=action,
            from_stage=org.stage,
            to_stage=transition.target,
            opinion=opinion,
            reviewer=actor,
        )
        before = org.stage
        org.stage = transition.target
        org.save(update_fields=["stage", "filing_number"])
        _event(
            f"org:{org.pk}",
            actor,
            f"review_{action}",
            note=opinion,
            before={"stage": before},
            after={"stage": org.stage, "review": review.pk},
        )
        send_notice(
            notices.ORG_REVIEWED.key,
            user=org.created_by,
            context={"organization": org.name, "result": STAGE_ACTION_LABELS[action], "opinion": opinion},
            link=f"/community/organizations/{org.pk}/",
        )
    return review


def _require_org_leader(actor, org: SelfOrganization) -> None:
    _require_login(actor)
    if can_manage(actor, org.region):
        return
    if not OrgMember.objects.filter(organization=org, user=actor, role=MemberRole.LEADER).exists():
        raise PermissionDeniedError(_("只有自组织负责人或社区工作者可以管理成员。"))


def add_member(actor: User, org_id: int, *, user: User, role: str = MemberRole.MEMBER) -> OrgMember:
    role = inputs.choice(role, MemberRole, "role", _("角色"))
    with transaction.atomic():
        org = inputs.locked(SelfOrganization, org_id, _("自组织不存在。"))
        _require_org_leader(actor, org)
        if org.stage == OrgStage.EXITED:
            raise IllegalTransition(_("该自组织已退出，不能再加入成员。"))
        member, created = OrgMember.objects.get_or_create(
            organization=org, user=user, defaults={"role": role}
        )
        if not created:
            if member.role == role:
                raise ServiceError(_("该成员已在自组织中。"), code="already_member")
            member.role = role
            member.save(update_fields=["role"])
        _event(f"org:{org.pk}", actor, "add_member", after={"user": user.pk, "role": role})
    return member


def join_organization(actor: User, org_id: int) -> OrgMember:
    _require_login(actor)
    with transaction.atomic():
        org = inputs.locked(SelfOrganization, org_id, _("自组织不存在。"))
        if org.stage == OrgStage.EXITED:
            raise IllegalTransition(_("该自组织已退出，不能再加入。"))
        if OrgMember.objects.filter(organization=org, user=actor).exists():
            raise ServiceError(_("您已是该自组织成员。"), code="already_member")
        member = OrgMember.objects.create(organization=org, user=actor, role=MemberRole.MEMBER)
        _event(f"org:{org.pk}", actor, "join_organization", after={"user": actor.pk})
    return member


def create_project(
    actor: User,
    *,
    title: str,
    region: Region,
    party_unit: Unit,
    social_orgs: Sequence[Unit],
    description: str,
    self_orgs: Sequence[SelfOrganization] = (),
    starts_on: date | None = None,
    ends_on: date | None = None,
    goals: str = "",
    budget=None,
) -> PartyBuildingProject:
    title = inputs.text(title, "title", _("项目名称"), limit=200, required=True)
    description = inputs.text(description, "description", _("项目内容"), required=True)
    goals = inputs.text(goals, "goals", _("项目目标"))
    if budget is not None:
        try:
            budget = Decimal(str(budget)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise ServiceError(_("预算须为金额（元）。"), field="budget") from None
        if budget < 0 or budget >= Decimal("1e10"):
            raise ServiceError(_("预算须为不小于0的金额（元）。"), field="budget")
    region = _region(region, RegionLevel.COMMUNITY, _("所属社区"), "region")
    _require_manager(actor, region)
    if party_unit is None or party_unit.kind != UnitKind.PARTY_ORG:
        raise ServiceError(_("请选择牵头的党组织。"), field="party_unit")
    social_orgs = list(social_orgs)
    if not social_orgs or any(u.kind != UnitKind.SOCIAL_ORG for u in social_orgs):
        raise ServiceError(_("党建项目须与至少一家社会组织合作。"), field="social_orgs")
    if starts_on and ends_on and ends_on < starts_on:
        raise ServiceError(_("结束日期不能早于开始日期。"), field="ends_on")
    with transaction.atomic():
        project = PartyBuildingProject.objects.create(
            title=title,
            region=region,
            party_unit=party_unit,
            description=description,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor,
            goals=goals,
            budget=budget,
            state=ProjectState.RUNNING
            if starts_on and starts_on <= timezone.localdate()
            else ProjectState.PLANNED,
        )
        project.social_orgs.set(social_orgs)
        project.self_orgs.set(list(self_orgs))
        _event(
            f"project:{project.pk}",
            actor,
            "create_project",
            note=title,
            after={"party_unit": party_unit.pk, "social_orgs": [u.pk for u in social_orgs]},
        )
    return project


def can_run_project(user, project: PartyBuildingProject) -> bool:
    """The project's community workers, and the staff of its party organisation and partner social organisations."""
    if not getattr(user, "is_authenticated", False):
        return False
    if can_manage(user, project.region):
        return True
    return (
        bool(user.unit_id)
        and not user.has_role(Role.RESIDENT)
        and (user.unit_id == project.party_unit_id or project.social_orgs.filter(pk=user.unit_id).exists())
    )


def _locked_project(actor, project_id: int) -> PartyBuildingProject:
    project = inputs.locked(PartyBuildingProject, project_id, _("党建项目不存在。"))
    if not can_run_project(actor, project):
        raise PermissionDeniedError(_("只有项目所在社区的社区工作者和牵头、合作单位的工作人员可以办理。"))
    return project


def record_project_progress(actor: User, project_id: int, *, note: str) -> ProjectUpdate:
    """A progress note; the first one starts a planned project."""
    note = inputs.text(note, "note", _("进展"), limit=2000, required=True)
    with transaction.atomic():
        project = _locked_project(actor, project_id)
        if project.state == ProjectState.DONE:
            raise IllegalTransition(_("项目已完成，不能再记录进展。"), code="project_done")
        update = ProjectUpdate.objects.create(project=project, note=note, recorded_by=actor)
        if project.state == ProjectState.PLANNED:
            project.state = ProjectState.RUNNING
            project.save(update_fields=["state"])
        _event(
            f"project:{project.pk}",
            actor,
            "record_project_progress",
            note=note[:200],
            after={"update": update.pk, "state": project.state},
        )
    return update


def link_project_activity(actor: User, project_id: int, *, activity: Activity) -> Activity:
    """An activity run as part of the project (shown on the project's page)."""
    with transaction.atomic():
        project = _locked_project(actor, project_id)
        activity = inputs.locked(Activity, getattr(activity, "pk", activity), _("活动不存在。"))
        if not activity.region.path.startswith(project.region.path):
            raise ServiceError(_("只能关联本社区的活动。"), field="activity")
        activity.project = project
        activity.save(update_fields=["project"])
        _event(f"project:{project.pk}", actor, "link_project_activity", after={"activity": activity.pk})
    return activity


def complete_project(actor: User, project_id: int, *, result: str) -> PartyBuildingProject:
    """The project is done; its result is published on the community's page."""
    result = inputs.text(result, "result", _("项目成效"), limit=4000, required=True)
    if len(result) < 10:
        raise ServiceError(_("请写明项目成效（至少10个字），将在社区页面公开。"), field="result")
    with transaction.atomic():
        project = _locked_project(actor, project_id)
        if project.state == ProjectState.DONE:
            raise IllegalTransition(_("项目已完成。"), code="project_done")
        before = project.state
        project.state, project.result, project.completed_at = ProjectState.DONE, result, timezone.now()
        project.save(update_fields=["state", "result", "completed_at"])
        _event(
            f"project:{project.pk}",
            actor,
            "complete_project",
            note=result[:200],
            before={"state": before},
            after={"state": project.state},
        )
    return project


# ---------------------------------------------------------------- activities


def _duration_hours(starts_at, ends_at) -> Decimal:
    """The activity's length in hours, to 0.1 h rounded down: no one serves longer than the activity lasts."""
    seconds = int((ends_at - starts_at).total_seconds())
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"), rounding="ROUND_DOWN")


def unit_serves(unit: Unit | None, region: Region) -> bool:
    """A unit serves the communities in its own region (a county department the whole county, a community
    committee its community)."""
    return unit is not None and region.path.startswith(unit.region.path)


def needs_approval(activity: Activity) -> bool:
    """A unit's activity outside the communities it serves is published only by a manager of that community."""
    return bool(activity.organizer_unit_id) and not unit_serves(activity.organizer_unit, activity.region)


def can_organize(user, activity: Activity) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if activity.created_by_id == user.pk or can_manage(user, activity.region):
        return True
    if (
        activity.organizer_org_id
        and OrgMember.objects.filter(
            organization_id=activity.organizer_org_id,
            user=user,
            role__in=[MemberRole.LEADER, MemberRole.BACKBONE],
        ).exists()
    ):
        return True
    return bool(
        activity.organizer_unit_id
        and user.unit_id == activity.organizer_unit_id
        and user.roles - {Role.RESIDENT}
    )


def _require_organizer(actor, activity: Activity) -> None:
    _require_login(actor)
    if not can_organize(actor, activity):
        raise PermissionDeniedError(_("只有活动组织者可以执行此操作。"))


def create_activity(
    actor: User,
    *,
    title: str,
    description: str,
    region: Region,
    location: str,
    starts_at,
    ends_at,
    capacity: int,
    hours=0,
    organizer_unit: Unit | None = None,
    organizer_org: SelfOrganization | None = None,
    party_masses: bool = False,
    needs=(),
    red_resource: RedResource | None = None,
) -> Activity:
    """A unit (its staff) or a self-organisation (its leader or backbone) creates an activity as a draft."""
    _require_login(actor)
    title = inputs.text(title, "title", _("活动名称"), limit=200, required=True)
    description = inputs.text(description, "description", _("活动内容"), required=True)
    location = inputs.text(location, "location", _("地点"), limit=200, required=True)
    region = _region(region, RegionLevel.COMMUNITY, _("发布社区"), "region")
    if (organizer_unit is None) == (organizer_org is None):
        raise ServiceError(_("活动须由一个单位或一个自组织主办。"), field="organizer")
    if organizer_org is not None:
        if organizer_org.stage not in (OrgStage.INCUBATING, OrgStage.MATURE):
            raise ServiceError(_("只有孵化中或已备案的自组织可以发起活动。"), field="organizer_org")
        if not (
            can_manage(actor, region)
            or OrgMember.objects.filter(
                organization=organizer_org, user=actor, role__in=[MemberRole.LEADER, MemberRole.BACKBONE]
            ).exists()
        ):
            raise PermissionDeniedError(_("只有自组织负责人或骨干可以以自组织名义发起活动。"))
    elif not (
        can_manage(actor, region) or (actor.unit_id == organizer_unit.pk and actor.roles - {Role.RESIDENT})
    ):
        raise PermissionDeniedError(_("只有主办单位的工作人员可以以单位名义发起活动。"))
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise ServiceError(_("结束时间须晚于开始时间。"), field="ends_at")
    if not isinstance(capacity, int) or capacity < 1 or capacity > 10000:
        raise ServiceError(_("名额须为1至10000的整数。"), field="capacity")
    hours = Decimal(0) if not hours else _hours(hours)
    if hours and hours > _duration_hours(starts_at, ends_at):
        raise ServiceError(
            _("服务时长不能超过活动时长（%(h)s小时）。") % {"h": _duration_hours(starts_at, ends_at)},
            field="hours",
        )
    with transaction.atomic():
        activity = Activity.objects.create(
            title=title,
            description=description,
            region=region,
            location=location,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            hours=hours,
            organizer_unit=organizer_unit,
            organizer_org=organizer_org,
            party_masses=bool(party_masses),
            needs=_codes(needs, NeedKind, "needs"),
            red_resource=red_resource,
            created_by=actor,
        )
        _event(
            f"activity:{activity.pk}",
            actor,
            "create_activity",
            note=title,
            after={"capacity": capacity, "party_masses": activity.party_masses},
        )
    return activity


def advance_activity(actor: User, activity_id: int, action: str) -> Activity:
    with transaction.atomic():
        activity = inputs.locked(Activity, activity_id, _("活动不存在。"))
        _require_organizer(actor, activity)
        transition = ACTIVITY_WORKFLOW.require(
            activity.state, action, {ORGANIZER}, state_label=activity.get_state_display()
        )
        if action == "publish" and needs_approval(activity) and not can_manage(actor, activity.region):
            raise PermissionDeniedError(
                _("主办单位不负责该社区，活动须经该社区的社区工作者审核后发布。"), code="needs_approval"
            )
        before = activity.state
        activity.state = transition.target
        activity.save(update_fields=["state"])
        _event(
            f"activity:{activity.pk}",
            actor,
            f"activity_{action}",
            before={"state": before},
            after={"state": activity.state},
        )
        if action == "cancel":
            for signup in activity.signups.exclude(state=SignupState.CANCELLED).select_related("user"):
                send_notice(
                    notices.ACTIVITY_CANCELLED.key,
                    user=signup.user,
                    context={"activity": activity.title},
                    link=f"/community/activities/{activity.pk}/",
                )
    return activity


def sign_up(actor: User, activity_id: int) -> Signup:
    """Registers while places are left, else joins the waiting list (first come, first promoted)."""
    _require_login(actor)
    with transaction.atomic():
        activity = inputs.locked(Activity, activity_id, _("活动不存在。"))
        if activity.state != ActivityState.PUBLISHED:
            raise IllegalTransition(
                _("活动当前「%(state)s」，不能报名。") % {"state": activity.get_state_display()}
            )
        if activity.starts_at <= timezone.now():
            raise IllegalTransition(_("活动已开始，报名已截止。"))
        taken = activity.signups.filter(state=SignupState.REGISTERED).count()
        state = SignupState.REGISTERED if taken < activity.capacity else SignupState.WAITING
        signup = Signup.objects.filter(activity=activity, user=actor).first()
        if signup is not None and signup.state != SignupState.CANCELLED:
            raise ServiceError(_("您已报名此活动。"), code="already_signed_up")
        now = timezone.now()
        if signup is None:
            signup = Signup.objects.create(activity=activity, user=actor, state=state, created_at=now)
        else:  # signing up again after cancelling: back of the queue
            signup.state, signup.created_at, signup.cancelled_at, signup.promoted_at = state, now, None, None
            signup.save(update_fields=["state", "created_at", "cancelled_at", "promoted_at"])
        _event(f"activity:{activity.pk}", actor, "sign_up", after={"signup": signup.pk, "state": state})
    return signup


def cancel_signup(actor: User, activity_id: int) -> Signup:
    """Cancels the actor's sign-up; a freed place goes to the first on the waiting list."""
    _require_login(actor)
    with transaction.atomic():
        activity = inputs.locked(Activity, activity_id, _("活动不存在。"))
        signup = Signup.objects.select_for_update().filter(activity=activity, user=actor).first()
        if signup is None or signup.state == SignupState.CANCELLED:
            raise ServiceError(_("您没有报名此活动。"), code="not_signed_up")
        if signup.signed_in_at is not None:
            raise IllegalTransition(_("您已签到，不能取消报名。"))
        if activity.state != ActivityState.PUBLISHED:
            raise IllegalTransition(
                _("活动当前「%(state)s」，不能取消报名。") % {"state": activity.get_state_display()}
            )
        was = signup.state
        signup.state, signup.cancelled_at = SignupState.CANCELLED, timezone.now()
        signup.save(update_fields=["state", "cancelled_at"])
        _event(
            f"activity:{activity.pk}",
            actor,
            "cancel_signup",
            before={"state": was},
            after={"signup": signup.pk},
        )
        if was == SignupState.REGISTERED:
            _promote(activity, actor)
    return signup


def _promote(activity: Activity, actor) -> Signup | None:
    taken = activity.signups.filter(state=SignupState.REGISTERED).count()
    if taken >= activity.capacity:
        return None
    first = (
        Signup.objects.select_for_update()
        .filter(activity=activity, state=SignupState.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if first is None:
        return None
    first.state, first.promoted_at = SignupState.REGISTERED, timezone.now()
    first.save(update_fields=["state", "promoted_at"])
    _event(
        f"activity:{activity.pk}", actor, "promote_waiting", after={"signup": first.pk, "user": first.user_id}
    )
    send_notice(
        notices.WAITLIST_PROMOTED.key,
        user=first.user,
        context={"activity": activity.title},
        link=f"/community/activities/{activity.pk}/",
    )
    return first


def qr_token(activity: Activity) -> str:
    return signing.dumps({"a": activity.pk}, salt=QR_SALT, compress=True)


def qr_max_age() -> int:
    return int(setting("COMMUNITY_QR_MAX_AGE_SECONDS"))


def sign_in_by_qr(actor: User, activity_id: int, token: str) -> Signup:
    """A registered participant scans the code shown at the activity (a signed, expiring token)."""
    _require_login(actor)
    try:
        payload = signing.loads(token or "", salt=QR_SALT, max_age=qr_max_age())
    except signing.SignatureExpired:
        raise ServiceError(_("签到码已过期，请让组织者刷新签到码。"), code="token_expired") from None
    except signing.BadSignature:
        raise ServiceError(_("签到码无效。"), code="bad_token") from None
    if payload.get("a") != activity_id:
        raise ServiceError(_("签到码与活动不符。"), code="bad_token")
    return _sign_in(actor, activity_id, actor, SignInMethod.QR)


def sign_in_by_staff(actor: User, activity_id: int, *, user: User) -> Signup:
    return _sign_in(actor, activity_id, user, SignInMethod.STAFF)


def _sign_in(actor, activity_id: int, participant, method: str) -> Signup:
    with transaction.atomic():
        activity = inputs.locked(Activity, activity_id, _("活动不存在。"))
        if method == SignInMethod.STAFF:
            _require_organizer(actor, activity)
        if activity.state != ActivityState.PUBLISHED:
            raise IllegalTransition(
                _("活动当前「%(state)s」，不能签到。") % {"state": activity.get_state_display()}
            )
        signup = Signup.objects.select_for_update().filter(activity=activity, user=participant).first()
        if signup is None or signup.state != SignupState.REGISTERED:
            raise ServiceError(_("未找到有效报名（候补或已取消的报名不能签到）。"), code="not_registered")
        if signup.signed_in_at is not None:
            raise ServiceError(_("已签到，无需重复签到。"), code="already_signed_in")
        now = timezone.now()
        if now < activity.starts_at - sign_in_early() or now > activity.ends_at:
            raise IllegalTransition(
                _("只能在活动开始前%(m)s分钟至活动结束之间签到。")
                % {"m": int(sign_in_early().total_seconds() // 60)},
                code="outside_sign_in_window",
            )
        signup.signed_in_at, signup.sign_in_method = now, method
        signup.signed_in_by = actor
        signup.save(update_fields=["signed_in_at", "sign_in_method", "signed_in_by"])
        _event(f"activity:{activity.pk}", actor, "sign_in", after={"signup": signup.pk, "method": method})
    return signup


def record_hours(actor: User, activity_id: int, *, user: User, hours=None) -> ServiceRecord:
    """The organiser records the hours a signed-in participant served (default: the activity's hours)."""
    with transaction.atomic():
        activity = inputs.locked(Activity, activity_id, _("活动不存在。"))
        _require_organizer(actor, activity)
        now = timezone.now()
        if now < activity.starts_at or now > activity.ends_at + record_grace():
            raise IllegalTransition(
                _("只能在活动开始后至活动结束%(d)s天内记录服务时长。") % {"d": record_grace().days},
                code="outside_record_window",
            )
        signup = Signup.objects.select_for_update().filter(activity=activity, user=user).first()
        if signup is None or signup.signed_in_at is None:
            raise ServiceError(_("只能为已签到的参与者记录服务时长。"), code="not_signed_in")
        hours = _hours(hours if hours not in (None, "") else activity.hours)
        limit = _duration_hours(activity.starts_at, activity.ends_at)
        if hours > limit:
            raise ServiceError(_("服务时长不能超过活动时长（%(h)s小时）。") % {"h": limit}, field="hours")
        record = ServiceRecord.objects.filter(signup=signup).first()
        if record is not None:
            if record.confirmed_at is not None:
                raise IllegalTransition(_("服务时长已确认入账，如有错误请提交更正。"))
            record.hours = hours
            record.recorded_by = actor
            record.save(update_fields=["hours", "recorded_by"])
        else:
            record = ServiceRecord.objects.create(signup=signup, hours=hours, recorded_by=actor)
        _event(f"activity:{activity.pk}", actor, "record_hours", after={"record": record.pk, "hours": hours})
    return record


# ---------------------------------------------------------------- the time bank


def issuer_account() -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(
        kind=AccountKind.ISSUER, defaults={"name": _("志愿服务时长发放账户")}
    )
    return account


def account_for(user: User) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(
        user=user, defaults={"kind": AccountKind.VOLUNTEER, "name": person_label(user)}
    )
    return account


def _post(
    kind: str,
    debit: LedgerAccount,
    credit: LedgerAccount,
    hours: Decimal,
    points: int,
    actor,
    *,
    record: ServiceRecord | None = None,
    reverses: LedgerEntry | None = None,
    note: str = "",
    help_request: HelpRequest | None = None,
) -> LedgerEntry:
    """Move hours and points from `debit` to `credit`, both locked in id order; a volunteer's balance
    never goes below zero (checked here, and by the database's check constraint)."""
    locked = {
        a.pk: a
        for a in LedgerAccount.objects.select_for_update()
        .filter(pk__in=sorted({debit.pk, credit.pk}))
        .order_by("pk")
    }
    debit, credit = locked[debit.pk], locked[credit.pk]
    if debit.kind == AccountKind.VOLUNTEER and (debit.balance_hours < hours or debit.balance_points < points):
        raise ServiceError(
            _("余额不足：%(name)s 现有 %(h)s 小时、%(p)s 积分。")
            % {"name": debit.name, "h": debit.balance_hours, "p": debit.balance_points},
            code="insufficient_balance",
        )
    entry = LedgerEntry.objects.create(
        kind=kind,
        debit=debit,
        credit=credit,
        hours=hours,
        points=points,
        record=record,
        reverses=reverses,
        confirmed_by=actor,
        note=note[:200],
        help_request=help_request,
    )
    LedgerAccount.objects.filter(pk=debit.pk).update(
        balance_hours=F("balance_hours") - hours, balance_points=F("balance_points") - points
    )
    LedgerAccount.objects.filter(pk=credit.pk).update(
        balance_hours=F("balance_hours") + hours, balance_points=F("balance_points") + points
    )
    _event(
        f"ledger:{entry.pk}",
        actor,
        f"ledger_{kind}",
        note=note,
        after={
            "debit": debit.pk,
            "credit": credit.pk,
            "hours": hours,
            "points": points,
            "record": record.pk if record else None,
            "reverses": reverses.pk if reverses else None,
        },
    )
    return entry


def confirm_hours(actor: User, record_id: int) -> LedgerEntry:
    """The organiser confirms recorded hours; this credits the volunteer's account exactly once."""
    with transaction.atomic():
        record = inputs.locked(ServiceRecord, record_id, _("服务记录不存在。"))
        signup = Signup.objects.select_related("activity", "user").get(pk=record.signup_id)
        _require_organizer(actor, signup.activity)
        # Four eyes: the volunteer never confirms their own hours, nor the one who recorded them.
        if signup.user_id == actor.pk:
            raise PermissionDeniedError(_("不能确认自己的服务时长。"), code="own_hours")
        if record.recorded_by_id == actor.pk:
            raise PermissionDeniedError(
                _("不能确认自己记录的服务时长，须由另一位组织者确认。"), code="own_record"
            )
        if (
            record.confirmed_at is not None
            or LedgerEntry.objects.filter(record=record, kind=EntryKind.CREDIT).exists()
        ):
            raise IllegalTransition(_("该服务时长已确认入账，不能重复入账。"), code="already_credited")
        record.confirmed_by, record.confirmed_at = actor, timezone.now()
        record.save(update_fields=["confirmed_by", "confirmed_at"])
        points = int(record.hours * points_per_hour())
        try:
            with transaction.atomic():
                entry = _post(
                    EntryKind.CREDIT,
                    issuer_account(),
                    account_for(signup.user),
                    record.hours,
                    points,
                    actor,
                    record=record,
                    note=_("参加活动「%(t)s」") % {"t": signup.activity.title},
                )
        except IntegrityError:
            raise IllegalTransition(
                _("该服务时长已确认入账，不能重复入账。"), code="already_credited"
            ) from None
        send_notice(
            notices.HOURS_CREDITED.key,
            user=signup.user,
            context={"activity": signup.activity.title, "hours": str(record.hours)},
            link="/community/my-hours/",
        )
    return entry


def volunteer_communities(user: User | None) -> list[Region]:
    """The communities a volunteer belongs to: their own region, their volunteer profile's community and the
    communities of the activities they served in."""
    if user is None:
        return []
    regions = [user.region] if user.region_id else []
    profile = VolunteerProfile.objects.filter(user=user).select_related("region").first()
    if profile is not None:
        regions.append(profile.region)
    regions += list(
        Region.objects.filter(
            pk__in=Signup.objects.filter(user=user, record__isnull=False).values("activity__region")
        )
    )
    return regions


def _require_volunteer_manager(actor, volunteer: User | None, extra: Sequence[Region] = ()) -> None:
    """Ledger entries of a volunteer are corrected or redeemed by the managers of the volunteer's community."""
    if actor.has_role(Role.ADMIN):
        return
    if not any(can_manage(actor, region) for region in [*volunteer_communities(volunteer), *extra]):
        raise PermissionDeniedError(
            _("只有该志愿者所在社区的社区工作者可以办理。"), code="not_volunteer_community"
        )


def correct_entry(actor: User, entry_id: int, *, reason: str) -> LedgerEntry:
    """A correction reverses a wrong entry with a new one in the opposite direction (never an edit)."""
    reason = inputs.text(reason, "reason", _("更正原因"), limit=200, required=True)
    _require_login(actor)
    if not actor.has_role(Role.COMMUNITY_STAFF, Role.ADMIN):
        raise PermissionDeniedError(_("只有社区工作者可以更正时间银行分录。"))
    with transaction.atomic():
        original = inputs.locked(LedgerEntry, entry_id, _("分录不存在。"))
        volunteer = next(
            (a for a in (original.debit, original.credit) if a.kind == AccountKind.VOLUNTEER), None
        )
        extra = (
            [original.record.signup.activity.region]
            if original.record_id
            else [original.help_request.region]
            if original.help_request_id
            else []
        )
        _require_volunteer_manager(actor, volunteer.user if volunteer else None, extra)
        if original.kind == EntryKind.CORRECTION:
            raise IllegalTransition(_("更正分录不能再被更正，请另行登记。"))
        if LedgerEntry.objects.filter(reverses=original).exists():
            raise IllegalTransition(_("该分录已被更正过。"), code="already_reversed")
        return _post(
            EntryKind.CORRECTION,
            original.credit,
            original.debit,
            original.hours,
            original.points,
            actor,
            reverses=original,
            note=_("更正：%(r)s") % {"r": reason},
        )


def redeem_points(actor: User, *, user: User, points: int, note: str) -> LedgerEntry:
    """Community staff redeem a volunteer's points (for a service or a gift); never below zero."""
    note = inputs.text(note, "note", _("兑换内容"), limit=200, required=True)
    _require_login(actor)
    if not actor.has_role(Role.COMMUNITY_STAFF, Role.ADMIN):
        raise PermissionDeniedError(_("只有社区工作者可以办理积分兑换。"))
    if not isinstance(points, int) or points <= 0:
        raise ServiceError(_("兑换积分须为正整数。"), field="points")
    _require_volunteer_manager(actor, user)
    with transaction.atomic():
        return _post(
            EntryKind.REDEEM, account_for(user), issuer_account(), Decimal(0), points, actor, note=note
        )


def save_volunteer_profile(
    actor: User, *, region: Region, skills=(), availability: str = "", user: User | None = None
) -> VolunteerProfile:
    """A resident declares what they can help with, when and where; a community worker may record it for a
    resident at the counter (`user`), in their own community."""
    _require_login(actor)
    region = _region(region, RegionLevel.COMMUNITY, _("所在社区"), "region")
    skills = _codes(skills, NeedKind, "skills")
    if not skills:
        raise ServiceError(_("请至少选择一项可以提供的服务。"), field="skills")
    availability = inputs.text(availability, "availability", _("可服务时间"), limit=100)
    volunteer = user or actor
    if volunteer.pk != actor.pk:
        _require_manager(actor, region)
    with transaction.atomic():
        profile, created = VolunteerProfile.objects.update_or_create(
            user=volunteer,
            defaults={
                "region": region,
                "skills": skills,
                "availability": availability,
                "updated_at": timezone.now(),
            },
        )
        _event(
            f"volunteer:{volunteer.pk}",
            actor,
            "save_volunteer_profile",
            note=_("窗口登记") if volunteer.pk != actor.pk else "",
            after={"region": region.code, "skills": skills, "availability": availability, "created": created},
        )
    return profile


# ---------------------------------------------------------------- the time bank's catalogue and redemptions


def save_reward_item(
    actor: User,
    *,
    region: Region,
    name: str,
    points: int,
    description: str = "",
    is_active: bool = True,
    item_id: int | None = None,
) -> RewardItem:
    """A community worker sets what points buy in their community (add, change, or withdraw an item)."""
    region = _region(region, RegionLevel.COMMUNITY, _("社区"), "region")
    _require_manager(actor, region)
    name = inputs.text(name, "name", _("名称"), limit=100, required=True)
    description = inputs.text(description, "description", _("说明"), limit=200)
    if not isinstance(points, int) or isinstance(points, bool) or not 0 < points <= 100000:
        raise ServiceError(_("所需积分须为1到100000之间的整数。"), field="points")
    with transaction.atomic():
        if item_id:
            item = inputs.locked(RewardItem, item_id, _("兑换项目不存在。"))
            _require_manager(actor, item.region)
            before = {"name": item.name, "points": item.points, "is_active": item.is_active}
            item.region, item.name, item.points = region, name, points
            item.description, item.is_active = description, bool(is_active)
            item.save()
        else:
            before = {}
            item = RewardItem.objects.create(
                region=region,
                name=name,
                points=points,
                description=description,
                is_active=bool(is_active),
                created_by=actor,
            )
        _event(
            f"reward:{item.pk}",
            actor,
            "save_reward_item",
            note=name,
            before=before,
            after={"name": name, "points": points, "is_active": item.is_active},
        )
    return item


def held_points(user: User) -> int:
    """Points asked for in redemptions not yet decided."""
    from django.db.models import Sum

    return (
        Redemption.objects.filter(user=user, state=RedemptionState.REQUESTED).aggregate(n=Sum("points"))["n"]
        or 0
    )


def request_redemption(actor: User, item_id: int) -> Redemption:
    """A volunteer asks to spend points on an item of their community's catalogue; the points are held until a
    community worker confirms."""
    _require_login(actor)
    with transaction.atomic():
        item = RewardItem.objects.select_related("region").filter(pk=item_id, is_active=True).first()
        if item is None:
            raise NotFoundError(_("兑换项目不存在或已下架。"))
        account = LedgerAccount.objects.select_for_update().filter(user=actor).first()
        balance = account.balance_points if account else 0
        available = balance - held_points(actor)
        if available < item.points:
            raise ServiceError(
                _("积分不足：兑换「%(n)s」需要 %(p)s 积分，您可用 %(a)s 积分。")
                % {"n": item.name, "p": item.points, "a": max(available, 0)},
                code="insufficient_balance",
            )
        redemption = Redemption.objects.create(item=item, user=actor, points=item.points)
        _event(
            f"redemption:{redemption.pk}",
            actor,
            "request_redemption",
            note=item.name,
            after={"item": item.pk, "points": item.points},
        )
    return redemption


def decide_redemption(actor: User, redemption_id: int, *, approve: bool, note: str = "") -> Redemption:
    """A community worker of the item's community confirms (the ledger entry is posted; never below zero) or
    declines with a reason. Nobody confirms their own redemption."""
    note = inputs.text(note, "note", _("办理说明"), required=not approve, limit=200)
    with transaction.atomic():
        redemption = inputs.locked(Redemption, redemption_id, _("兑换申请不存在。"))
        item = RewardItem.objects.select_related("region").get(pk=redemption.item_id)
        _require_manager(actor, item.region)
        if redemption.user_id == actor.pk:
            raise PermissionDeniedError(_("不能办理自己的积分兑换。"), code="own_redemption")
        if redemption.state != RedemptionState.REQUESTED:
            raise IllegalTransition(_("该兑换申请已办理。"), code="already_decided")
        volunteer = User.objects.get(pk=redemption.user_id)
        if approve:
            redemption.entry = _post(
                EntryKind.REDEEM,
                account_for(volunteer),
                issuer_account(),
                Decimal(0),
                redemption.points,
                actor,
                note=_("兑换：%(n)s") % {"n": item.name},
            )
        redemption.state = RedemptionState.CONFIRMED if approve else RedemptionState.REJECTED
        redemption.decided_by, redemption.decided_at, redemption.decision_note = actor, timezone.now(), note
        redemption.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "entry"])
        _event(
            f"redemption:{redemption.pk}",
            actor,
            "confirm_redemption" if approve else "reject_redemption",
            note=note,
            after={"state": redemption.state},
        )
        send_notice(
            notices.REDEMPTION_DECIDED.key,
            user=volunteer,
            context={"item": item.name, "points": redemption.points, "approved": approve, "reason": note},
            link="/community/my-hours/",
        )
    return redemption


# ---------------------------------------------------------------- party-member households


def create_central_household(
    actor: User, *, party_member: User, grid: Region, address: str
) -> PartyMemberHousehold:
    grid = _region(grid, RegionLevel.GRID, _("所在网格"), "grid")
    _require_manager(actor, grid)
    if not party_member.has_role(Role.PARTY_MEMBER):
        raise ServiceError(_("党员中心户须由党员担任。"), field="party_member")
    address = inputs.text(address, "address", _("中心户地址"), limit=200, required=True)
    if PartyMemberHousehold.objects.filter(party_member=party_member).exists():
        raise ServiceError(_("该党员已是党员中心户。"), code="already_center")
    with transaction.atomic():
        center = PartyMemberHousehold.objects.create(party_member=party_member, grid=grid, address=address)
        _event(f"center:{center.pk}", actor, "create_central_household", after={"grid": grid.code})
    return center


def _require_center_owner(actor, center: PartyMemberHousehold) -> None:
    _require_login(actor)
    if center.party_member_id != actor.pk and not can_manage(actor, center.grid):
        raise PermissionDeniedError(_("只有该中心户党员或社区工作者可以操作。"))


def link_household(
    actor: User,
    center_id: int,
    *,
    address: str,
    head_name: str,
    phone: str = "",
    notes: str = "",
    resident: User | None = None,
) -> LinkedHousehold:
    address = inputs.text(address, "address", _("门牌地址"), limit=200, required=True)
    head_name = inputs.text(head_name, "head_name", _("户主/联系人"), limit=50, required=True)
    phone = (phone or "").strip()
    if phone and not (len(phone) == 11 and phone.isdigit()):
        raise ServiceError(_("联系电话须为11位手机号。"), field="phone")
    _min, maximum = household_limits()
    with transaction.atomic():
        center = inputs.locked(PartyMemberHousehold, center_id, _("党员中心户不存在。"))
        _require_center_owner(actor, center)
        if center.households.count() >= maximum:
            raise ServiceError(
                _("每个党员中心户最多联系%(n)s户。") % {"n": maximum}, code="too_many_households"
            )
        if center.households.filter(address=address).exists():
            raise ServiceError(_("该户已在联系名单中。"), field="address")
        household = LinkedHousehold.objects.create(
            center=center,
            address=address,
            head_name=head_name,
            phone=phone,
            notes=(notes or "")[:200],
            resident=resident,
        )
        _event(f"center:{center.pk}", actor, "link_household", after={"household": household.pk})
    return household


def unlink_household(actor: User, household_id: int) -> None:
    with transaction.atomic():
        household = inputs.locked(LinkedHousehold, household_id, _("联系户不存在。"))
        center = PartyMemberHousehold.objects.select_for_update().get(pk=household.center_id)
        _require_center_owner(actor, center)
        if household.visits.exists():
            raise IllegalTransition(_("已有走访记录的联系户不能移除。"))
        pk = household.pk
        household.delete()
        _event(f"center:{center.pk}", actor, "unlink_household", before={"household": pk})


def record_visit(
    actor: User,
    center_id: int,
    *,
    visited_on: date,
    household_ids: Sequence[int],
    heard: str,
    needs=(),
    raise_appeal: bool = False,
    consent: bool = False,
    consent_note: str = "",
    appeal_title: str = "",
    appeal_kind: str = "help",
    category=None,
) -> Visit:
    """A party member records a visit; with the resident's consent what was heard becomes an appeal
    (channel 入户走访) in the same step."""
    heard = inputs.text(heard, "heard", _("听到的情况"), limit=2000, required=True)
    needs = _codes(needs, NeedKind, "needs")
    if not isinstance(visited_on, date) or visited_on > timezone.localdate():
        raise ServiceError(_("走访日期不能晚于今天。"), field="visited_on")
    if visited_on < timezone.localdate() - timedelta(days=90):
        raise ServiceError(_("只能补录90天内的走访。"), field="visited_on")
    if raise_appeal and not consent:
        raise ServiceError(_("转为诉求须先征得居民同意并记录。"), field="consent", code="no_consent")
    with transaction.atomic():
        center = inputs.locked(PartyMemberHousehold, center_id, _("党员中心户不存在。"))
        _require_center_owner(actor, center)
        households = list(center.households.filter(pk__in=set(household_ids or [])))
        if not households or len(households) != len(set(household_ids)):
            raise ServiceError(_("请选择走访的联系户（须是本中心户联系的住户）。"), field="household_ids")
        appeal = None
        if raise_appeal:
            if len(households) != 1:
                raise ServiceError(_("转为诉求时请只选择提出诉求的一户。"), field="household_ids")
            house = households[0]
            appeal, _code = submit_appeal(
                actor,
                kind=appeal_kind,
                channel="household_visit",
                title=inputs.text(appeal_title, "appeal_title", _("诉求标题"), limit=200, required=True),
                content=heard,
                region=center.grid,
                category=category,
                address=house.address,
                appellant_name=house.head_name,
                appellant_phone=house.phone,
                anonymous=not house.phone,
            )
        visit = Visit.objects.create(
            center=center,
            visited_on=visited_on,
            heard=heard,
            needs=needs,
            appeal=appeal,
            consent=bool(consent),
            consent_note=(consent_note or "").strip()[:200],
            recorded_by=actor,
        )
        visit.households.set(households)
        LinkedHousehold.objects.filter(pk__in=[h.pk for h in households]).filter(
            Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=visited_on)
        ).update(last_visited_on=visited_on)
        _event(
            f"center:{center.pk}",
            actor,
            "record_visit",
            after={
                "visit": visit.pk,
                "households": [h.pk for h in households],
                "needs": needs,
                "appeal": appeal.number if appeal else None,
                "consent": bool(consent),
            },
        )
    return visit


# ---------------------------------------------------------------- red resources


def save_red_resource(
    actor: User,
    *,
    name: str,
    kind: str,
    region: Region,
    address: str,
    description: str,
    opening_hours: str = "",
    photo_url: str = "",
    longitude=None,
    latitude=None,
    resource_id: int | None = None,
) -> RedResource:
    _require_login(actor)
    if not isinstance(region, Region):
        raise ServiceError(_("请选择所在区域。"), field="region")
    _require_manager(actor, region)
    fields = {
        "name": inputs.text(name, "name", _("名称"), limit=100, required=True),
        "kind": inputs.choice(kind, RedResourceKind, "kind", _("类型")),
        "region": region,
        "address": inputs.text(address, "address", _("地点"), limit=200, required=True),
        "description": inputs.text(description, "description", _("介绍"), required=True),
        "opening_hours": inputs.text(opening_hours, "opening_hours", "", limit=200),
        "photo_url": inputs.text(photo_url, "photo_url", "", limit=300),
    }
    if (longitude is None) != (latitude is None):
        raise ServiceError(_("经纬度须同时填写。"), field="longitude")
    if longitude is not None:
        try:
            longitude, latitude = Decimal(str(longitude)), Decimal(str(latitude))
        except InvalidOperation:
            raise ServiceError(_("经纬度须为数字。"), field="longitude") from None
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise ServiceError(_("经纬度超出范围。"), field="longitude")
    fields.update(longitude=longitude, latitude=latitude)
    with transaction.atomic():
        if resource_id:
            resource = inputs.locked(RedResource, resource_id, _("红色资源不存在。"))
            for key, value in fields.items():
                setattr(resource, key, value)
            resource.save()
        else:
            resource = RedResource.objects.create(**fields)
        _event(f"red:{resource.pk}", actor, "save_red_resource", note=resource.name)
    return resource


# ---------------------------------------------------------------- matching that acts (精准对接)


def help_due_days() -> int:
    return int(setting("COMMUNITY_HELP_DUE_DAYS"))


def _helpers_of(request: HelpRequest) -> list[User]:
    """Who answers a request: the volunteer, or the self-organisation's leaders."""
    if request.volunteer_id:
        return [request.volunteer]
    return [
        m.user
        for m in OrgMember.objects.filter(
            organization_id=request.organization_id, role=MemberRole.LEADER
        ).select_related("user")
    ]


def ask_for_help(
    actor: User,
    *,
    kind: str,
    region: Region,
    summary: str,
    source: str = "",
    volunteer: User | None = None,
    organization: SelfOrganization | None = None,
    visit=None,
    appeal=None,
    due_on: date | None = None,
) -> HelpRequest:
    """A community worker asks a volunteer (who declared this skill) or a self-organisation to meet a need."""
    kind = inputs.choice(kind, NeedKind, "kind", _("需求类型"))
    region = _region(region, RegionLevel.COMMUNITY, _("社区"), "region")
    _require_manager(actor, region)
    summary = inputs.text(summary, "summary", _("需求"), limit=200, required=True)
    if (volunteer is None) == (organization is None):
        raise ServiceError(_("请选择一位志愿者或一个自组织。"), field="volunteer")
    if volunteer is not None:
        profile = VolunteerProfile.objects.filter(user=volunteer).first()
        if profile is None or kind not in profile.skill_list():
            raise ServiceError(_("该居民没有登记这项志愿服务。"), field="volunteer")
    if organization is not None and organization.stage not in (OrgStage.INCUBATING, OrgStage.MATURE):
        raise ServiceError(_("只能请孵化中或已备案的自组织协助。"), field="organization")
    # The need's source lies in the community asked for: its appellant or household is who will be told.
    if visit is not None and not visit.center.grid.path.startswith(region.path):
        raise ServiceError(_("该走访记录不属于本社区。"), field="visit")
    if appeal is not None and not appeal.region.path.startswith(region.path):
        raise ServiceError(_("该诉求不属于本社区。"), field="appeal")
    due_on = due_on or timezone.localdate() + timedelta(days=help_due_days())
    if due_on < timezone.localdate():
        raise ServiceError(_("完成期限不能早于今天。"), field="due_on")
    beneficiary = None
    if appeal is not None:
        beneficiary = appeal.appellant
    elif visit is not None:
        beneficiary = next((h.resident for h in visit.households.all() if h.resident_id), None)
    with transaction.atomic():
        request = HelpRequest.objects.create(
            kind=kind,
            region=region,
            summary=summary,
            source=(source or "")[:60],
            visit=visit,
            appeal=appeal,
            beneficiary=beneficiary,
            volunteer=volunteer,
            organization=organization,
            due_on=due_on,
            asked_by=actor,
        )
        _event(
            f"help:{request.pk}",
            actor,
            "ask_for_help",
            note=summary,
            after={
                "kind": kind,
                "volunteer": getattr(volunteer, "pk", None),
                "organization": getattr(organization, "pk", None),
                "due_on": due_on.isoformat(),
            },
        )
        for helper in _helpers_of(request):
            send_notice(
                notices.HELP_ASKED.key,
                user=helper,
                context={"need": str(NeedKind(kind).label), "summary": summary, "due_on": due_on.isoformat()},
                link="/community/requests/",
            )
    return request


def _locked_help(actor, request_id: int) -> HelpRequest:
    return inputs.locked(HelpRequest, request_id, _("协助请求不存在。"))


def _require_helper(actor, request: HelpRequest) -> None:
    _require_login(actor)
    if actor.pk not in {u.pk for u in _helpers_of(request)}:
        raise PermissionDeniedError(_("只有被请求的志愿者或自组织负责人可以答复。"), code="not_helper")


def answer_help_request(actor: User, request_id: int, *, accept: bool, note: str = "") -> HelpRequest:
    """The volunteer (or the organisation's leader) accepts — it becomes their task — or declines with a reason."""
    note = inputs.text(note, "note", _("婉拒原因"), required=not accept, limit=200)
    with transaction.atomic():
        request = _locked_help(actor, request_id)
        _require_helper(actor, request)
        if request.state != HelpState.ASKED:
            raise IllegalTransition(_("该请求已答复。"), code="already_answered")
        request.state = HelpState.ACCEPTED if accept else HelpState.DECLINED
        request.answered_at, request.answer_note = timezone.now(), note
        request.save(update_fields=["state", "answered_at", "answer_note"])
        _event(
            f"help:{request.pk}",
            actor,
            "accept_help" if accept else "decline_help",
            note=note,
            after={"state": request.state},
        )
        send_notice(
            notices.HELP_ANSWERED.key,
            user=request.asked_by,
            context={
                "helper": person_label(actor),
                "summary": request.summary,
                "due_on": request.due_on.isoformat(),
                "accepted": accept,
                "reason": note,
            },
            link="/community/requests/",
        )
    return request


def complete_help_request(actor: User, request_id: int, *, note: str, hours=None) -> HelpRequest:
    """The helper records what was done (and the hours served); the resident is told. Hours are credited once
    a community worker confirms them (never the helper themselves)."""
    note = inputs.text(note, "note", _("服务情况"), limit=2000, required=True)
    hours = _hours(hours) if hours not in (None, "") else None
    with transaction.atomic():
        request = _locked_help(actor, request_id)
        _require_helper(actor, request)
        if request.state != HelpState.ACCEPTED:
            raise IllegalTransition(_("只能完成已接受的请求。"), code="not_accepted")
        request.state, request.done_at, request.done_note, request.hours = (
            HelpState.DONE,
            timezone.now(),
            note,
            hours,
        )
        request.save(update_fields=["state", "done_at", "done_note", "hours"])
        _event(
            f"help:{request.pk}",
            actor,
            "complete_help",
            note=note[:200],
            after={"hours": str(hours) if hours is not None else None},
        )
        if request.beneficiary is not None:
            send_notice(
                notices.HELP_GIVEN.key, user=request.beneficiary, context={"summary": request.summary}
            )
        send_notice(
            notices.HELP_COMPLETED.key,
            user=request.asked_by,
            context={"summary": request.summary, "hours": str(hours) if hours else ""},
            link="/community/requests/",
        )
    return request


def confirm_help_hours(actor: User, request_id: int) -> LedgerEntry:
    """A community worker of the request's community confirms the volunteer's hours: credited once."""
    with transaction.atomic():
        request = _locked_help(actor, request_id)
        _require_manager(actor, request.region)
        if request.volunteer_id is None or request.state != HelpState.DONE or not request.hours:
            raise IllegalTransition(_("只有志愿者已完成并填报了时长的请求可以确认时长。"), code="no_hours")
        if request.volunteer_id == actor.pk:
            raise PermissionDeniedError(_("不能确认自己的服务时长。"), code="own_hours")
        if request.confirmed_at is not None:
            raise IllegalTransition(_("该服务时长已确认入账，不能重复入账。"), code="already_credited")
        request.confirmed_by, request.confirmed_at = actor, timezone.now()
        request.save(update_fields=["confirmed_by", "confirmed_at"])
        entry = _post(
            EntryKind.CREDIT,
            issuer_account(),
            account_for(request.volunteer),
            request.hours,
            int(request.hours * points_per_hour()),
            actor,
            help_request=request,
            note=_("协助：%(s)s") % {"s": request.summary[:60]},
        )
    return entry
