from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class AppealKind(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("热线电话")
    WEB = "web", _("网站")
    MOBILE = "mobile", _("手机")
    WALK_IN = "walk_in", _("来访")
    LETTER = "letter", _("来信")
    GRID_PATROL = "grid_patrol", _("网格巡查")
    HOUSEHOLD_VISIT = "household_visit", _("入户走访")
    PROXY = "proxy", _("代办")
    API = "api", _("接口")
    # 急企业之所急: an enterprise's contact, or an operator on its behalf, through the credit app's intake.
    ENTERPRISE = "enterprise", _("企业诉求")
    # A message to the county's 公众号 (the wechat app's intake: the sender's openid, checked by WeChat's signature).
    WECHAT = "wechat", _("微信公众号")


# Channels only another app's intake service may use, after checking itself who may speak for the appellant
# (services.submit_appeal(delegated=True)); never offered by the appeals forms or accepted from the appeals API.
DELEGATED_CHANNELS = [Channel.ENTERPRISE, Channel.WECHAT]

STAFF_CHANNELS = [
    Channel.HOTLINE,
    Channel.WALK_IN,
    Channel.LETTER,
    Channel.PROXY,
    Channel.GRID_PATROL,
    Channel.HOUSEHOLD_VISIT,
]


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("紧急")
    TIMELY = "timely", _("即办")
    NORMAL = "normal", _("一般")
    COMPLEX = "complex", _("疑难")


class AppealState(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    RETURN_REQUESTED = "return_requested", _("退单审核中")
    ACCEPTED = "accepted", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结归档")
    MERGED = "merged", _("已并单")


OPEN_STATES = [
    AppealState.RECEIVED,
    AppealState.DISPATCHED,
    AppealState.RETURN_REQUESTED,
    AppealState.ACCEPTED,
    AppealState.IN_PROGRESS,
    AppealState.REPLIED,
]


class CloseReason(models.TextChoices):
    RESOLVED = "resolved", _("已解决")
    REFERRED_OUT = "referred_out", _("已转办/告知其他途径")
    WITHDRAWN = "withdrawn", _("诉求人撤回")
    UNRESOLVABLE = "unresolvable", _("多次重办仍未解决，按规定办结")
    ANONYMOUS = "anonymous", _("匿名诉求，答复后办结")
    ANSWERED_DIRECTLY = "answered_directly", _("直接答复")


# What a resident reads as the status of a closed appeal, by why it closed (Appeal.status_label): a withdrawn or
# referred-out appeal was not solved, and must not read as the solved 已办结归档.
CLOSED_STATUS_LABELS: dict[str, Promise] = {
    CloseReason.RESOLVED: _("已办结"),
    CloseReason.WITHDRAWN: _("已撤回"),
    CloseReason.ANSWERED_DIRECTLY: _("已答复"),
    CloseReason.ANONYMOUS: _("已答复"),
    CloseReason.UNRESOLVABLE: _("已按规定办结"),
}


class ReferTarget(models.TextChoices):
    POLICE_110 = "110", _("转110（公安）")
    FIRE_119 = "119", _("转119（消防）")
    MEDICAL_120 = "120", _("转120（急救）")
    TRAFFIC_122 = "122", _("转122（交警）")
    LITIGATION = "litigation", _("告知诉讼途径")
    ARBITRATION = "arbitration", _("告知仲裁途径")
    PETITION = "petition", _("告知信访途径")
    OTHER = "other", _("其他法定途径")


# Referred to another hotline (110, 119, 120, 122) reads 已转办; told the legal route reads 已告知办理途径.
TRANSFER_TARGETS = frozenset(
    {ReferTarget.POLICE_110, ReferTarget.FIRE_119, ReferTarget.MEDICAL_120, ReferTarget.TRAFFIC_122}
)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Light(models.TextChoices):
    GREEN = "green", _("正常")
    YELLOW = "yellow", _("临期")
    RED = "red", _("超期")
    NONE = "none", _("—")


class Step(models.TextChoices):
    DISPATCH = "dispatch", _("派单")
    SIGN = "sign", _("签收")
    CONTACT = "contact", _("首次联系")
    REPLY = "reply", _("答复")
    CALLBACK = "callback", _("回访")


class LimitUnit(models.TextChoices):
    MINUTES = "minutes", _("分钟")
    HOURS = "hours", _("小时")
    DAYS = "days", _("自然日")
    WORKING_DAYS = "working_days", _("工作日")


class LimitProfile(models.TextChoices):
    """A column of the time-limit table (spec §4): the urgency, or consultation for a normal 咨询."""

    EMERGENCY = "emergency", _("紧急")
    TIMELY = "timely", _("即办")
    NORMAL = "normal", _("一般")
    COMPLEX = "complex", _("疑难")
    CONSULTATION = "consultation", _("咨询")


class RequestDecision(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已驳回")


class SupervisionKind(models.TextChoices):
    REMINDER = "reminder", _("催办")
    SUPERVISION = "supervision", _("督办")


class CallbackMethod(models.TextChoices):
    PHONE = "phone", _("电话回访")
    ONLINE = "online", _("网上评价")
    SMS = "sms", _("短信评价")
