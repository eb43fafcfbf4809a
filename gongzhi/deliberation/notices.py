"""What residents are told when an appeal of theirs (or one they co-signed, or one merged into it) became a
deliberation topic: each step of the topic (opened, resolved, each task done, completed), by the channels each
resident chose (core.notices). Sent by services._appellants_notice."""

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
