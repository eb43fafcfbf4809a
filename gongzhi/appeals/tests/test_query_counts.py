"""Query-count baselines for the pages opened most: the appeal list (page and API), one appeal's page, the home
dashboard and the overdue board. Each costs the same number of queries however many appeals (or, on the detail
page, events) there are — an N+1 fails here, not on a county's first morning — and no more than its baseline.
When a change really needs another query, raise the baseline in the same commit and say why in its body."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.appeals import services

BASELINES = {
    "list": 7,
    "api_list": 5,
    "detail": 22,
    "dashboard": 9,
    "overdue": 7,
}


def queries(client, url: str) -> int:
    client.get(url)  # warm the per-process caches (reference data, templates) first
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def dispatched(make_appeal, users, units):
    def make(n: int) -> list:
        made = []
        for i in range(n):
            appeal = make_appeal(title=f"路灯坏了 {i}")
            services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
            made.append(appeal)
        return made

    return make


def grows_not(client, url: str, add) -> int:
    """Queries for `url` before and after `add()` adds rows: equal, and returned."""
    before = queries(client, url)
    add()
    after = queries(client, url)
    assert after == before, f"{url}: {before} queries, then {after} with more rows (an N+1)"
    return after


@pytest.mark.parametrize(
    ("page", "role", "url"),
    [
        ("list", "dispatcher", "/appeals/"),
        ("api_list", "dispatcher", "/api/v1/appeals/"),
        ("dashboard", "leader", "/"),
    ],
)
def test_a_list_costs_the_same_for_three_appeals_or_twelve(client, users, dispatched, page, role, url):
    dispatched(3)
    client.force_login(users[role])
    count = grows_not(client, url, lambda: dispatched(9))
    assert count <= BASELINES[page], f"{page}: {count} queries, baseline {BASELINES[page]}"


def test_an_appeals_page_costs_the_same_with_more_events(client, users, dispatched):
    (appeal,) = dispatched(1)
    client.force_login(users["handler"])
    services.sign(users["handler"], appeal.pk)

    def more_events():
        services.record_contact(users["handler"], appeal.pk, note="已电话联系诉求人")
        for i in range(5):
            services.record_progress(users["handler"], appeal.pk, note=f"第{i + 1}次进展：已安排维修")

    count = grows_not(client, f"/appeals/{appeal.pk}/", more_events)
    assert count <= BASELINES["detail"], f"detail: {count} queries, baseline {BASELINES['detail']}"


def test_the_overdue_board_costs_the_same_for_three_late_appeals_or_twelve(client, users, dispatched):
    later = timezone.now() + timedelta(days=60)

    def board() -> int:
        with time_machine.travel(later, tick=False):
            client.force_login(users["supervisor"])  # a staff session ends after 12 hours
            response = client.get("/appeals/overdue/")
            assert len(response.context["page"].object_list) == len(made)
            return queries(client, "/appeals/overdue/")

    made = dispatched(3)
    before = board()
    made += dispatched(9)
    after = board()
    assert after == before, f"overdue: {before} queries, then {after} with more late appeals (an N+1)"
    assert after <= BASELINES["overdue"], f"overdue: {after} queries, baseline {BASELINES['overdue']}"
