"""Checks every app's workflow tests share (core.workflow): the table and the action specs agree, and every page of
an object renders for every (state, user) pair and shows what is offered.

`missing_specs` returns sentences naming the missing piece, so a transition added without its spec fails with
"credit: transition (warned, issue_notice) has no action spec in gongzhi/credit/actions.py", not as a 500 on a page.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .workflow import ActionSpec, Workflow


def missing_specs(workflow: Workflow, specs: Iterable[ActionSpec], module: str | None = None) -> list[str]:
    """What is missing between `workflow`'s table and `specs`, one sentence per missing piece; `module` is where
    the specs live (default gongzhi/<workflow name>/actions.py)."""
    module = module or f"gongzhi/{workflow.name}/actions.py"
    specs = list(specs)
    named = {spec.name for spec in specs}
    found = [
        f"{workflow.name}: transition ({state}, {action}) has no action spec in {module}"
        for (state, action) in workflow.table
        if action not in named
    ]
    actions = set(workflow.actions)
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            found.append(f"{workflow.name}: action {spec.name!r} has two specs in {module}")
        seen.add(spec.name)
        if spec.in_table and spec.name not in actions:
            found.append(
                f"{workflow.name}: action spec {spec.name!r} in {module} has no transition in the workflow's table "
                f"(or set in_table=False for a right outside the table)"
            )
        if spec.in_table and spec.name not in workflow.labels:
            found.append(f"{workflow.name}: action {spec.name!r} has no label in the workflow's labels")
    return found


def state_role_pairs(states: Iterable[str], users: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every (state, user key) pair, for `pytest.mark.parametrize` or a loop."""
    return [(state, key) for state in states for key in users]


def walk_pages(
    objects: Mapping[str, Any],
    users: Mapping[str, Any],
    url: Callable[[Any], str],
    offered: Callable[[Any, Any], Iterable[str]],
    *,
    marker: str = 'value="{name}"',
    statuses: Iterable[int] = (200, 302, 403, 404),
) -> list[str]:
    """GET each object's page (`url(obj)`) as each user and return what went wrong: a status outside `statuses`
    (a 500 among them), or an action `offered(user, obj)` names whose `marker` (formatted with its name) the page
    does not show. `objects` maps a state to one object in it, re-used for every user."""
    from django.test import Client

    allowed = set(statuses)
    problems = []
    for state, obj in objects.items():
        for key, user in users.items():
            client = Client(raise_request_exception=False)
            client.force_login(user)
            response = client.get(url(obj))
            if response.status_code not in allowed:
                problems.append(f"{state} as {key}: status {response.status_code}")
                continue
            if response.status_code != 200:
                continue
            page = response.content.decode()
            for name in offered(user, obj):
                if marker.format(name=name) not in page:
                    problems.append(f"{state} as {key}: {name!r} is offered but not on the page")
    return problems
