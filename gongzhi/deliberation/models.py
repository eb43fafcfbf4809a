"""议事协商: topics, opinions, meetings, owners' registers, votes and ballots, resolutions and their tasks,
and the hash-chained event trail (one chain per topic; events without a topic share the chain "deliberation")."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.audit import ChainedEvent
from gongzhi.core.fieldcrypt import BlindIndexField, EncryptedCharField, EncryptedFieldsMixin
from gongzhi.core.models import Region, Unit

from .choices import (
    AreaSource,
    BallotChannel,
    BallotChoice,
    ElectorateBasis,
    MeetingKind,
    MeetingState,
    OpinionChannel,
    ParticipantRole,
    Phase,
    SignInMethod,
    Stance,
    TaskState,
    TopicSource,
    VoteRule,
    VoteState,
)

User = settings.AUTH_USER_MODEL


class Topic(models.Model):
    title = models.CharField(_("议题"), max_length=200)
    description = models.TextField(_("议题说明"))
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="topics", verbose_name=_("所属社区")
    )
    source = models.CharField(_("来源"), max_length=20, choices=TopicSource.choices)
    phase = models.CharField(
        _("阶段"), max_length=16, choices=Phase.choices, default=Phase.COLLECTING, db_index=True
    )
    proposer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="proposed_topics", verbose_name=_("提出人")
    )
    proposer_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出单位")
    )
    appeals = models.ManyToManyField(
        "appeals.Appeal", blank=True, related_name="topics", verbose_name=_("关联诉求")
    )
    # the bases of F-1.4 (居民委员会组织法第10条), as the community registers them
    adult_residents = models.PositiveIntegerField(_("18周岁以上居民人数"), default=0)
    households = models.PositiveIntegerField(_("户数"), default=0)
    resident_groups = models.PositiveIntegerField(_("居民小组数"), default=0)
    closed_reason = models.TextField(_("关闭原因"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CoSigner(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="cosigners")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("联名人"))
    household = models.CharField(_("户（门牌号）"), max_length=50)
    resident_group = models.CharField(_("居民小组"), max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("联名提议人")
        verbose_name_plural = _("联名提议人")
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="deliberation_one_cosign_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.household}"


class Opinion(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="opinions")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        verbose_name=_("回复"),
    )
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("发表人")
    )
    author_name = models.CharField(_("署名"), max_length=50, blank=True)
    stance = models.CharField(_("立场"), max_length=8, choices=Stance.choices, default=Stance.OTHER)
    body = models.TextField(_("意见内容"))
    channel = models.CharField(
        _("渠道"), max_length=8, choices=OpinionChannel.choices, default=OpinionChannel.ONLINE
    )
    offline_source = models.CharField(_("线下来源"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("意见")
        verbose_name_plural = _("意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:30]


class Meeting(models.Model):
    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属社区"))
    topics = models.ManyToManyField(Topic, related_name="meetings", verbose_name=_("议题"))
    agenda = models.TextField(_("议程"))
    location = models.CharField(_("地点"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    # An owners' assembly is of the owners of one register: its notice goes to every one of them.
    register = models.ForeignKey(
        "OwnerRegister",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("业主名册"),
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=MeetingState.choices, default=MeetingState.DRAFT
    )
    noticed_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    committee_informed_at = models.DateTimeField(_("告知居委会时间"), null=True, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("身份"), max_length=20, choices=ParticipantRole.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属单位")
    )
    registered_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    sign_in_method = models.CharField(_("签到方式"), max_length=8, choices=SignInMethod.choices, blank=True)
    signed_in_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("参会人")
        verbose_name_plural = _("参会人")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=models.Q(user__isnull=False),
                name="deliberation_one_registration_per_user",
            )
        ]

    def __str__(self) -> str:
        return self.name


class OwnerRegister(models.Model):
    """业主名册 of one estate (物业管理区域): owners and their exclusive units with area (E-4)."""

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属社区"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("业主名册")
        verbose_name_plural = _("业主名册")

    def __str__(self) -> str:
        return self.name


class Owner(EncryptedFieldsMixin, models.Model):
    """One head (E-4.2): a buyer of several units is one owner; the developer's unsold or undelivered units
    all belong to the register's single developer owner. A person is known by their ID number (or their account);
    without either, by name and unit, so two owners who share a name are two heads (issue K item 4)."""

    register = models.ForeignKey(OwnerRegister, on_delete=models.CASCADE, related_name="owners")
    name = models.CharField(_("业主姓名/名称"), max_length=100)
    id_number = EncryptedCharField(_("身份证号"), max_length=18, blank=True, blind_index="id_number_bidx")
    id_number_bidx = BlindIndexField(source="id_number", db_index=True)
    phone = EncryptedCharField(_("手机号"), max_length=11, blank=True, blind_index="phone_bidx")
    phone_bidx = BlindIndexField(source="phone", db_index=True)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ownerships",
        verbose_name=_("平台账号"),
    )
    is_developer = models.BooleanField(_("建设单位（未售出/未交付房屋）"), default=False)

    class Meta:
        verbose_name = _("业主")
        verbose_name_plural = _("业主")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["register"],
                condition=models.Q(is_developer=True),
                name="deliberation_one_developer_per_register",
            ),
            models.UniqueConstraint(
                fields=["register", "user"],
                condition=models.Q(user__isnull=False),
                name="deliberation_one_owner_per_user",
            ),
            models.UniqueConstraint(
                fields=["register", "id_number"],
                condition=~models.Q(id_number=""),
                name="deliberation_one_owner_per_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PropertyUnit(models.Model):
    register = models.ForeignKey(OwnerRegister, on_delete=models.CASCADE, related_name="units")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="units")
    number = models.CharField(_("房号"), max_length=50)
    area = models.DecimalField(
        _("专有部分面积(㎡)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    area_source = models.CharField(
        _("面积依据"), max_length=10, choices=AreaSource.choices, default=AreaSource.REGISTER
    )

    class Meta:
        verbose_name = _("专有部分")
        verbose_name_plural = _("专有部分")
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], name="deliberation_unit_number")
        ]

    def __str__(self) -> str:
        return self.number


class OwnerNotice(models.Model):
    """How the notice of an owners' assembly reached each owner of its register, and who it could not reach
    (to be told on paper or in person)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="owner_notices")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(
        _("通知方式"),
        max_length=8,
        choices=[("site", _("站内消息")), ("sms", _("短信")), ("none", _("无法通知"))],
    )
    notified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("业主大会通知")
        verbose_name_plural = _("业主大会通知")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "owner"], name="deliberation_one_notice_per_owner")
        ]

    def __str__(self) -> str:
        return f"{self.owner}: {self.get_channel_display()}"


class Vote(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="votes")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="votes"
    )
    question = models.CharField(_("表决事项"), max_length=300)
    rule = models.CharField(_("表决规则"), max_length=20, choices=VoteRule.choices)
    major = models.BooleanField(_("重大事项（须四分之三）"), default=False)
    secret = models.BooleanField(_("不记名投票"), default=False)
    register = models.ForeignKey(
        OwnerRegister,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="votes",
        verbose_name=_("业主名册"),
    )
    basis = models.CharField(_("投票人范围"), max_length=12, choices=ElectorateBasis.choices, blank=True)
    base = models.PositiveIntegerField(_("应到人数"), default=0)
    state = models.CharField(_("状态"), max_length=8, choices=VoteState.choices, default=VoteState.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    quorum_met = models.BooleanField(null=True)
    passed = models.BooleanField(null=True)
    reasons = models.JSONField(_("计票说明"), default=list, blank=True)
    tally = models.JSONField(_("计票"), default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.question


class Elector(EncryptedFieldsMixin, models.Model):
    """One person on the list of those entitled to vote (投票人名单) in a residents'-meeting or body-rules vote,
    drawn up by the community before voting opens. An online ballot needs the voter's account to be linked
    here; a paper ballot picks the elector from this list, so one person holds one ballot across channels
    (issue N item 1). Owners' votes use the owners' register instead."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="electors")
    name = models.CharField(_("姓名"), max_length=50)
    household = models.CharField(_("户（门牌号）"), max_length=50, blank=True)
    resident_group = models.CharField(_("居民小组"), max_length=50, blank=True)
    phone = EncryptedCharField(_("手机号"), max_length=11, blank=True, blind_index="phone_bidx")
    phone_bidx = BlindIndexField(source="phone", db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("线上账号")
    )
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("投票人")
        verbose_name_plural = _("投票人名单")
        ordering = ["resident_group", "household", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "user"],
                condition=models.Q(user__isnull=False),
                name="deliberation_one_elector_per_account",
            ),
            models.UniqueConstraint(
                fields=["vote", "name", "household"], name="deliberation_one_elector_per_person"
            ),
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.household) if part)


class Ballot(models.Model):
    """One per voter whatever the channel: `voter_key` is "owner:<id>" for owners' votes, else "elector:<id>".

    For a secret (不记名) vote this row is only the receipt that the person took part (it refuses a second
    ballot) and `choice` stays empty: the choice goes, without the voter, into the vote's SecretTally."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    voter_key = models.CharField(max_length=40)
    owner = models.ForeignKey(Owner, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    voter_name = models.CharField(_("投票人"), max_length=100)
    choice = models.CharField(_("表决意见"), max_length=8, choices=BallotChoice.choices, blank=True)
    channel = models.CharField(_("方式"), max_length=8, choices=BallotChannel.choices)
    entered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    paper_number = models.CharField(_("纸质票编号"), max_length=50, blank=True)
    # A ballot cast by a proxy (物业管理条例 第12条): who, within what scope, and the written authorisation.
    proxy_name = models.CharField(_("受托人"), max_length=50, blank=True)
    proxy_scope = models.CharField(_("委托事项"), max_length=200, blank=True)
    proxy_document = models.FileField(_("书面委托书"), upload_to="proxies/%Y/%m/", blank=True)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter_key"], name="deliberation_one_ballot_per_voter")
        ]

    def __str__(self) -> str:
        if not self.choice:
            return f"{self.voter_name}：{_('已投票')}"
        return f"{self.voter_name}：{self.get_choice_display()}"


class SecretTally(models.Model):
    """The choices of a secret vote, counted without the voters (issue N item 4): one row per choice with the
    number of ballots (heads) and, for owners' votes, the exclusive area behind them (民法典 第278条 counts both).
    No voter, no per-ballot row, no timestamp: nothing here joins a receipt (Ballot) to a choice."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="secret_tally")
    choice = models.CharField(_("表决意见"), max_length=8, choices=BallotChoice.choices)
    heads = models.PositiveIntegerField(_("票数"), default=0)
    area = models.DecimalField(_("专有部分面积(㎡)"), max_digits=14, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("不记名计票")
        verbose_name_plural = _("不记名计票")
        constraints = [
            models.UniqueConstraint(fields=["vote", "choice"], name="deliberation_secret_tally_choice")
        ]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.get_choice_display()}: {self.heads}"


class Resolution(models.Model):
    topic = models.OneToOneField(Topic, on_delete=models.PROTECT, related_name="resolution")
    vote = models.ForeignKey(Vote, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("决议内容"))
    decided_at = models.DateTimeField(_("决议时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("落实完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("决议")
        verbose_name_plural = _("决议")

    def __str__(self) -> str:
        return self.text[:30]

    def progress(self) -> Decimal:
        """Weighted roll-up of the tasks' progress (Decidim accountability), 0–100."""
        tasks = list(self.tasks.all())
        weight = sum(t.weight for t in tasks)
        if not weight:
            return Decimal(0)
        return (Decimal(sum(t.weight * t.progress for t in tasks)) / weight).quantize(Decimal("0.1"))


class ResolutionTask(models.Model):
    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任人")
    )
    due_date = models.DateField(_("完成期限"))
    weight = models.PositiveSmallIntegerField(_("权重"), default=1, validators=[MinValueValidator(1)])
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0, validators=[MaxValueValidator(100)])
    state = models.CharField(_("状态"), max_length=12, choices=TaskState.choices, default=TaskState.PENDING)
    note = models.TextField(_("最新进展"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("落实任务")
        verbose_name_plural = _("落实任务")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class DeliberationEvent(ChainedEvent):
    """The topic's public timeline and audit trail (one chain per topic; the topic row is locked to append)."""

    chain_subject_field = "topic"
    chain_head = "deliberation"

    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    public = models.BooleanField(default=True)

    class Meta(ChainedEvent.Meta):
        verbose_name = _("议事事件")
        verbose_name_plural = _("议事事件")

    def chain_payload(self) -> dict:
        return {**super().chain_payload(), "public": self.public}
