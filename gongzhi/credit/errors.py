"""Every error code the credit app answers (see gongzhi.core.errors): the code, and when it happens."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = (
        "invalid",
        _("输入有误：字段缺失、类型不对、日期或金额无效、不支持的字段（fields 给出逐项说明）"),
    )
    PARSE_ERROR = "parse_error", _("请求体不是合法的 JSON")
    NOT_FOUND = "not_found", _("企业、执行案件、行政处罚记录或信用平台不存在，或不在您的可见范围内")
    PERMISSION_DENIED = "permission_denied", _("不是信用专员，或不是该企业的联系人")
    ILLEGAL_TRANSITION = "illegal_transition", _("执行案件当前状态不允许此操作")
    DUPLICATE = (
        "duplicate",
        _(
            "重复登记：统一社会信用代码、执行案号、决定书文号或平台名称已存在，幂等键已用于其他企业，"
            "或已有待审查的纠正、修复申请"
        ),
    )
    INVALID_USCC = "invalid_uscc", _("统一社会信用代码无效（应为18位，且校验码正确）")
    LISTING_BARRED = "listing_barred", _("存在不得纳入失信名单的情形（如未成年人、已提供充分担保）")
    IN_GRACE = "in_grace", _("宽限期届满前作出纳入决定")
    RELIST_BARRED = "relist_barred", _("申请执行人书面申请删除后6个月内再次申请纳入")
    NO_TERM_FOR_G1 = "no_term_for_g1", _("以G1纳入的不设纳入期限，也不得延长")
    TERM_REQUIRED = "term_required", _("以G2–G6纳入的，未写明2年的纳入期限")
    NOT_EXPIRED = "not_expired", _("以期限届满为由删除，但纳入期限尚未届满")
    GROUND_NOT_APPLICABLE = "ground_not_applicable", _("有纳入期限的失信信息不适用该删除事由")
    TOO_LATE = "too_late", _("申请复议的期限已届满")
    PENALTY_EXEMPT = "penalty_exempt", _("依行政处罚法第33条应当不予处罚，不能记录行政处罚")
    NOT_EXEMPT = "not_exempt", _("不符合第33条不予处罚的情形，不能作出不予处罚决定")
    OUTSIDE_BAND = "outside_band", _("处罚超出裁量基准，未写明理由")
    SAME_OFFICER = "same_officer", _("超出裁量基准的处罚须由另一名信用专员审批")
    IMPORT_FILE = "import_file", _("导入的裁量基准表格无法读取或内容有误")
    BAD_ATTACHMENT_TYPE = "bad_attachment_type", _("信用修复的证明材料的类型不允许")
    ATTACHMENT_TOO_LARGE = "attachment_too_large", _("信用修复的证明材料超过大小上限")
    EMPTY_ATTACHMENT = "empty_attachment", _("信用修复的证明材料是空文件")
    ATTACHMENT_TYPE_MISMATCH = "attachment_type_mismatch", _("信用修复的证明材料的内容与扩展名不符")
    BAD_SIGNATURE = "bad_signature", _("信用平台确认消息的签名无效或已过期")
