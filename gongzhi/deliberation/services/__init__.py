"""Every write of 议事协商, as `verb_noun(actor, …)`. Each service checks the actor's right (managers — community
staff and admins (by role) — run topics, meetings, votes and resolutions in their region;
residents propose, co-sign, comment, register, sign in and vote), locks the topic it changes, checks the phase
table in workflow.py, writes, appends a DeliberationEvent to the topic's hash chain, and notifies on commit.
Refusals are `ServiceError` subclasses with Chinese messages.

One module per subdomain: `topics`, `opinions`, `meetings`, `owners` (the owners' register), `votes`,
`resolutions` (and their tasks); `_base` holds what they share (rights, the topic's lock and event chain, the
notice to the people behind a topic's appeals). This package re-exports the names the rest of the project uses,
so `services.cast_ballot(…)` keeps working; code that looks a name up (and a test patching it) does so in the
submodule that defines or uses it.
"""

from gongzhi.core.permissions import can_manage, is_manager

from ._base import TOPIC_STEPS, topic_appeals
from .meetings import (
    OWNERS_ASSEMBLY_NOTICE_DAYS,
    add_participant,
    close_meeting,
    meeting_report,
    register_for_meeting,
    schedule_meeting,
    send_meeting_notice,
    sign_in,
    sign_in_participant,
)
from .opinions import enter_offline_opinion, hide_opinion, post_opinion
from .owners import create_owner_register
from .resolutions import (
    add_task,
    overdue_tasks,
    record_resolution,
    remind_overdue_tasks,
    update_task_progress,
)
from .topics import advance_topic, convening_check, cosign_topic, create_topic, set_topic_bases
from .votes import (
    MAX_GROUP_REPRESENTATIVES,
    add_electors,
    cast_ballot,
    close_vote,
    create_vote,
    enter_paper_ballot,
    link_electors_by_phone,
    open_vote,
    remove_elector,
    tally_vote,
)

__all__ = [
    "MAX_GROUP_REPRESENTATIVES",
    "OWNERS_ASSEMBLY_NOTICE_DAYS",
    "TOPIC_STEPS",
    "add_electors",
    "add_participant",
    "add_task",
    "advance_topic",
    "can_manage",
    "cast_ballot",
    "close_meeting",
    "close_vote",
    "convening_check",
    "cosign_topic",
    "create_owner_register",
    "create_topic",
    "create_vote",
    "enter_offline_opinion",
    "enter_paper_ballot",
    "hide_opinion",
    "is_manager",
    "link_electors_by_phone",
    "meeting_report",
    "open_vote",
    "overdue_tasks",
    "post_opinion",
    "record_resolution",
    "register_for_meeting",
    "remind_overdue_tasks",
    "remove_elector",
    "schedule_meeting",
    "send_meeting_notice",
    "set_topic_bases",
    "sign_in",
    "sign_in_participant",
    "tally_vote",
    "topic_appeals",
    "update_task_progress",
]
