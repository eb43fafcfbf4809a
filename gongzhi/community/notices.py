"""What 共建 tells people (core.notices): organisers about their self-organisation's review, residents about the
activities they signed up for and their volunteer hours and points, helpers and community workers about help
requests. All go to the person's account (site message, and e-mail when they chose it); none goes by SMS, so no
SMS template needs filing for them. What a community worker is told about a help request is not a resident's choice
(listed=False)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.notices import NoticeKind, register

ORG = (_("自组织名称"), "幸福小区志愿服务队")
ACTIVITY = (_("活动名称"), "重阳节敬老志愿服务")
SUMMARY = (_("协助事项"), "为独居老人代购药品")

ORG_REVIEWED = register(
    NoticeKind(
        key="org_reviewed",
        label=_("自组织孵化评审结果"),
        description=_("您登记的自组织经社区评审（同意入驻、不予入驻、评估成熟或退出）时发送。"),
        subject="自组织孵化评审结果",
        body="「{{ organization }}」：{{ result }}。{{ opinion }}",
        variables={
            "organization": ORG,
            "result": (_("评审结果"), "同意入驻孵化"),
            "opinion": (_("评审意见"), "材料齐全，同意入驻。"),
        },
        sms=False,
    )
)
ACTIVITY_CANCELLED = register(
    NoticeKind(
        key="activity_cancelled",
        label=_("报名的活动已取消"),
        description=_("您报名（或候补）的活动被取消时发送。"),
        subject="活动已取消",
        body="您报名的活动「{{ activity }}」已取消。",
        variables={"activity": ACTIVITY},
        sms=False,
    )
)
WAITLIST_PROMOTED = register(
    NoticeKind(
        key="waitlist_promoted",
        label=_("候补转为正式报名"),
        description=_("有人取消报名、您由候补转为正式报名时发送。"),
        subject="候补转为正式报名",
        body="有人取消了报名，您已转为活动「{{ activity }}」的正式报名人员。",
        variables={"activity": ACTIVITY},
        sms=False,
    )
)
HOURS_CREDITED = register(
    NoticeKind(
        key="hours_credited",
        label=_("志愿服务时长入账"),
        description=_("社区确认您参加活动的服务时长并入账时发送。"),
        subject="志愿服务时长已入账",
        body="活动「{{ activity }}」的 {{ hours }} 小时服务时长已确认入账。",
        variables={"activity": ACTIVITY, "hours": (_("服务时长（小时）"), "2.5")},
        sms=False,
    )
)
REDEMPTION_DECIDED = register(
    NoticeKind(
        key="redemption_decided",
        label=_("积分兑换结果"),
        description=_("社区确认或不予办理您的积分兑换申请时发送。"),
        subject="积分兑换",
        body="{% if approved %}您兑换的「{{ item }}」已确认，扣除 {{ points }} 积分。"
        "{% else %}您兑换「{{ item }}」的申请未获办理：{{ reason }}{% endif %}",
        variables={
            "item": (_("兑换物品"), "环保购物袋"),
            "points": (_("积分"), 20),
            "approved": (_("是否确认（是/否）"), True),
            "reason": (_("未办理的理由"), "库存不足"),
        },
        sms=False,
    )
)
HELP_ASKED = register(
    NoticeKind(
        key="help_asked",
        label=_("社区请您协助"),
        description=_("社区请您（或您带领的自组织）协助一位居民时发送。"),
        subject="社区请您协助",
        body="{{ need }}：{{ summary }}。请在「协助请求」中接受或婉拒，期限 {{ due_on }}。",
        variables={
            "need": (_("需求类型"), "生活照料"),
            "summary": SUMMARY,
            "due_on": (_("期限"), "2026-12-10"),
        },
        sms=False,
    )
)
HELP_ANSWERED = register(
    NoticeKind(
        key="help_answered",
        label=_("协助请求的答复"),
        description=_("您发出的协助请求被接受或婉拒时发送。"),
        subject="协助请求的答复",
        body="{% if accepted %}{{ helper }} 已接受「{{ summary }}」，期限 {{ due_on }}。"
        "{% else %}{{ helper }} 婉拒了「{{ summary }}」：{{ reason }}。请另行对接。{% endif %}",
        variables={
            "helper": (_("协助人"), "李志愿"),
            "summary": SUMMARY,
            "due_on": (_("期限"), "2026-12-10"),
            "accepted": (_("是否接受（是/否）"), True),
            "reason": (_("婉拒理由"), "时间冲突"),
        },
        sms=False,
        listed=False,
        mandatory=True,
        reason=_("社区工作者须知道协助请求的进展。"),
    )
)
HELP_GIVEN = register(
    NoticeKind(
        key="help_given",
        label=_("您的需求已有人帮忙"),
        description=_("社区志愿力量为您完成服务时发送。"),
        subject="您的需求已有人帮忙",
        body="社区志愿力量已为您提供服务：{{ summary }}。如有问题请联系社区。",
        variables={"summary": SUMMARY},
        sms=False,
    )
)
HELP_COMPLETED = register(
    NoticeKind(
        key="help_completed",
        label=_("协助请求已完成"),
        description=_("您发出的协助请求由协助人完成时发送。"),
        subject="协助请求已完成",
        body="「{{ summary }}」已完成{% if hours %}，请确认服务时长{% endif %}。",
        variables={"summary": SUMMARY, "hours": (_("服务时长（小时，无则为空）"), "2")},
        sms=False,
        listed=False,
        mandatory=True,
        reason=_("社区工作者须知道协助请求的进展。"),
    )
)
