"""Every error code the deliberation app answers (see gongzhi.core.errors): the code, and when it happens."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = "invalid", _("议题、会议、表决或决议的输入有误")
    NOT_FOUND = "not_found", _("议题、会议、表决或任务不存在，或不在您的可见范围内")
    PERMISSION_DENIED = "permission_denied", _("您的角色或所在社区不能执行此操作")
    ILLEGAL_TRANSITION = "illegal_transition", _("议题、会议或表决当前状态不允许此操作")
    LOGIN_REQUIRED = "login_required", _("须先登录")
    PHASE_CLOSED = "phase_closed", _("议题当前阶段不允许此操作")
    NOT_A_PROPOSAL = "not_a_proposal", _("联名的不是居民提议的议题")
    ALREADY_SIGNED = "already_signed", _("已联名过此议题")
    USE_RECORD_RESOLUTION = "use_record_resolution", _("形成决议须使用「形成决议」功能")
    NO_VOTE = "no_vote", _("进入表决阶段前未创建表决事项")
    NOT_COMPLETED = "not_completed", _("决议的落实任务尚未全部完成，不能公示结果")
    NOTICE_TOO_SHORT = "notice_too_short", _("业主大会会议通知不足15日")
    COMMITTEE_NOT_INFORMED = "committee_not_informed", _("业主大会会议未同时告知居民委员会")
    ALREADY_REGISTERED = "already_registered", _("已报名此会议")
    ALREADY_SIGNED_IN = "already_signed_in", _("参会人已签到")
    NOT_REGISTERED = "not_registered", _("未报名此会议")
    NO_ATTENDEES = "no_attendees", _("无人签到，不能结束会议")
    NO_ELECTORS = "no_electors", _("开始投票前未登记投票人名单")
    VOTE_NOT_OPEN = "vote_not_open", _("表决未开始或已结束")
    ALREADY_VOTED = "already_voted", _("已经投过票")
    NOT_AN_OWNER = "not_an_owner", _("业主名册中没有您的房屋")
    NOT_AN_ELECTOR = "not_an_elector", _("不在本次表决的投票人名单中")
    BAD_TALLY = "bad_tally", _("计票数据有误")
    BAD_ATTACHMENT_TYPE = "bad_attachment_type", _("书面委托书的类型不允许")
    ATTACHMENT_TOO_LARGE = "attachment_too_large", _("书面委托书超过大小上限")
    EMPTY_ATTACHMENT = "empty_attachment", _("书面委托书是空文件")
    ATTACHMENT_TYPE_MISMATCH = "attachment_type_mismatch", _("书面委托书的内容与扩展名不符")
