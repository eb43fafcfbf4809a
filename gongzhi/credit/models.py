"""Enterprise credit (issue 6): enterprises, enforcement cases and their listing workflow, warnings, objections,
credit repair, platforms to keep in sync, and administrative penalties. Spec: credit-and-voting-rules.md A–D, G."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.audit import ChainedEvent
from gongzhi.core.fieldcrypt import BlindIndexField, EncryptedCharField, EncryptedFieldsMixin
from gongzhi.core.outbox import OutboxBackend

from . import rules
from .choices import (
    CaseState,
    DeadlineKind,
    DeletionGround,
    DiscretionGrade,
    Ground,
    Harm,
    ObjectionGround,
    ObjectionStatus,
    RepairGround,
    RepairStatus,
    Settlement,
    Severity,
    WarningKind,
)


def validate_uscc(value: str) -> None:
    if not rules.uscc_is_valid(value):
        raise ValidationError(_("统一社会信用代码无效（应为18位，且校验码正确）。"), code="invalid_uscc")


class Enterprise(models.Model):
    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    region = models.ForeignKey(
        "core.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属区域"),
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EnterpriseContact(EncryptedFieldsMixin, models.Model):
    """Who receives the enterprise's notices; a contact with a user account sees the enterprise's own page."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=50)
    phone = EncryptedCharField(_("手机号"), max_length=11, blank=True, blind_index="phone_bidx")
    phone_bidx = BlindIndexField(source="phone", db_index=True)
    email = models.EmailField(_("邮箱"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprise_contacts",
        verbose_name=_("平台账号"),
    )
    is_primary = models.BooleanField(_("主要联系人"), default=False)

    class Meta:
        verbose_name = _("企业联系人")
        verbose_name_plural = _("企业联系人")
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.name}"


class EnforcementCase(models.Model):
    """An enforcement case against an enterprise and its one listing lifecycle (G-1)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="cases", verbose_name=_("被执行人")
    )
    court = models.CharField(_("执行法院"), max_length=100)
    case_number = models.CharField(_("执行案号"), max_length=100, unique=True)
    basis_document = models.CharField(_("执行依据文书（机关及文号）"), max_length=200)
    creditor = models.CharField(_("申请执行人"), max_length=200)
    obligation = models.TextField(_("生效法律文书确定的义务"))
    amount = models.DecimalField(_("标的金额（元）"), max_digits=16, decimal_places=2, default=0)
    performed_amount = models.DecimalField(_("已履行金额（元）"), max_digits=16, decimal_places=2, default=0)
    filed_on = models.DateField(_("立案日期"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_cases",
        verbose_name=_("承办人"),
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=CaseState.choices, default=CaseState.WARNED, db_index=True
    )
    warned_on = models.DateField(_("执行通知（风险提示）日期"))
    creditor_applied_on = models.DateField(_("申请执行人申请纳入日期"), null=True, blank=True)
    # pre-punishment notice and grace period (B-1, B-4)
    notice_number = models.CharField(_("预惩戒通知书文号"), max_length=100, blank=True)
    notice_on = models.DateField(_("通知日期"), null=True, blank=True)
    grace_months = models.PositiveSmallIntegerField(_("宽限期（月）"), null=True, blank=True)
    grace_end = models.DateField(_("宽限期届满日"), null=True, blank=True)
    grace_granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("宽限批准人"),
    )
    grace_reason = models.TextField(_("给予宽限期的理由"), blank=True)
    intended_ground = models.CharField(_("拟纳入情形"), max_length=2, choices=Ground.choices, blank=True)
    settlement = models.CharField(_("履行方式"), max_length=12, choices=Settlement.choices, blank=True)
    settled_on = models.DateField(_("履行日期"), null=True, blank=True)
    # listing decision
    ground = models.CharField(_("纳入情形"), max_length=2, choices=Ground.choices, blank=True)
    decision_number = models.CharField(_("决定书文号"), max_length=100, blank=True)
    decision_reason = models.TextField(_("纳入理由"), blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    served_on = models.DateField(_("送达日期"), null=True, blank=True)
    signed_by = models.CharField(_("签发人（院长）"), max_length=50, blank=True)
    term_years = models.PositiveSmallIntegerField(_("纳入期限（年）"), null=True, blank=True)
    extension_years = models.PositiveSmallIntegerField(_("延长期限（年）"), default=0)
    extension_reason = models.TextField(_("延长理由"), blank=True)
    published_on = models.DateField(_("公布日期"), null=True, blank=True)
    term_end = models.DateField(_("期限届满日"), null=True, blank=True)
    # end of the listing (A-9, A-10, A-2.4, repair)
    deletion_ground = models.CharField(
        _("删除事由"), max_length=24, choices=DeletionGround.choices, blank=True
    )
    deletion_event_on = models.DateField(_("删除事由发生日"), null=True, blank=True)
    ended_on = models.DateField(_("删除/屏蔽/撤销日期"), null=True, blank=True)
    relist_barred_until = models.DateField(_("申请执行人不得再申请纳入至"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("执行案件")
        verbose_name_plural = _("执行案件")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_number} {self.enterprise}"

    @property
    def unperformed_amount(self):
        return max(self.amount - self.performed_amount, 0)

    @property
    def has_term(self) -> bool:
        return bool(self.ground) and self.ground != Ground.G1

    @property
    def is_public(self) -> bool:
        return self.state == CaseState.PUBLISHED


class CreditEvent(ChainedEvent):
    """One case's timeline and audit trail; the chain is per case (its row is locked while writing)."""

    chain_subject_field = "case"

    case = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="events")
    state_before = models.CharField(max_length=16, blank=True)
    state_after = models.CharField(max_length=16, blank=True)

    class Meta(ChainedEvent.Meta):
        verbose_name = _("信用事件")
        verbose_name_plural = _("信用事件")

    def chain_payload(self) -> dict:
        return {**super().chain_payload(), "state_before": self.state_before, "state_after": self.state_after}


class CaseDeadline(models.Model):
    """One deadline of the G-2 table on one case; the sweep warns before it passes and when it has."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("事项"), max_length=24, choices=DeadlineKind.choices)
    starts_on = models.DateField(_("起算日"))
    due_on = models.DateField(_("截止日"))
    met_on = models.DateField(_("完成日"), null=True, blank=True)
    warned_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.met_on is None


class CreditWarning(models.Model):
    """A credit warning to the enterprise's contacts during the grace period, scheduled then recorded when sent."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="warnings")
    kind = models.CharField(_("类型"), max_length=12, choices=WarningKind.choices)
    scheduled_on = models.DateField(_("计划日期"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(_("通知人数"), default=0)
    cancelled = models.BooleanField(_("已取消"), default=False)

    class Meta:
        verbose_name = _("信用提醒")
        verbose_name_plural = _("信用提醒")
        ordering = ["scheduled_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="credit_warning_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.scheduled_on}"


class Objection(models.Model):
    """A correction application (A-11) and its review (A-12)."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="objections")
    ground = models.CharField(_("申请理由"), max_length=16, choices=ObjectionGround.choices)
    statement = models.TextField(_("申请内容"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    received_on = models.DateField(_("收到日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    review_filed_on = models.DateField(_("申请复议日期"), null=True, blank=True)
    review_statement = models.TextField(_("复议理由"), blank=True)
    review_decided_on = models.DateField(_("复议决定日期"), null=True, blank=True)
    review_reason = models.TextField(_("复议决定理由"), blank=True)

    class Meta:
        verbose_name = _("纠正申请")
        verbose_name_plural = _("纠正申请")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_ground_display()} {self.received_on}"


class RepairApplication(models.Model):
    """信用修复申请: grounds, evidence, a credit commitment; reviewed with a decision and reasons."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="repairs")
    ground = models.CharField(_("修复理由"), max_length=16, choices=RepairGround.choices)
    statement = models.TextField(_("情况说明"))
    commitment = models.TextField(_("信用承诺"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=RepairStatus.choices, default=RepairStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审查人"),
    )
    decided_at = models.DateTimeField(_("审查时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审查意见"), blank=True)

    class Meta:
        verbose_name = _("信用修复申请")
        verbose_name_plural = _("信用修复申请")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_ground_display()} {self.get_status_display()}"


class RepairEvidence(models.Model):
    application = models.ForeignKey(RepairApplication, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="credit/evidence/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")

    def __str__(self) -> str:
        return self.name


class CreditPlatform(models.Model):
    """A credit platform that must mirror every publication, shielding, deletion and correction."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    backend = models.CharField(_("对接方式"), max_length=10, choices=OutboxBackend.choices)
    address = models.CharField(_("回调地址或投递目录"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    confirm_window_hours = models.PositiveIntegerField(_("确认时限（小时）"), default=72)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("信用平台")
        verbose_name_plural = _("信用平台")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> str:
        return f"credit-platform:{self.pk}"


class DiscretionBenchmark(models.Model):
    """行政处罚裁量基准: one violation of one enforcement field, its legal basis, and per grade of circumstances the
    band of measures and fines (过罚相当). Maintained in the admin or imported from the spreadsheet a department
    publishes (credit.discretion)."""

    field = models.CharField(_("执法领域"), max_length=50)
    code = models.CharField(_("编号"), max_length=30, unique=True)
    violation = models.CharField(_("违法行为"), max_length=300)
    legal_basis = models.CharField(_("违法依据"), max_length=500)
    penalty_basis = models.CharField(_("处罚依据"), max_length=500)
    source = models.CharField(_("来源"), max_length=300, help_text=_("发布机关和文件名称"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("裁量基准")
        verbose_name_plural = _("裁量基准")
        ordering = ["field", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.violation}"


class DiscretionBand(models.Model):
    """One grade of a benchmark: its circumstances and the band of measures and fine it allows."""

    benchmark = models.ForeignKey(DiscretionBenchmark, on_delete=models.CASCADE, related_name="bands")
    grade = models.CharField(_("裁量等级"), max_length=8, choices=DiscretionGrade.choices)
    circumstances = models.TextField(_("适用情形"))
    measures = models.JSONField(_("处罚种类"), default=list)
    fine_min = models.DecimalField(
        _("罚款下限（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    fine_max = models.DecimalField(
        _("罚款上限（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("裁量等级")
        verbose_name_plural = _("裁量等级")
        ordering = ["benchmark", "id"]
        constraints = [
            models.UniqueConstraint(fields=["benchmark", "grade"], name="credit_one_band_per_grade")
        ]

    def __str__(self) -> str:
        return f"{self.benchmark.code} {self.get_grade_display()}"


class AdministrativePenalty(models.Model):
    """A recorded administrative penalty (parts C, D), classified with its publicity period by the regime in
    force on its decision date."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="penalties")
    authority = models.CharField(_("处罚机关"), max_length=100)
    decision_number = models.CharField(_("处罚决定书文号"), max_length=100, unique=True)
    decided_on = models.DateField(_("处罚决定日期"))
    facts = models.TextField(_("违法事实"))
    penalty_types = models.JSONField(_("处罚种类"), default=list)
    fine_amount = models.DecimalField(_("罚款金额（元）"), max_digits=14, decimal_places=2, default=0)
    severity = models.CharField(_("失信程度"), max_length=8, choices=Severity.choices)
    regime = models.CharField(_("适用规定"), max_length=8)
    publicity_min_months = models.PositiveSmallIntegerField(_("最短公示期（月）"))
    publicity_max_months = models.PositiveSmallIntegerField(_("最长公示期（月）"))
    first_violation = models.BooleanField(_("初次违法"))
    minor_violation = models.BooleanField(_("违法行为轻微"))
    corrected_promptly = models.BooleanField(_("及时改正"))
    harm = models.CharField(_("危害后果"), max_length=8, choices=Harm.choices)
    no_fault_proven = models.BooleanField(_("有证据证明没有主观过错"))
    exemption = models.CharField(_("第33条审查结论"), max_length=16)
    exemption_declined_reason = models.TextField(_("不适用首违不罚的理由"), blank=True)
    performed = models.BooleanField(_("已履行处罚决定"), default=False)
    # 过罚相当: the benchmark's grade the decision was taken under; outside its band only with a written reason
    # and a second officer's approval.
    band = models.ForeignKey(
        DiscretionBand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("裁量基准等级"),
    )
    outside_band = models.BooleanField(_("超出裁量基准"), default=False)
    outside_reason = models.TextField(_("超出裁量基准的理由"), blank=True)
    band_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    band_approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("行政处罚")
        verbose_name_plural = _("行政处罚")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.decision_number

    @property
    def awaiting_approval(self) -> bool:
        return self.outside_band and self.band_approved_at is None


class EnterpriseAppeal(models.Model):
    """An appeal made by or for an enterprise (急企业之所急). The link lives here so that the appeals app does not
    depend on credit: the appeal itself runs the normal appeals workflow with channel 'enterprise'."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="appeal_links", verbose_name=_("企业")
    )
    appeal = models.OneToOneField(
        "appeals.Appeal", on_delete=models.PROTECT, related_name="enterprise_link", verbose_name=_("诉求")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    on_behalf = models.BooleanField(_("工作人员代为登记"), default=False)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.appeal}"


class PenaltyExemptionDecision(models.Model):
    """不予行政处罚决定 under 行政处罚法 第33条 (D-1–D-4): recorded instead of a penalty. It is not a 行政处罚 and
    creates no penalty information to publish (D-11); the education given to the party is kept (D-4)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="penalty_exemptions", verbose_name=_("企业")
    )
    authority = models.CharField(_("行政机关"), max_length=100)
    decision_number = models.CharField(_("不予处罚决定书文号"), max_length=100, unique=True)
    decided_on = models.DateField(_("决定日期"))
    facts = models.TextField(_("违法事实"))
    first_violation = models.BooleanField(_("初次违法"))
    minor_violation = models.BooleanField(_("违法行为轻微"))
    corrected_promptly = models.BooleanField(_("及时改正"))
    harm = models.CharField(_("危害后果"), max_length=8, choices=Harm.choices)
    no_fault_proven = models.BooleanField(_("有证据证明没有主观过错"))
    exemption = models.CharField(_("第33条审查结论"), max_length=16)
    reason = models.TextField(_("不予处罚的理由"))
    education = models.TextField(_("对当事人进行的教育"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("不予行政处罚决定")
        verbose_name_plural = _("不予行政处罚决定")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.decision_number
