"""What co-signers (附议人) are told: the answer and the closing of the appeal they joined (appeals spec §6).

A co-signer is not the appellant of the joined appeal, so they get their own notice kinds (admins edit the
text like every other): `cosigned_replied` when the joined appeal is answered and `cosigned_closed` when it is
closed. Both are mandatory: a co-signer often withdrew their own appeal to join, so this is the only way they
learn the result. Sent by `cosign.appeal_event_saved` (a post_save receiver on the appeal's event chain, so
every path that replies to or closes an appeal is covered).
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.notices import NoticeKind, register

NUMBER = (_("附议的诉求编号"), "20260101000100")
TITLE = (_("附议的诉求标题"), "小区路灯坏了")
OWN_NUMBER = (_("本人诉求编号（从本人诉求发起附议时）"), "20260101000123")

COSIGNED_REPLIED = register(
    NoticeKind(
        key="cosigned_replied",
        label=_("附议的诉求已答复"),
        mandatory=True,
        reason=_("附议后以所附议诉求的办理结果为准，附议人须知道答复。"),
        description=_("您附议的诉求由承办单位答复或直接答复时发送。"),
        subject="附议的诉求已答复",
        body="您附议的诉求（编号 {{ number }}，{{ title }}）已答复：{{ reply|truncatechars:80 }}",
        variables={
            "number": NUMBER,
            "title": TITLE,
            "own_number": OWN_NUMBER,
            "unit": (_("主办单位"), "县住建局"),
            "reply": (_("答复内容"), "路灯已于今日修复。"),
        },
    )
)
COSIGNED_CLOSED = register(
    NoticeKind(
        key="cosigned_closed",
        label=_("附议的诉求已办结"),
        mandatory=True,
        reason=_("附议后以所附议诉求的办理结果为准，办结须告知附议人。"),
        description=_("您附议的诉求办结、转办、告知法定途径或被撤回时发送。"),
        subject="附议的诉求已办结",
        body="您附议的诉求（编号 {{ number }}，{{ title }}）已办结：{{ result }}。{{ note }}",
        variables={
            "number": NUMBER,
            "title": TITLE,
            "own_number": OWN_NUMBER,
            "result": (_("办结方式"), "已解决"),
            "note": (_("说明"), "路灯已修复。"),
        },
    )
)

# 附近提醒 (issue J item 5): optional, the resident chose to follow an area; they may turn it off like any other.
NEARBY_ALERT = register(
    NoticeKind(
        key="nearby_alert",
        label=_("附近提醒"),
        description=_("您订阅的区域出现新的热点问题，或那里的诉求得到答复时，立即发送。"),
        subject="附近提醒",
        body="{{ text }}",
        variables={
            "text": (_("提醒内容（已去除个人信息）"), "幸福社区：新的热点问题「小区路灯损坏」（3件诉求）")
        },
    )
)
NEARBY_DIGEST = register(
    NoticeKind(
        key="nearby_digest",
        label=_("附近提醒每日汇总"),
        description=_("选择“每日汇总”时，每天一次汇总您订阅区域的新热点和答复。"),
        subject="附近提醒：今日{{ count }}条",
        body="您订阅的区域今日有{{ count }}条新动态：\n{{ lines }}",
        variables={
            "count": (_("条数"), "2"),
            "lines": (
                _("各条内容（已去除个人信息）"),
                "· 幸福社区：新的热点问题「小区路灯损坏」\n· 幸福社区：诉求「路灯坏了」已答复",
            ),
        },
    )
)

# Staff (not residents' choices): a proactive-governance task given to a unit, its completion told to whoever
# assigned it, and a unit told that one more resident co-signed an appeal it handles.
PROACTIVE_TASK_ASSIGNED = register(
    NoticeKind(
        key="proactive_task_assigned",
        label=_("主动治理任务"),
        mandatory=True,
        reason=_("承办单位须知道交办的任务。"),
        description=_("根据诉求预警向承办单位交办主动治理任务时发送。"),
        subject="主动治理任务",
        body="{{ title }}，请于 {{ due_date }} 前排查处置并反馈。",
        variables={
            "title": (_("任务名称"), "幸福街道 噪音扰民 诉求激增"),
            "due_date": (_("完成期限"), "2026-12-15"),
        },
        sms=False,
        listed=False,
    )
)
PROACTIVE_TASK_DONE = register(
    NoticeKind(
        key="proactive_task_done",
        label=_("主动治理任务已办结"),
        mandatory=True,
        reason=_("交办人须知道任务的办理结果。"),
        description=_("承办单位办结主动治理任务时发送给交办人。"),
        subject="主动治理任务已办结",
        body="{{ title }}：{{ unit }} 已办结。{{ note }}",
        variables={
            "title": (_("任务名称"), "幸福街道 噪音扰民 诉求激增"),
            "unit": (_("承办单位"), "县城管局"),
            "note": (_("办结说明"), "已约谈商户，夜间施工已停止。"),
        },
        sms=False,
        listed=False,
    )
)
COSIGNED_UNIT = register(
    NoticeKind(
        key="unit_cosigned",
        label=_("诉求有居民附议"),
        mandatory=True,
        reason=_("承办单位须知道同一问题的反映人数。"),
        description=_("承办单位办理的诉求又有居民附议时发送。"),
        subject="诉求有居民附议",
        body="{{ number }} {{ title }}：又有 1 位居民反映同一问题（累计附议 {{ count }} 人）。",
        variables={"number": NUMBER, "title": TITLE, "count": (_("累计附议人数"), 3)},
        sms=False,
        listed=False,
    )
)
