from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    """The listing lifecycle (spec G-1)."""

    WARNED = "warned", _("已风险提示")
    IN_GRACE = "in_grace", _("宽限期中")
    NOT_LISTED = "not_listed", _("已履行，未纳入")
    DECIDED = "decided", _("已决定纳入，待公布")
    PUBLISHED = "published", _("已公布")
    SHIELDED = "shielded", _("已修复屏蔽")
    DELETED = "deleted", _("已删除")
    REVOKED = "revoked", _("已撤销")


PUBLIC_STATES = (CaseState.PUBLISHED,)
OPEN_STATES = (CaseState.WARNED, CaseState.IN_GRACE, CaseState.DECIDED, CaseState.PUBLISHED)


class Ground(models.TextChoices):
    """A-1: the six listing grounds."""

    G1 = "G1", _("有履行能力而拒不履行生效法律文书确定义务")
    G2 = "G2", _("以伪造证据、暴力、威胁等方法妨碍、抗拒执行")
    G3 = "G3", _("以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行")
    G4 = "G4", _("违反财产报告制度")
    G5 = "G5", _("违反限制消费令")
    G6 = "G6", _("无正当理由拒不履行执行和解协议")


class Settlement(models.TextChoices):
    """How a debtor avoids listing at the end of the grace period (B-1.3, B-4.4)."""

    PERFORMED = "performed", _("已履行")
    SETTLED = "settled", _("达成执行和解")
    SECURITY = "security", _("提供有效担保")


class DeletionGround(models.TextChoices):
    """A-10.1 items 1–7, A-10.2 expiry, A-2.4 early deletion."""

    PERFORMED = "performed", _("已履行义务或执行完毕")
    SETTLEMENT_PERFORMED = "settlement_performed", _("执行和解协议已履行完毕")
    CREDITOR_REQUEST = "creditor_request", _("申请执行人书面申请删除且法院同意")
    NO_ASSETS = "no_assets", _("终本后两次以上网络查控未发现可供执行财产")
    SUSPENDED = "suspended", _("因审判监督或破产程序中止执行")
    NOT_ENFORCED = "not_enforced", _("裁定不予执行")
    TERMINATED = "terminated", _("裁定终结执行")
    EXPIRED = "expired", _("纳入期限届满")
    EARLY = "early", _("积极履行或主动纠正，提前删除")


# a fixed-term listing is not deleted on the grounds (only on expiry, early deletion or ).
ITEM_GROUNDS = (
    DeletionGround.PERFORMED,
    DeletionGround.SETTLEMENT_PERFORMED,
    DeletionGround.CREDITOR_REQUEST,
    DeletionGround.NO_ASSETS,
    DeletionGround.SUSPENDED,
    DeletionGround.NOT_ENFORCED,
    DeletionGround.TERMINATED,
)


class ObjectionGround(models.TextChoices):
    """A-11."""

    NOT_LISTABLE = "not_listable", _("不应纳入失信名单")
    INACCURATE = "inaccurate", _("记载和公布的信息不准确")
    SHOULD_DELETE = "should_delete", _("失信信息应予删除")


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("审查中")
    GRANTED = "granted", _("理由成立")
    REJECTED = "rejected", _("已驳回")
    REVIEW_PENDING = "review_pending", _("复议中")
    REVIEW_GRANTED = "review_granted", _("复议成立")
    REVIEW_REJECTED = "review_rejected", _("复议驳回")


class DeadlineKind(models.TextChoices):
    """The G-2 deadline table."""

    LISTING_APPLICATION = "listing_application", _("审查申请执行人的纳入申请（15日）")
    GRACE_END = "grace_end", _("宽限期届满")
    DELETION = "deletion", _("删除失信信息（3个工作日）")
    EXPIRY_DELETION = "expiry_deletion", _("期限届满后删除（3个工作日）")
    REVOKE_CORRECT = "revoke_correct", _("撤销或更正（3个工作日）")
    OBJECTION_EXAM = "objection_exam", _("审查纠正申请（15日）")
    OBJECTION_CORRECT = "objection_correct", _("申请成立后纠正（3个工作日）")
    REVIEW_FILING = "review_filing", _("申请复议期限（10日）")
    REVIEW_DECISION = "review_decision", _("复议决定（15日）")


class WarningKind(models.TextChoices):
    NOTICE = "notice", _("预惩戒通知")
    HALFWAY = "halfway", _("宽限期过半提醒")
    BEFORE_END = "before_end", _("宽限期届满前提醒")


class RepairGround(models.TextChoices):
    SETTLEMENT = "settlement", _("达成和解并履行")
    SECURITY = "security", _("提供有效担保")
    PERFORMANCE = "performance", _("履行完毕")
    REORGANISATION = "reorganisation", _("破产重整或和解")


class RepairStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审查")
    APPROVED = "approved", _("准予修复")
    REJECTED = "rejected", _("不予修复")


class Severity(models.TextChoices):
    MINOR = "minor", _("轻微")
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("严重")


class DiscretionGrade(models.TextChoices):
    """The grades of a 行政处罚裁量基准: the circumstances that make a violation lighter or heavier."""

    MINOR = "minor", _("轻微")
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    GRAVE = "grave", _("严重")


class Harm(models.TextChoices):
    NONE = "none", _("没有危害后果")
    MINOR = "minor", _("危害后果轻微")
    OTHER = "other", _("其他")


class PenaltyType(models.TextChoices):
    """行政处罚法 第9条 (D-10)."""

    WARNING = "warning", _("警告")
    CRITICISM = "criticism", _("通报批评")
    FINE = "fine", _("罚款")
    CONFISCATION = "confiscation", _("没收违法所得、没收非法财物")
    LICENCE_SUSPENSION = "licence_suspension", _("暂扣许可证件")
    QUALIFICATION_DOWNGRADE = "qualification_downgrade", _("降低资质等级")
    LICENCE_REVOCATION = "licence_revocation", _("吊销许可证件")
    BUSINESS_RESTRICTION = "business_restriction", _("限制开展生产经营活动")
    SUSPENSION = "suspension", _("责令停产停业")
    CLOSURE = "closure", _("责令关闭")
    PRACTICE_RESTRICTION = "practice_restriction", _("限制从业")
    OTHER = "other", _("其他")


class SyncEvent(models.TextChoices):
    PUBLISHED = "published", _("公布")
    SHIELDED = "shielded", _("屏蔽")
    DELETED = "deleted", _("删除")
    CORRECTED = "corrected", _("更正")
    REVOKED = "revoked", _("撤销")
