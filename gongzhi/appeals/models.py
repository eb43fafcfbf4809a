from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.audit import ChainedEvent
from gongzhi.core.fieldcrypt import BlindIndexField, EncryptedCharField, EncryptedFieldsMixin
from gongzhi.core.models import Region, Unit

from .choices import (
    CLOSED_STATUS_LABELS,
    TRANSFER_TARGETS,
    AppealKind,
    AppealState,
    CallbackMethod,
    Channel,
    CloseReason,
    LimitProfile,
    LimitUnit,
    ReferTarget,
    RequestDecision,
    Satisfaction,
    Step,
    SupervisionKind,
    Urgency,
)


class Category(models.Model):
    """The three-level catalogue (taxonomy.csv): 一级 / 二级 / 三级 分类."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.PositiveSmallIntegerField(_("层级"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name()

    def lineage(self) -> list["Category"]:
        """Self first, then up to the first level."""
        chain: list[Category] = []
        node: Category | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def full_name(self) -> str:
        return " / ".join(c.name for c in reversed(self.lineage()))

    @property
    def top(self) -> "Category":
        return self.lineage()[-1]


class DispatchRule(models.Model):
    """派单目录: category × region → the responsible unit. The most specific rule wins."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="dispatch_rules", verbose_name=_("诉求分类")
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dispatch_rules",
        verbose_name=_("区域"),
        help_text=_("留空表示全域适用"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="dispatch_rules", verbose_name=_("主办单位")
    )
    co_units = models.ManyToManyField(
        Unit, blank=True, related_name="co_dispatch_rules", verbose_name=_("协办单位")
    )

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        constraints = [
            models.UniqueConstraint(fields=["category", "region"], name="dispatch_rule_unique"),
            models.UniqueConstraint(
                fields=["category"], condition=Q(region__isnull=True), name="dispatch_rule_unique_everywhere"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} @ {self.region or '全域'} → {self.unit}"


class TimeLimit(models.Model):
    """An admin's override of a default time limit (spec §4) for a category (and its subcategories) or all."""

    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("诉求分类"),
        help_text=_("留空表示所有分类"),
    )
    profile = models.CharField(_("紧急程度"), max_length=16, choices=LimitProfile.choices)
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices)
    amount = models.PositiveIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=16, choices=LimitUnit.choices)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "profile", "step"], name="time_limit_unique"),
            models.UniqueConstraint(
                fields=["profile", "step"],
                condition=Q(category__isnull=True),
                name="time_limit_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '全部'} {self.get_profile_display()} {self.get_step_display()}"


class KnowledgeArticle(models.Model):
    """知识库: answers an operator can give at once (直办)."""

    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("以空格分隔"))
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("诉求分类")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("知识库文章")
        verbose_name_plural = _("知识库文章")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Appeal(EncryptedFieldsMixin, models.Model):
    # Unique through Meta.constraints, not unique=True: that would add a varchar_pattern_ops twin index on
    # PostgreSQL, which no query uses (numbers and keys are looked up exactly) but every insert pays for.
    number = models.CharField(_("编号"), max_length=20, null=True, blank=True)
    client_key = models.CharField(_("客户端幂等键"), max_length=64, null=True, blank=True)
    kind = models.CharField(_("诉求类型"), max_length=16, choices=AppealKind.choices)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    # Indexed by the composites (state, reply_due) and (lead_unit, state) in Meta.indexes.
    state = models.CharField(
        _("状态"), max_length=20, choices=AppealState.choices, default=AppealState.RECEIVED
    )

    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("诉求内容"))
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("诉求分类"),
    )
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("区域")
    )
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    # WGS-84 (GPS) coordinates; map services in China that use GCJ-02 convert on display.
    longitude = models.DecimalField(_("经度(WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("纬度(WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True)

    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("诉求人账号"),
        db_index=False,
    )
    appellant_name = models.CharField(_("诉求人姓名"), max_length=50, blank=True)
    # Phone and ID numbers are encrypted at rest (core.fieldcrypt); the verified number has a blind index.
    appellant_phone = EncryptedCharField(
        _("联系电话"), max_length=20, blank=True, blind_index="appellant_phone_bidx"
    )
    appellant_phone_bidx = BlindIndexField(source="appellant_phone", db_index=True)
    # A resident filing under their account is reached on the account's verified number (appellant_phone); another
    # number they give is kept here, for the handler to call, unverified: notices never go to it.
    contact_phone = EncryptedCharField(_("另留联系电话（未核实）"), max_length=20, blank=True)
    appellant_id_number = EncryptedCharField(_("身份证号"), max_length=18, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    confidential = models.BooleanField(_("保密"), default=False)
    tracking_code_hash = models.CharField(max_length=128, blank=True, editable=False)

    received_at = models.DateTimeField(_("受理时间"), default=timezone.now, db_index=True)
    first_receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="first_received_appeals",
        verbose_name=_("首接负责人"),
        db_index=False,
    )
    first_receiver_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="first_received_appeals",
        verbose_name=_("首接单位"),
        db_index=False,
    )

    lead_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_appeals",
        verbose_name=_("主办单位"),
        db_index=False,
    )  # the index (lead_unit, state) leads with it
    co_units = models.ManyToManyField(Unit, blank=True, related_name="co_appeals", verbose_name=_("协办单位"))
    master = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_appeals",
        verbose_name=_("主诉求"),
        db_index=False,
    )

    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    # When an approved return put the appeal back to be dispatched again (改派): its dispatch limit runs from
    # then (docs/decisions.md); empty while it never was returned, when the limit runs from the receipt.
    redispatch_from = models.DateTimeField(_("改派起算时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("重办时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # When the appellant's personal data was removed (account closed, or the retention period passed).
    anonymised_at = models.DateTimeField(_("个人信息删除时间"), null=True, blank=True, editable=False)
    # Due times are derived (deadlines.compute) from the stored times above and the calendar, and stored
    # only so that boards can query them; every write recomputes them, none is ever accumulated.
    dispatch_due = models.DateTimeField(
        _("派单时限"), null=True, blank=True
    )  # only while waiting for dispatch
    sign_due = models.DateTimeField(_("签收时限"), null=True, blank=True)
    contact_due = models.DateTimeField(_("联系时限"), null=True, blank=True)
    reply_due = models.DateTimeField(
        _("答复时限"), null=True, blank=True
    )  # indexed after state: (state, reply_due)
    callback_due = models.DateTimeField(_("回访时限"), null=True, blank=True)
    first_contact_on_time = models.BooleanField(_("按时首次联系"), null=True, blank=True)
    # The overdue board's two times (deadlines.board_fields), derived with the dues above on every write:
    # the earliest due of the steps the appeal waits on (red once passed) and the earliest moment one of
    # them turns yellow; both empty when it waits on nothing, so the board reads only open appeals.
    next_due = models.DateTimeField(_("最近时限"), null=True, blank=True, editable=False)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True, editable=False)

    extension_working_days = models.PositiveIntegerField(_("已批准延期(工作日)"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    supervision_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    return_from_state = models.CharField(max_length=20, choices=AppealState.choices, blank=True)

    reply_text = models.TextField(_("答复内容"), blank=True)
    close_reason = models.CharField(_("办结原因"), max_length=20, choices=CloseReason.choices, blank=True)
    refer_target = models.CharField(_("转办去向"), max_length=16, choices=ReferTarget.choices, blank=True)
    close_note = models.TextField(_("办结说明"), blank=True)
    knowledge_article = models.ForeignKey(
        KnowledgeArticle,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("引用知识"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["lead_unit", "state"]),
            models.Index(fields=["state", "reply_due"]),
            # Partial: only appeals that wait on a step have these times, so the board's index stays small.
            models.Index(
                fields=["warn_at", "next_due", "lead_unit"],
                condition=Q(warn_at__isnull=False),
                name="appeal_board_warn",
            ),
            models.Index(fields=["next_due"], condition=Q(next_due__isnull=False), name="appeal_board_due"),
            # The board's page in its order (red first, then by due): the first 50 of ~100 k flagged appeals at
            # 10 M come from this index in 0.5 ms instead of a sort of all of them (150 ms; bench/scale.py).
            models.Index(
                fields=["next_due", "id"], condition=Q(warn_at__isnull=False), name="appeal_board_order"
            ),
            # Foreign keys that most appeals leave empty (every imported one, most taken by phone): indexed only
            # where set, which is all their lookups (and the PROTECT / SET_NULL checks) ask for; an import
            # then writes no index entries for them.
            *[
                models.Index(fields=[key], condition=Q(**{f"{key}__isnull": False}), name=f"appeal_{key}_set")
                for key in (
                    "appellant",
                    "first_receiver",
                    "first_receiver_unit",
                    "master",
                    "knowledge_article",
                )
            ],
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="appeal_number_unique"),
            # Partial: appeals without a key (imported ones) need no entry; a lookup by key implies one.
            models.UniqueConstraint(
                fields=["client_key"], condition=Q(client_key__isnull=False), name="appeal_client_key_unique"
            ),
            models.CheckConstraint(
                condition=~Q(state=AppealState.MERGED) | Q(master__isnull=False), name="merged_has_master"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state not in (AppealState.CLOSED, AppealState.MERGED)

    @property
    def outcome(self) -> str:
        """How the appeal ended, one word for pages and styles: the close reason of a closed appeal ("withdrawn",
        "referred_out", "resolved", …), "merged", or "" while it is open."""
        if self.state == AppealState.MERGED:
            return "merged"
        if self.state == AppealState.CLOSED:
            return self.close_reason or "resolved"
        return ""

    @property
    def status_label(self) -> str:
        """What the resident (and everyone) reads as the status: the state while open; once ended, how it ended
        (已撤回, 已并单, 已转办, 已告知办理途径, 已答复, 已办结 …), never a solved-looking 已办结归档 for a withdrawal."""
        if self.state == AppealState.CLOSED:
            if self.close_reason == CloseReason.REFERRED_OUT:
                return str(_("已转办") if self.refer_target in TRANSFER_TARGETS else _("已告知办理途径"))
            label = CLOSED_STATUS_LABELS.get(self.close_reason)
            if label is not None:
                return str(label)
        return str(self.get_state_display())

    @property
    def close_summary(self) -> str:
        """The close reason and the note given with it, the note left out when it only repeats the reason
        ("诉求人撤回", not "诉求人撤回：诉求人撤回")."""
        if not self.close_reason:
            return ""
        reason = str(self.get_close_reason_display())
        note = (self.close_note or "").strip()
        if not note or note == reason:
            return reason
        return f"{reason}：{note}"


class Attachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="appeals/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class AppealEvent(ChainedEvent):
    """One appeal's timeline and audit trail; the chain is per appeal (its row is locked while writing)."""

    chain_subject_field = "appeal"

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    # Both empty on most events (the system's own, every imported one): indexed only where set (Meta.indexes).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
        db_index=False,
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("单位"),
        db_index=False,
    )
    state_before = models.CharField(max_length=20, blank=True)
    state_after = models.CharField(max_length=20, blank=True)

    class Meta(ChainedEvent.Meta):
        verbose_name = _("诉求事件")
        verbose_name_plural = _("诉求事件")
        indexes = [
            models.Index(fields=["action", "created_at"]),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="appeal_event_actor_set"),
            models.Index(fields=["unit"], condition=Q(unit__isnull=False), name="appeal_event_unit_set"),
        ]

    def chain_payload(self) -> dict:
        return {
            **super().chain_payload(),
            "unit": self.unit_id,
            "state_before": self.state_before,
            "state_after": self.state_after,
        }


class ReviewedRequest(models.Model):
    """A handling unit's request that a dispatcher or supervisor approves or rejects, with the record of both."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(
        max_length=10, choices=RequestDecision.choices, default=RequestDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        abstract = True

    def decide(self, actor, decision: str, note: str, at) -> None:
        self.decision, self.decided_by, self.decided_at, self.decision_note = decision, actor, at, note
        self.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])


class ReturnRequest(ReviewedRequest):
    """退单 and its review (派单异议审核); counted in the unit's return statistics."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="return_requests")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="return_requests")
    reason = models.TextField(_("退单理由"))
    from_state = models.CharField(max_length=20, choices=AppealState.choices)

    class Meta:
        verbose_name = _("退单申请")
        verbose_name_plural = _("退单申请")

    def __str__(self) -> str:
        return f"{self.appeal} 退单（{self.get_decision_display()}）"


class ExtensionRequest(ReviewedRequest):
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="extension_requests")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="extension_requests")
    reason = models.TextField(_("延期理由"))
    working_days = models.PositiveSmallIntegerField(_("延期工作日"))

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self) -> str:
        return f"{self.appeal} 延期{self.working_days}个工作日（{self.get_decision_display()}）"


class Callback(models.Model):
    """回访: the appellant's verdict on one reply, attributed to the lead unit that replied."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="callbacks")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="callbacks")
    method = models.CharField(max_length=8, choices=CallbackMethod.choices)
    reached = models.BooleanField(_("回访接通"), default=True)
    contacted = models.BooleanField(_("承办单位是否联系"), null=True)
    solved = models.BooleanField(_("是否解决"), null=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    first_contact_on_time = models.BooleanField(null=True)
    comment = models.TextField(_("意见"), blank=True)
    # None: the appellant without an account, by an SMS reply to the callback invitation (method sms).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    valid = models.BooleanField(
        _("有效回访"), default=True, help_text=_("接通且非匿名、非并单、非撤回、非转办的回访计入三率")
    )

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        indexes = [models.Index(fields=["unit", "created_at"])]

    def __str__(self) -> str:
        return f"{self.appeal} 回访"


class RateCounter(models.Model):
    """The three rates' numerators and denominators (rates.compute_metrics) of one local month, per unit
    and appeal region, kept exact by the services that write the rows they count (appeals/counters.py);
    `gongzhi rebuild_rate_counters` recomputes them from the raw rows."""

    month = models.DateField(_("月份"))
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    entries = models.PositiveIntegerField(default=0)  # raw rows seen (a group exists once one row is counted)
    valid_callbacks = models.PositiveIntegerField(default=0)
    contacted_on_time = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    signs = models.PositiveIntegerField(default=0)
    signs_on_time = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    replies_on_time = models.PositiveIntegerField(default=0)
    handling_count = models.PositiveIntegerField(default=0)
    handling_micros = models.BigIntegerField(default=0)
    dispatches = models.PositiveIntegerField(default=0)
    dispatches_on_time = models.PositiveIntegerField(default=0)
    returns = models.PositiveIntegerField(default=0)
    unjustified_returns = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("三率计数")
        verbose_name_plural = _("三率计数")
        constraints = [
            models.UniqueConstraint(fields=["month", "unit", "region"], name="rate_counter_unique"),
            models.UniqueConstraint(
                fields=["month", "region"], condition=Q(unit__isnull=True), name="rate_counter_unique_no_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id} {self.region_id}"


class Supervision(models.Model):
    """催办 (level 0) and 督办 (levels 1–3) on a step that is late; unique so the sweep is idempotent."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="supervisions")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="supervisions"
    )
    kind = models.CharField(max_length=12, choices=SupervisionKind.choices)
    level = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=10, choices=Step.choices)
    due = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("催办督办")
        verbose_name_plural = _("催办督办")
        constraints = [
            models.UniqueConstraint(
                fields=["appeal", "step", "due", "kind", "level"], name="supervision_once_per_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal} {self.get_kind_display()}{self.level or ''}"


# Import profiles and import links live in their own module (data exchange, issue 8).
from .exchange.models import ImportedAppeal, ImportProfile  # noqa: E402, F401
from .open311.models import Open311Key  # noqa: E402,F401  (own module, see open311/models.py)
