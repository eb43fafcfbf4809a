"""What the credit part tells people (core.notices).

An enterprise's contacts (企业联系人) are told every step that concerns their enterprise — the risk notice, the
pre-penalty notice (预惩戒通知书) and its reminder, the decisions on listing, deletion, correction and repair — on
their account and, when they have a mobile number on file, by SMS (both mandatory: these are legal notices whose
delivery the court records). Credit officers (and their supervisors) are told on the platform what needs them:
new applications, deadlines near and past, a platform that did not confirm a sync."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.notices import NoticeKind, register

CASE = (_("案号"), "（2026）湘0102执123号")
ENTERPRISE = (_("企业名称"), "长沙某某建材有限公司")
REASON_CONTACT = _("法院依法送达的告知，须送达企业联系人。")
REASON_OFFICER = _("信用工作人员须知道需要办理的事项。")


def _contact(key: str, label, description, subject: str, body: str, **variables) -> NoticeKind:
    # Not among a resident's notice choices (listed=False): only an enterprise's contacts get them, and they cannot
    # be turned off; the enterprise's own page (本企业信用) shows each step.
    return register(
        NoticeKind(
            key=key,
            label=label,
            mandatory=True,
            reason=REASON_CONTACT,
            description=description,
            subject=subject,
            body=body,
            variables={"case": CASE, **variables},
            listed=False,
        )
    )


def _officer(key: str, label, description, subject: str, body: str, **variables) -> NoticeKind:
    return register(
        NoticeKind(
            key=key,
            label=label,
            mandatory=True,
            reason=REASON_OFFICER,
            description=description,
            subject=subject,
            body=body,
            variables={"case": CASE, **variables},
            sms=False,
            listed=False,
        )
    )


RISK_NOTICE = _contact(
    "credit_risk_notice",
    _("执行风险提示"),
    _("法院立案执行、执行通知载明风险提示时发送给企业联系人。"),
    "执行风险提示",
    "{{ court }}（{{ case }}）提示：请按生效法律文书履行义务；拒不履行的，可能被纳入失信被执行人名单。",
    court=(_("执行法院"), "长沙市芙蓉区人民法院"),
)
PRE_PENALTY_NOTICE = _contact(
    "credit_pre_penalty_notice",
    _("预惩戒通知书"),
    _("送达预惩戒通知书、给予宽限期时发送给企业联系人。"),
    "预惩戒通知书",
    "您单位在{{ case }}中尚有{{ amount }}元未履行。本院给予宽限期至{{ grace_end }}。宽限期内履行、达成和解或提供有效担保的，"
    "不予纳入失信被执行人名单；届满仍未履行的，将公布失信信息并采取限制消费等惩戒措施。",
    amount=(_("未履行金额（元）"), "120000.00"),
    grace_end=(_("宽限期届满日"), "2026-12-31"),
)
GRACE_REMINDER = _contact(
    "credit_grace_reminder",
    _("宽限期届满提醒"),
    _("宽限期届满前按计划发送给企业联系人。"),
    "信用提醒：宽限期将于{{ grace_end }}届满",
    "{{ case }}尚有{{ amount }}元未履行，宽限期将于{{ grace_end }}届满。请尽快履行、达成和解或提供担保，以免被纳入失信名单。",
    amount=(_("未履行金额（元）"), "120000.00"),
    grace_end=(_("宽限期届满日"), "2026-12-31"),
)
NOT_LISTED = _contact(
    "credit_not_listed",
    _("不予纳入失信名单"),
    _("确认企业已履行、和解或提供担保，不纳入失信名单时发送。"),
    "不予纳入失信名单",
    "{{ case }}：已确认{{ settlement }}，不纳入失信被执行人名单。",
    settlement=(_("履行方式"), "全部履行"),
)
LISTING_DECIDED = _contact(
    "credit_listing_decided",
    _("纳入失信名单决定书"),
    _("法院决定将企业纳入失信被执行人名单时发送。"),
    "纳入失信被执行人名单决定书",
    "{{ case }}：本院决定将您单位纳入失信被执行人名单（{{ ground }}）。",
    ground=(_("纳入事由"), "有履行能力而拒不履行生效法律文书确定义务"),
)
LISTING_REVOKED = _contact(
    "credit_listing_revoked",
    _("失信信息已撤销"),
    _("纳入失信名单的决定被撤销时发送。"),
    "失信信息已撤销",
    "{{ case }}：纳入失信名单的决定已撤销。",
)
LISTING_DELETED = _contact(
    "credit_listing_deleted",
    _("失信信息已删除"),
    _("失信信息删除、不再公布时发送。"),
    "失信信息已删除",
    "{{ case }}：失信信息已删除（{{ ground }}），不再公布，各信用平台将同步删除。",
    ground=(_("删除事由"), "已履行完毕"),
)
OBJECTION_DECIDED = _contact(
    "credit_objection_decided",
    _("纠正申请审查结果"),
    _("法院审查企业的书面纠正申请后发送。"),
    "纠正申请审查结果",
    "{% if granted %}{{ case }}：您的纠正申请理由成立，本院将在3个工作日内纠正。"
    "{% else %}{{ case }}：您的纠正申请已被驳回，可自决定书送达之日起10日内向上一级法院申请复议。{% endif %}",
    granted=(_("理由是否成立（是/否）"), True),
)
REPAIR_DECIDED = _contact(
    "credit_repair_decided",
    _("信用修复告知书"),
    _("信用修复申请审查后发送。"),
    "信用修复告知书",
    "{% if approved %}{{ case }}：准予信用修复，失信信息已屏蔽，不再公布，各信用平台将同步删除。"
    "{% else %}{{ case }}：不予信用修复。理由：{{ reason }}{% endif %}",
    approved=(_("是否准予（是/否）"), True),
    reason=(_("不予修复的理由"), "尚未履行完毕"),
)

OBJECTION_FILED = _officer(
    "credit_objection_filed",
    _("收到纠正申请"),
    _("企业提出书面纠正申请时发送给承办人。"),
    "收到纠正申请",
    "{{ case }}收到书面纠正申请，应在15日内审查。",
)
REPAIR_FILED = _officer(
    "credit_repair_filed",
    _("收到信用修复申请"),
    _("企业申请信用修复时发送给承办人。"),
    "收到信用修复申请",
    "{{ enterprise }}就{{ case }}申请信用修复。",
    enterprise=ENTERPRISE,
)
DEADLINE_OVERDUE = _officer(
    "credit_deadline_overdue",
    _("办理时限已过"),
    _("案件的法定办理时限已过仍未办结时发送给承办人。"),
    "时限已过",
    "{{ case }}：{{ deadline }}已于{{ due_on }}到期，尚未办结。",
    deadline=(_("时限"), "纠正申请审查"),
    due_on=(_("到期日"), "2026-12-15"),
)
DEADLINE_NEAR = _officer(
    "credit_deadline_near",
    _("办理时限临近"),
    _("案件的法定办理时限临近时发送给承办人。"),
    "时限临近",
    "{{ case }}：{{ deadline }}将于{{ due_on }}到期。",
    deadline=(_("时限"), "纠正申请审查"),
    due_on=(_("到期日"), "2026-12-15"),
)
PLATFORM_UNCONFIRMED = _officer(
    "credit_platform_unconfirmed",
    _("信用平台逾期未确认"),
    _("信用平台未在时限内确认同步时发送给承办人及其上级。"),
    "信用平台逾期未确认",
    "{{ platform }} 未在时限内确认 {{ case }}（{{ enterprise }}）的同步（{{ event }}，应于{{ confirm_by }}前确认），"
    "请核实后重发或联系该平台。",
    platform=(_("信用平台"), "信用中国（湖南）"),
    enterprise=ENTERPRISE,
    event=(_("同步事件"), "publish"),
    confirm_by=(_("应确认时间"), "2026-12-08 17:00"),
)
