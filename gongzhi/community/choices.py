from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgDomain(models.TextChoices):
    SERVICE = "service", _("为民服务")
    CHARITY = "charity", _("公益慈善")
    CULTURE = "culture", _("文体活动")
    MUTUAL_AID = "mutual_aid", _("邻里互助")
    ENVIRONMENT = "environment", _("环境卫生")
    PATROL = "patrol", _("平安巡逻")
    OTHER = "other", _("其他")


class OrgStage(models.TextChoices):
    APPLIED = "applied", _("申请")
    INCUBATING = "incubating", _("孵化中")
    MATURE = "mature", _("成熟/备案")
    EXITED = "exited", _("退出")


class MemberRole(models.TextChoices):
    LEADER = "leader", _("负责人")
    BACKBONE = "backbone", _("骨干")
    MEMBER = "member", _("成员")


class ProjectState(models.TextChoices):
    PLANNED = "planned", _("筹备")
    RUNNING = "running", _("实施中")
    DONE = "done", _("已完成")


class HelpState(models.TextChoices):
    ASKED = "asked", _("待答复")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已婉拒")
    DONE = "done", _("已完成")


class RedemptionState(models.TextChoices):
    REQUESTED = "requested", _("待确认")
    CONFIRMED = "confirmed", _("已兑换")
    REJECTED = "rejected", _("未兑换")


class ActivityState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    FINISHED = "finished", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class SignupState(models.TextChoices):
    REGISTERED = "registered", _("已报名")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")


class SignInMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    STAFF = "staff", _("工作人员签到")


class AccountKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿者账户")
    ISSUER = "issuer", _("发放账户")


class EntryKind(models.TextChoices):
    CREDIT = "credit", _("服务时长入账")
    REDEEM = "redeem", _("积分兑换")
    CORRECTION = "correction", _("更正（冲销）")


class NeedKind(models.TextChoices):
    ELDERLY = "elderly", _("助老")
    DISABLED = "disabled", _("助残")
    CHILDCARE = "childcare", _("托育")
    EMPLOYMENT = "employment", _("就业")
    LEGAL = "legal", _("法律咨询")
    HEALTH = "health", _("医疗健康")
    ENVIRONMENT = "environment", _("环境卫生")
    CULTURE = "culture", _("文体")
    OTHER = "other", _("其他")


class RedResourceKind(models.TextChoices):
    SITE = "site", _("革命遗址")
    RESIDENCE = "residence", _("名人故居")
    MEMORIAL = "memorial", _("纪念馆")
    ARCHIVE = "archive", _("档案史料")
    RELIC = "relic", _("革命文物")
