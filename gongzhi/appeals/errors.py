"""Every error code the appeals app answers (see gongzhi.core.errors): the code, and when it happens."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = "invalid", _("诉求的输入有误：字段缺失、类型不对或取值无效（fields 给出逐项说明）")
    NOT_FOUND = "not_found", _("诉求不存在或不在您的可见范围内，或没有该名称的操作")
    PERMISSION_DENIED = "permission_denied", _("您的角色或单位不能对该诉求执行此操作")
    ILLEGAL_TRANSITION = "illegal_transition", _("诉求当前状态不允许此操作")
    DUPLICATE_SUBMISSION = "duplicate_submission", _("幂等键已用于一件您看不到的诉求")
    CONSENT_REQUIRED = "consent_required", _("提供身份证号而诉求人未单独同意")
    INVALID_PHONE = "invalid_phone", _("诉求人的电话号码格式不正确")
    OUTSIDE = "outside", _("诉求的位置不在本县范围内")
    ALREADY_FIRST_RECEIVER = "already_first_receiver", _("您已是该诉求的首接负责人")
    FIRST_RECEIVER_TAKEN = "first_receiver_taken", _("该诉求已由他人首接")
    PUSHED_DOWN = "pushed_down", _("把职能部门职责内的诉求下推给社区")
    MASTER_CLOSED = "master_closed", _("并单的主诉求已办结或已被并单")
    EXTENSION_LIMIT = "extension_limit", _("延期次数已达上限")
    EXTENSION_PENDING = "extension_pending", _("已有待审批的延期申请")
    TOO_LATE = "too_late", _("已超过办理时限，不能再申请延期")
    NO_PENDING_EXTENSION = "no_pending_extension", _("没有待审批的延期申请")
    ANONYMOUS = "anonymous", _("匿名诉求没有联系方式，无法询问诉求人")
    NO_QUESTION = "no_question", _("承办单位没有待诉求人答复的询问")
    BAD_ATTACHMENT_TYPE = "bad_attachment_type", _("诉求附件的类型不允许")
    ATTACHMENT_TOO_LARGE = "attachment_too_large", _("诉求附件超过大小上限")
    EMPTY_ATTACHMENT = "empty_attachment", _("诉求附件是空文件")
    ATTACHMENT_TYPE_MISMATCH = "attachment_type_mismatch", _("诉求附件的内容与扩展名不符")
