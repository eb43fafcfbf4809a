"""Every workflow action of 共建, once: a self-organisation's stage reviews and an activity's publish/finish/cancel,
each with its form on the page, its service, its API input (where the API has the action), whom the page offers it
to (`can`) and its place on the page (the order of the tuples).

The transition tables (workflow.STAGE_TRANSITIONS, workflow.ACTIVITY_TRANSITIONS) say from which state an action may
be taken and by whom; this says everything else, so adding one is a transition there and one `CommunityAction`
here. The pages, their POST views and the API read nothing else, and `test_actions` fails, naming the missing
piece, when a table and its specs disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from gongzhi.core import workflow as kit

from . import forms, serializers, services
from .models import Activity
from .workflow import (
    ACTIVITY_ACTION_LABELS,
    ACTIVITY_WORKFLOW,
    ORGANIZER,
    STAGE_ACTION_LABELS,
    STAGE_WORKFLOW,
)

MODULE = "gongzhi/community/actions.py"


@dataclass(frozen=True)
class StageAction(kit.ActionSpec):
    """A stage review: `service` called as service(user, org_id, action=name, opinion=…, filing_number=…); the
    review form and ReviewInput carry the action's name."""

    labels = STAGE_ACTION_LABELS


@dataclass(frozen=True)
class ActivityAction(kit.ActionSpec):
    """An activity's state change: `service` called as service(user, activity_id); no form (a button) and no API
    endpoint (input None)."""

    labels = ACTIVITY_ACTION_LABELS


def _manager(user, org) -> bool:
    """Managers of the organisation's community (community staff there, admins) review it."""
    return services.can_manage(user, org.region)


def _organizer(user, activity) -> bool:
    return services.can_organize(user, activity)


def _stage(name: str) -> StageAction:
    return StageAction(
        name, forms.ReviewForm, services.review_organization, serializers.ReviewInput, _manager
    )


def _advance(action: str) -> Callable[..., Activity]:
    """The service of an activity's state change: services.advance_activity."""

    def advance(actor, activity_id: int) -> Activity:
        return services.advance_activity(actor, activity_id, action)

    advance.__name__ = f"advance_activity_{action}"
    return advance


# The pages' order: the usual next step first, then the exits.
STAGE_ACTIONS: tuple[StageAction, ...] = (
    _stage("admit"),
    _stage("reject"),
    _stage("graduate"),
    _stage("exit"),
)
STAGE_BY_NAME: dict[str, StageAction] = kit.by_name(STAGE_ACTIONS)

ACTIVITY_ACTIONS: tuple[ActivityAction, ...] = (
    ActivityAction("publish", None, _advance("publish"), None, _organizer),
    ActivityAction("finish", None, _advance("finish"), None, _organizer),
    ActivityAction("cancel", None, _advance("cancel"), None, _organizer),
)
ACTIVITY_BY_NAME: dict[str, ActivityAction] = kit.by_name(ACTIVITY_ACTIONS)


def stage_service(action: str) -> Callable[..., Any]:
    """The service of a stage review named in a request; an unknown name goes to review_organization too, which
    refuses it in the table's words."""
    spec = STAGE_BY_NAME.get(action)
    return spec.service if spec is not None and spec.service is not None else services.review_organization


def activity_service(action: str) -> Callable[..., Activity]:
    """The service of an activity action named in a URL; an unknown name is refused by advance_activity in the
    table's words."""
    spec = ACTIVITY_BY_NAME.get(action)
    if spec is not None and spec.service is not None:
        return spec.service
    return partial(services.advance_activity, action=action)


def offered_stage_actions(user, org) -> list[StageAction]:
    """The reviews this user may record on this organisation, in the page's order."""
    roles = user.roles if getattr(user, "is_authenticated", False) else frozenset()
    return kit.offered(STAGE_WORKFLOW, STAGE_ACTIONS, user, org, org.stage, roles)


def offered_activity_actions(user, activity) -> list[ActivityAction]:
    """The state changes this user may make to this activity, in the page's order."""
    return kit.offered(ACTIVITY_WORKFLOW, ACTIVITY_ACTIONS, user, activity, activity.state, {ORGANIZER})
