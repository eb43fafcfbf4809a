"""Every error code the insight app answers (see gongzhi.core.errors): the code, and when it happens."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = "invalid", _("热点、预警、提醒或附议的输入有误")
    NOT_FOUND = "not_found", _("热点、预警任务或提醒不存在")
    PERMISSION_DENIED = "permission_denied", _("您的角色不能查看或办理该热点、预警")
    ILLEGAL_TRANSITION = "illegal_transition", _("预警任务当前状态不允许此操作")
    LOGIN_REQUIRED = "login_required", _("订阅提醒或附议须先登录")
    FORBIDDEN = "forbidden", _("只有领导、督办、派单员和管理员可以为热点命名")
    ALREADY_TOPIC = "already_topic", _("该热点已转为协商议题")
    EMPTY = "empty", _("热点没有诉求，不能转为议题")
    NO_REGION = "no_region", _("热点诉求分属不同街道，不能自动转为议题")
    ALREADY_ASSIGNED = "already_assigned", _("预警已交办给该单位")
    NO_ALERT = "no_alert", _("近期没有这条预警，不能转为任务")
    TOO_MANY = "too_many", _("订阅的提醒已达上限")
    NOT_OWN = "not_own", _("只能从本人提交的诉求发起附议")
    OWN_APPEAL = "own_appeal", _("附议自己的诉求")
    NOT_SIMILAR = "not_similar", _("所附议的诉求与您的诉求不是同一问题，或已不在办理中")
    CLOSED = "closed", _("所附议的诉求已办结或已并单")
    ALREADY_COSIGNED = "already_cosigned", _("您已附议过该诉求")
