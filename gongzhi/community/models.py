"""共建: self-organisations and their incubation, party-building projects, activities with sign-ups and
volunteer hours, the volunteer time bank (a double-entry ledger), party-member households and their visits,
red resources, and the hash-chained event trail (one shared chain "community")."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.audit import ChainedEvent
from gongzhi.core.fieldcrypt import BlindIndexField, EncryptedCharField, EncryptedFieldsMixin
from gongzhi.core.models import Region, Unit

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

User = settings.AUTH_USER_MODEL


def split_codes(value: str) -> list[str]:
    return [c for c in (value or "").replace("，", ",").split(",") if c.strip()]


def need_labels(value: str) -> str:
    return "、".join(str(NeedKind(c).label) if c in NeedKind.values else c for c in split_codes(value))


class SelfOrganization(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    domain = models.CharField(_("服务领域"), max_length=16, choices=OrgDomain.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属社区"))
    description = models.TextField(_("简介"), blank=True)
    skills = models.CharField(
        _("可对接的需求"), max_length=200, blank=True, help_text=_("需求类型编码，逗号分隔")
    )
    mentor_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("指导单位")
    )
    stage = models.CharField(
        _("孵化阶段"), max_length=12, choices=OrgStage.choices, default=OrgStage.APPLIED, db_index=True
    )
    filing_number = models.CharField(_("备案编号"), max_length=40, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    class Meta:
        verbose_name = _("社区自组织")
        verbose_name_plural = _("社区自组织")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def skill_list(self) -> list[str]:
        return split_codes(self.skills)

    def skill_labels(self) -> str:
        return need_labels(self.skills)


class OrgMember(models.Model):
    organization = models.ForeignKey(SelfOrganization, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="community_memberships")
    role = models.CharField(_("角色"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_at = models.DateTimeField(_("加入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("自组织成员")
        verbose_name_plural = _("自组织成员")
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="community_one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class StageReview(models.Model):
    """The record of each incubation review: who decided what, from which stage to which, and why."""

    organization = models.ForeignKey(SelfOrganization, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(_("评审结论"), max_length=12)
    from_stage = models.CharField(_("原阶段"), max_length=12, choices=OrgStage.choices)
    to_stage = models.CharField(_("新阶段"), max_length=12, choices=OrgStage.choices)
    opinion = models.TextField(_("评审意见"))
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("评审人"))
    reviewed_at = models.DateTimeField(_("评审时间"), default=timezone.now)

    class Meta:
        verbose_name = _("孵化评审")
        verbose_name_plural = _("孵化评审")
        ordering = ["reviewed_at", "id"]

    def __str__(self) -> str:
        return f"{self.organization}：{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class PartyBuildingProject(models.Model):
    title = models.CharField(_("项目名称"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属社区"))
    party_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("牵头党组织")
    )
    social_orgs = models.ManyToManyField(Unit, related_name="+", verbose_name=_("合作社会组织"))
    self_orgs = models.ManyToManyField(
        SelfOrganization, blank=True, related_name="projects", verbose_name=_("参与自组织")
    )
    description = models.TextField(_("项目内容"))
    goals = models.TextField(_("项目目标"), blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=ProjectState.choices, default=ProjectState.PLANNED
    )
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    # What the project achieved, published on the community page when it is completed.
    result = models.TextField(_("项目成效"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("党建项目")
        verbose_name_plural = _("党建项目")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ProjectUpdate(models.Model):
    """A progress note of a party-building project (what was done, by the party organisation or a partner)."""

    project = models.ForeignKey(PartyBuildingProject, on_delete=models.PROTECT, related_name="updates")
    note = models.TextField(_("进展"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("党建项目进展")
        verbose_name_plural = _("党建项目进展")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project}：{self.note[:20]}"


class RedResource(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=RedResourceKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区域"))
    address = models.CharField(_("地点"), max_length=200)
    description = models.TextField(_("介绍"))
    opening_hours = models.CharField(_("开放时间"), max_length=200, blank=True)
    photo_url = models.CharField(_("图片地址"), max_length=300, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("红色资源")
        verbose_name_plural = _("红色资源")
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    title = models.CharField(_("活动名称"), max_length=200)
    description = models.TextField(_("活动内容"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布社区"))
    organizer_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("主办单位")
    )
    organizer_org = models.ForeignKey(
        SelfOrganization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("主办自组织"),
    )
    project = models.ForeignKey(
        PartyBuildingProject,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("所属党建项目"),
    )
    red_resource = models.ForeignKey(
        RedResource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("红色资源（教育参观）"),
    )
    location = models.CharField(_("地点"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    hours = models.DecimalField(_("志愿服务时长(小时)"), max_digits=5, decimal_places=1, default=Decimal("0"))
    party_masses = models.BooleanField(_("党群连心活动"), default=False)
    needs = models.CharField(
        _("服务的需求"), max_length=200, blank=True, help_text=_("需求类型编码，逗号分隔")
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=ActivityState.choices, default=ActivityState.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织者"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def need_list(self) -> list[str]:
        return split_codes(self.needs)

    def need_labels(self) -> str:
        return need_labels(self.needs)

    @property
    def organizer_name(self) -> str:
        return str(self.organizer_org or self.organizer_unit or self.created_by)


class Signup(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="community_signups")
    state = models.CharField(_("状态"), max_length=10, choices=SignupState.choices)
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("候补转正时间"), null=True, blank=True)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    sign_in_method = models.CharField(_("签到方式"), max_length=8, choices=SignInMethod.choices, blank=True)
    signed_in_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="community_one_signup")]

    def __str__(self) -> str:
        return f"{self.user} · {self.activity}"


class ServiceRecord(models.Model):
    """Hours a volunteer served at one activity: recorded, then confirmed by the organiser (which credits)."""

    signup = models.OneToOneField(Signup, on_delete=models.PROTECT, related_name="record")
    hours = models.DecimalField(_("服务时长(小时)"), max_digits=5, decimal_places=1)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("确认人")
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="community_record_hours_positive")
        ]

    def __str__(self) -> str:
        return f"{self.signup}：{self.hours}h"


class VolunteerProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="volunteer_profile")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在社区"))
    skills = models.CharField(_("特长（可对接的需求）"), max_length=200, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")

    def __str__(self) -> str:
        return str(self.user)

    def skill_list(self) -> list[str]:
        return split_codes(self.skills)

    def skill_labels(self) -> str:
        return need_labels(self.skills)


class HelpRequest(models.Model):
    """精准对接 that acts: a community worker asks a volunteer or a self-organisation to meet a resident's need
    (heard on a visit, read from an appeal); they accept or decline; an accepted request is a task with a due date,
    done with a note (and the hours served, credited once another person confirms); the resident is told."""

    kind = models.CharField(_("需求类型"), max_length=16, choices=NeedKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    summary = models.CharField(_("需求"), max_length=200)
    source = models.CharField(_("来源"), max_length=60, blank=True)
    visit = models.ForeignKey("Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    appeal = models.ForeignKey(
        "appeals.Appeal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    beneficiary = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("服务对象")
    )
    volunteer = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_requests",
        verbose_name=_("志愿者"),
    )
    organization = models.ForeignKey(
        SelfOrganization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_requests",
        verbose_name=_("自组织"),
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=HelpState.choices, default=HelpState.ASKED, db_index=True
    )
    due_on = models.DateField(_("完成期限"))
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人"))
    asked_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer_note = models.CharField(_("答复说明"), max_length=200, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("服务情况"), blank=True)
    hours = models.DecimalField(_("服务时长"), max_digits=4, decimal_places=1, null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("时长确认人")
    )
    confirmed_at = models.DateTimeField(_("时长确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("协助请求")
        verbose_name_plural = _("协助请求")
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volunteer__isnull=False, organization__isnull=True)
                | models.Q(volunteer__isnull=True, organization__isnull=False),
                name="community_help_one_helper",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.summary[:30]}"

    @property
    def helper_name(self) -> str:
        return str(self.volunteer or self.organization)


class LedgerAccount(models.Model):
    """A volunteer's account (may never go negative), or the issuer account hours are credited from."""

    kind = models.CharField(_("类型"), max_length=10, choices=AccountKind.choices)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="time_account"
    )
    name = models.CharField(_("名称"), max_length=100)
    balance_hours = models.DecimalField(_("时长余额"), max_digits=10, decimal_places=1, default=Decimal("0"))
    balance_points = models.IntegerField(_("积分余额"), default=0)

    class Meta:
        verbose_name = _("时间银行账户")
        verbose_name_plural = _("时间银行账户")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="issuer") | models.Q(balance_hours__gte=0, balance_points__gte=0),
                name="community_volunteer_balance_not_negative",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="issuer"), name="community_one_issuer"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LedgerEntry(models.Model):
    """One double-entry movement from `debit` to `credit`. Never edited, never deleted: a correction is a new
    entry that `reverses` the wrong one."""

    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    debit = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="debits", verbose_name=_("转出账户")
    )
    credit = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="credits", verbose_name=_("转入账户")
    )
    hours = models.DecimalField(_("时长"), max_digits=8, decimal_places=1, default=Decimal("0"))
    points = models.IntegerField(_("积分"), default=0)
    record = models.ForeignKey(
        ServiceRecord,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("来源服务记录"),
    )
    help_request = models.ForeignKey(
        HelpRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("来源协助请求"),
    )
    confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("确认人")
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("冲销的分录"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("时间银行分录")
        verbose_name_plural = _("时间银行分录")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gte=0, points__gte=0), name="community_entry_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(debit=models.F("credit")), name="community_entry_two_sides"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="credit")
                | models.Q(record__isnull=False)
                | models.Q(help_request__isnull=False),
                name="community_credit_has_source",
            ),
            models.UniqueConstraint(
                fields=["record"], condition=models.Q(kind="credit"), name="community_record_credited_once"
            ),
            models.UniqueConstraint(
                fields=["help_request"],
                condition=models.Q(kind="credit"),
                name="community_help_credited_once",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.hours}h/{self.points}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("ledger entries are append-only; post a correction instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("ledger entries are append-only; post a correction instead")


class RewardItem(models.Model):
    """What volunteer points buy in a community (the time bank's catalogue), set by its community workers."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    points = models.PositiveIntegerField(_("所需积分"))
    is_active = models.BooleanField(_("可兑换"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分兑换项目")
        verbose_name_plural = _("积分兑换项目")
        ordering = ["region__path", "points", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gt=0), name="community_reward_points")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.points}分）"


class Redemption(models.Model):
    """A volunteer asks to spend points on an item; a community worker confirms (the ledger entry is posted then)
    or declines. Points asked for and not yet decided are held: they cannot be asked for twice."""

    item = models.ForeignKey(
        RewardItem, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("兑换项目")
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("志愿者"))
    points = models.PositiveIntegerField(_("积分"))
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=RedemptionState.choices,
        default=RedemptionState.REQUESTED,
        db_index=True,
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理人")
    )
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    decision_note = models.CharField(_("办理说明"), max_length=200, blank=True)
    entry = models.OneToOneField(
        "LedgerEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("兑换分录"),
    )

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.item}"


class PartyMemberHousehold(models.Model):
    """党员中心户: a party member who looks after 5–20 neighbouring households in their grid."""

    party_member = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="central_household", verbose_name=_("党员")
    )
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在网格"))
    address = models.CharField(_("中心户地址"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("党员中心户")
        verbose_name_plural = _("党员中心户")
        ordering = ["grid__path", "id"]

    def __str__(self) -> str:
        return f"{self.party_member}（{self.grid}）"


class LinkedHousehold(EncryptedFieldsMixin, models.Model):
    center = models.ForeignKey(PartyMemberHousehold, on_delete=models.CASCADE, related_name="households")
    address = models.CharField(_("门牌地址"), max_length=200)
    head_name = models.CharField(_("户主/联系人"), max_length=50)
    phone = EncryptedCharField(_("联系电话"), max_length=11, blank=True, blind_index="phone_bidx")
    phone_bidx = BlindIndexField(source="phone", db_index=True)
    resident = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.CharField(_("情况备注"), max_length=200, blank=True)
    last_visited_on = models.DateField(_("最近走访"), null=True, blank=True)

    class Meta:
        verbose_name = _("联系户")
        verbose_name_plural = _("联系户")
        ordering = ["address", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "address"], name="community_household_once")]

    def __str__(self) -> str:
        return f"{self.address}（{self.head_name}）"


class Visit(models.Model):
    center = models.ForeignKey(PartyMemberHousehold, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    households = models.ManyToManyField(LinkedHousehold, related_name="visits", verbose_name=_("走访户"))
    heard = models.TextField(_("听到的情况"))
    needs = models.CharField(_("需求"), max_length=200, blank=True)
    appeal = models.OneToOneField(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("转为诉求"),
    )
    consent = models.BooleanField(_("居民同意登记诉求"), default=False)
    consent_note = models.CharField(_("同意方式"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(appeal__isnull=True) | models.Q(consent=True),
                name="community_appeal_needs_consent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.center} {self.visited_on}"

    def need_list(self) -> list[str]:
        return split_codes(self.needs)

    def need_labels(self) -> str:
        return need_labels(self.needs)


class CommunityEvent(ChainedEvent):
    """The audit trail of 共建 (one chain, guarded by the AuditChain row "community")."""

    chain_head = "community"

    subject = models.CharField(_("对象"), max_length=40, blank=True, db_index=True)

    class Meta(ChainedEvent.Meta):
        verbose_name = _("共建事件")
        verbose_name_plural = _("共建事件")

    def chain_payload(self) -> dict:
        return {**super().chain_payload(), "subject_label": self.subject}
