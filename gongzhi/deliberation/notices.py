"""What residents are told when an appeal of theirs (or one they co-signed, or one merged into it) became a
deliberation topic: each step of the topic (opened, resolved, each task done, completed), by the channels each
resident chose (core.notices). Sent by services._base._appellants_notice."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.notices import NoticeKind, register

TOPIC_STEP = register(
    NoticeKind(
        key="topic_step",
        label=_("诉求转入议事协商的进展"),
        mandatory=True,
        reason=_("您的诉求（或附议、并入的诉求）已转为议事协商议题，议题的每一步就是问题办理的进展。"),
        description=_("议题开启、形成决议、每项落实任务完成和决议全部落实时发送。"),
        subject="议事协商进展：{{ step }}",
        body="您反映的问题（{% if number %}诉求 {{ number }}，{% endif %}议题「{{ title }}」）{{ step }}。"
        "{{ detail|truncatechars:120 }}",
        variables={
            "title": (_("议题名称"), "热点问题：幸福小区停车收费"),
            "step": (_("进展"), "已形成决议"),
            "detail": (_("说明"), "停车费维持原价，物业公开成本。"),
            "number": (_("您的诉求编号（附议人为所附议的诉求）"), "20260101000123"),
        },
    )
)

# A meeting's notice (议事会议通知): to every participant with an account and, for an owners' assembly, to every owner
# of its register by the channel on file — their account, else an SMS to the number on the register (物业管理条例
# 第14条: 通知全体业主). Mandatory: a vote under 民法典 第278条 counts those who were told.
MEETING_NOTICE = register(
    NoticeKind(
        key="meeting_notice",
        label=_("议事会议通知"),
        mandatory=True,
        reason=_("会议通知须送达每位参会人；业主大会须通知全体业主。"),
        description=_("您参加的议事会议或您所在小区的业主大会发出会议通知时发送。"),
        subject="会议通知：{{ title }}",
        body="{{ starts_at }} 在 {{ location }} 召开。议程：{{ agenda|truncatechars:200 }}",
        variables={
            "title": (_("会议名称"), "幸福小区停车收费业主大会"),
            "starts_at": (_("开始时间"), "2026-12-10 19:00"),
            "location": (_("地点"), "幸福小区议事厅"),
            "agenda": (_("议程"), "表决停车收费调整方案"),
        },
    )
)

# Staff: a resolution's task past its due date, to the unit's queue and to the task's owner (not a resident's choice).
TASK_OVERDUE = register(
    NoticeKind(
        key="resolution_task_overdue",
        label=_("落实任务逾期"),
        mandatory=True,
        reason=_("决议的落实任务逾期须告知承办单位和责任人。"),
        description=_("议事决议的落实任务超过完成期限时，每天发送给承办单位和责任人。"),
        subject="落实任务逾期：{{ task }}",
        body="议题「{{ topic }}」的落实任务已超过完成期限 {{ due_date }}，当前进度 {{ progress }}%。",
        variables={
            "task": (_("任务名称"), "公示停车成本"),
            "topic": (_("议题名称"), "幸福小区停车收费"),
            "due_date": (_("完成期限"), "2026-12-01"),
            "progress": (_("进度（%）"), 60),
        },
        sms=False,
        listed=False,
    )
)
