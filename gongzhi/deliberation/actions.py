"""Every phase action of a topic, once: its form on the topic page, its service, its API input, whom the page offers
it to (`can`) and its place on the page (the order of ACTIONS).

The transition table (workflow.TRANSITIONS) says from which phase an action may be taken (always by a manager, the
MANAGER capability); this says everything else, so adding a phase action is a transition there and one
`DeliberationAction` here. The topic page, its POST view and the API (TOPIC_ACTIONS, ResolutionView) read nothing
else, and `test_actions` fails, naming the missing piece, when the two disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass

from gongzhi.core import workflow as kit
from gongzhi.core.permissions import can_manage

from . import forms, serializers, services
from .models import Topic
from .workflow import ACTION_LABELS, MANAGER, WORKFLOW


@dataclass(frozen=True)
class DeliberationAction(kit.ActionSpec):
    """core.workflow.ActionSpec: `service` is called as service(user, topic_id, **input)."""

    labels = ACTION_LABELS


def _advance(action: str) -> Callable[..., Topic]:
    """The service of a plain phase change: services.advance_topic with a reason (required only to close)."""

    def advance(actor, topic_id: int, *, reason: str = "") -> Topic:
        return services.advance_topic(actor, topic_id, action, reason=reason)

    advance.__name__ = f"advance_topic_{action}"
    return advance


def _manager(user, topic) -> bool:
    """Managers of the topic's region (community staff there, admins) change its phase."""
    return can_manage(user, topic.region)


def _phase_change(name: str) -> DeliberationAction:
    return DeliberationAction(name, forms.ReasonForm, _advance(name), serializers.TopicActionInput, _manager)


# The page's order: the phases in their order, closing last.
ACTIONS: tuple[DeliberationAction, ...] = (
    _phase_change("start_deliberation"),
    _phase_change("open_voting"),
    # 形成决议 has its own form and endpoint (the topic's resolution: a counted vote that passed, or a consensus).
    DeliberationAction(
        "resolve", forms.ResolutionForm, services.record_resolution, serializers.ResolutionInput, _manager
    ),
    _phase_change("start_implementing"),
    _phase_change("publish"),
    _phase_change("close"),
)
BY_NAME: dict[str, DeliberationAction] = kit.by_name(ACTIONS)


def offered(user, topic) -> list[DeliberationAction]:
    """The phase actions this user may take on this topic, in the page's order (none but to its managers)."""
    return kit.offered(WORKFLOW, ACTIONS, user, topic, topic.phase, {MANAGER})
