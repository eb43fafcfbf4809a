"""The workflow kit every lifecycle is written in: a table {(state, action): Transition}, a `Workflow` that reads it,
and `ActionSpec`, the one place an app says everything else about an action (its form, service, API input, whom
the page offers it to and the page's order).

A transition names the states it may lead to (some actions branch) and the roles that may take it; a role here may
also be a capability an app computes for the object at hand (deliberation's MANAGER). Object-level rules (a handler
acts only for the lead unit, a manager only in their regions) stay in the services. Every pair not in the table is
refused: `Workflow.require` raises `IllegalTransition` with the app's own message, and `PermissionDeniedError` for a
role that may not take it.

Each app keeps its table and labels in `<app>/workflow.py` and its specs in `<app>/actions.py`;
`core.workflow_testing` checks that the two agree and walks every page.
"""

from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .errors import IllegalTransition, PermissionDeniedError

type StrOrPromise = str | Promise  # a label or message: plain, or gettext_lazy's

# The refusal a role without the transition's right gets (appeals and credit use it as is).
ROLE_DENIED = _("您的角色不能执行「%(action)s」。")


@dataclass(frozen=True)
class Transition:
    """Where an action may lead from one state, and who may take it."""

    targets: tuple[str, ...]
    roles: frozenset[str]

    @property
    def target(self) -> str:
        """The state the action leads to (the first, for an action that may branch)."""
        return self.targets[0]


def t(targets: str | tuple[str, ...], *roles: str) -> Transition:
    """A transition to `targets` (one state or a tuple of the states it may lead to) for `roles`."""
    return Transition(targets if isinstance(targets, tuple) else (targets,), frozenset(roles))


class Workflow:
    """A lifecycle as data: `table` maps (state, action) to a Transition, `labels` names each action for people.

    `illegal` is the app's refusal of an action the state does not allow, a %-format with the state's label under
    `state_key` and the action's label under "action"; `denied` the refusal of a role that may not take it (with
    "action"). The table is read, not copied: a test may add a transition to it.
    """

    def __init__(
        self,
        name: str,
        table: Mapping[tuple[str, str], Transition],
        labels: Mapping[str, StrOrPromise],
        *,
        illegal: StrOrPromise,
        denied: StrOrPromise = ROLE_DENIED,
        state_key: str = "state",
    ) -> None:
        self.name = name
        self.table = table
        self.labels = labels
        self.illegal = illegal
        self.denied = denied
        self.state_key = state_key

    def __repr__(self) -> str:
        return f"<Workflow {self.name}: {len(self.table)} transitions>"

    def get(self, state: str, action: str) -> Transition | None:
        """The transition of `action` from `state`, or None when the table has none."""
        return self.table.get((state, action))

    def label(self, action: str) -> str:
        """The action's label for people (its name when it has none)."""
        return str(self.labels.get(action, action))

    def require(
        self,
        state: str,
        action: str,
        roles: Set[str] | None,
        *,
        state_label: StrOrPromise,
        illegal: StrOrPromise | None = None,
        denied: StrOrPromise | None = None,
    ) -> Transition:
        """The transition of `action` from `state` for someone holding `roles`.

        Raises IllegalTransition (the app's message, or `illegal` for this call) when the table has no such pair,
        and PermissionDeniedError (`denied`, or the workflow's) when none of `roles` may take it. `roles=None`
        checks the table only: the caller checks who acts (the appellant by SMS, a unit's handler).
        """
        transition = self.get(state, action)
        if transition is None:
            template = self.illegal if illegal is None else illegal
            raise IllegalTransition(
                str(template) % {self.state_key: str(state_label), "action": self.label(action)}
            )
        if roles is not None and not (transition.roles & roles):
            template = self.denied if denied is None else denied
            raise PermissionDeniedError(str(template) % {"action": self.label(action)})
        return transition

    def available(self, state: str, roles: Set[str] | None = None) -> list[str]:
        """The actions the table allows from `state` to someone holding `roles` (None: to anyone), in table
        order."""
        return [
            action
            for (source, action), transition in self.table.items()
            if source == state and (roles is None or transition.roles & roles)
        ]

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action in the table, once, in table order."""
        return tuple(dict.fromkeys(action for (_state, action) in self.table))

    @property
    def states(self) -> tuple[str, ...]:
        """Every state an action may be taken from, once, in table order."""
        return tuple(dict.fromkeys(state for (state, _action) in self.table))

    @property
    def roles(self) -> frozenset[str]:
        """Every role (or capability) some transition names."""
        return frozenset().union(*(transition.roles for transition in self.table.values()))


def anyone(user: Any, obj: Any) -> bool:
    """`can` of an action the table's roles say everything about."""
    return True


@dataclass(frozen=True)
class ActionSpec:
    """One action of an app, once: its page form, its service, its API input serializer (None: not in the API),
    whom the page offers it to on this object (`can`; the services check the same on every path), its heading when
    it differs from the label, and whether the transition table has it (False: a right outside the table).

    The page's order is the order of the app's tuple of specs. An app subclasses it to name its labels
    (`labels`) and to add what only it needs.
    """

    name: str
    form: type | None
    service: Callable[..., Any] | None
    input: type | None = None
    can: Callable[[Any, Any], bool] = anyone
    title: StrOrPromise = ""
    in_table: bool = True

    labels: ClassVar[Mapping[str, StrOrPromise]] = {}

    @property
    def label(self) -> str:
        return str(self.title or self.labels.get(self.name, self.name))

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the action's service (an action without one is taken on another path: calling it is a bug)."""
        if self.service is None:
            raise TypeError(f"action {self.name!r} has no service")
        return self.service(*args, **kwargs)


def by_name[A: ActionSpec](specs: Iterable[A]) -> dict[str, A]:
    """The specs by their action's name."""
    return {spec.name: spec for spec in specs}


def offered[A: ActionSpec](
    workflow: Workflow, specs: Iterable[A], user: Any, obj: Any, state: str, roles: Set[str] | None
) -> list[A]:
    """The specs of the actions `user` may take on `obj` (in `state`, holding `roles`), in the specs' order: those
    the table allows and those outside it, each when its `can` says so."""
    allowed = set(workflow.available(state, roles))
    return [spec for spec in specs if (spec.name in allowed or not spec.in_table) and spec.can(user, obj)]
