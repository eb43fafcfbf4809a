"""Object-level checks (IDOR): a user of the same role but another unit, community or enterprise guesses ids.

world (conftest.py) holds each object twice: one the user may reach and an "other_" twin in 和平社区, 人社局 or
another enterprise. Each case first shows the user reaches their own object (so a refusal is not an accident of
the URL), then that the twin's id is refused with 403 or 404 — pages, API reads and actions alike.
"""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.core.models import AuditEvent

YESTERDAY = (timezone.localdate() - timedelta(days=1)).isoformat()


def login(world, role):
    client = Client()
    client.force_login(world["users"][role])
    return client


def url(template, world, prefix=""):
    return re.sub(r"\{(\w+)\}", lambda m: str(world[prefix + m.group(1)].pk), template)


# (role, method, url template, body): `{x}` is world["x"] for the own object and world["other_x"] for the twin.
CASES = [
    # appeals: residents see only their own; handlers their unit's; community people their region's
    *[
        (role, "get", path, None)
        for role in ("resident", "handler", "grid_worker", "community_staff", "party_member")
        for path in ("/appeals/{appeal}/", "/api/v1/appeals/{appeal}/")
    ],
    ("handler", "post", "/api/v1/appeals/{appeal}/actions/record_progress/", {"note": "已派人查看"}),
    ("handler", "post", "/api/v1/appeals/{appeal}/reveal_contact/", {}),
    ("resident", "post", "/api/v1/appeals/{appeal}/reveal_contact/", {}),
    ("resident", "post", "/api/v1/appeals/{appeal}/actions/withdraw/", {"reason": "已自行解决"}),
    # insight: a handler's proactive tasks are their unit's
    ("handler", "get", "/insight/tasks/{task}/", None),
    ("handler", "get", "/api/v1/insight/tasks/{task}/", None),
    ("handler", "post", "/api/v1/insight/tasks/{task}/complete/", {"note": "已排查完毕"}),
    # deliberation: managers act in their own community only
    ("community_staff", "post", "/api/v1/deliberation/topics/{topic}/actions/close/", {"reason": "重复"}),
    ("community_staff", "post", "/api/v1/deliberation/opinions/{opinion}/hide/", {"reason": "人身攻击"}),
    ("community_staff", "post", "/api/v1/deliberation/meetings/{meeting}/notice/", {}),
    ("community_staff", "post", "/api/v1/deliberation/participants/{participant}/sign-in/", {}),
    ("community_staff", "post", "/api/v1/deliberation/votes/{vote}/open/", {}),
    ("community_staff", "get", "/api/v1/deliberation/votes/{vote}/electors/", None),
    ("community_staff", "post", "/api/v1/deliberation/votes/{vote}/electors/", {"rows": [{"name": "王五"}]}),
    (
        "community_staff",
        "post",
        "/api/v1/deliberation/tasks/{dtask}/progress/",
        {"progress": 50, "note": "进行中"},
    ),
    ("party_member", "post", "/api/v1/deliberation/topics/{topic}/actions/close/", {"reason": "重复"}),
    # community: organisations, hours and households of another community
    (
        "community_staff",
        "post",
        "/api/v1/community/organizations/{org}/review/",
        {"action": "approve", "opinion": "同意"},
    ),
    ("community_staff", "post", "/api/v1/community/records/{record}/confirm/", {}),
    ("community_staff", "get", "/community/households/{household}/", None),
    ("party_member", "get", "/community/households/{household}/", None),
    (
        "party_member",
        "post",
        "/api/v1/community/households/{household}/visits/",
        {"visited_on": YESTERDAY, "heard": "楼道灯坏了", "household_ids": [1]},
    ),
    # credit: an enterprise's contact sees their own enterprise only
    ("contact", "get", "/credit/cases/{case}/documents/decision.pdf", None),
    ("contact", "get", "/credit/penalties/{penalty}/", None),
    ("contact", "get", "/api/v1/credit/cases/{case}/", None),
    ("contact", "get", "/api/v1/credit/penalties/{penalty}/", None),
    ("contact", "get", "/api/v1/credit/enterprises/{enterprise}/appeals/", None),
    ("contact", "get", "/credit/enterprises/{enterprise}/appeals/new/", None),
    (
        "contact",
        "post",
        "/api/v1/credit/cases/{case}/objections/",
        {"ground": "inaccurate", "statement": "金额记载有误，请更正"},
    ),
]


def send(client, method, path, body):
    if method == "get":
        return client.get(path)
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("role", "method", "path", "body"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES]
)
def test_guessed_id_is_refused(role, method, path, body, world):
    client = login(world, role)
    own = send(client, "get", url(path, world), None) if method == "get" else None
    if own is not None:
        assert own.status_code == 200, (own.status_code, "the user must reach their own object")
    theirs = send(client, method, url(path, world, prefix="other_"), body)
    assert theirs.status_code in (403, 404), (theirs.status_code, theirs.content[:300])


def ids(response):
    data = response.json()
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    return {row["id"] for row in rows}


def test_lists_hold_only_what_the_user_may_see(world):
    resident = login(world, "resident")
    assert ids(resident.get("/api/v1/appeals/")) == {world["appeal"].pk}
    assert world["other_appeal"].number not in resident.get("/appeals/mine/").content.decode()
    assert world["other_appeal"].number not in resident.get("/appeals/export.csv").content.decode()
    handler = login(world, "handler")
    assert world["other_appeal"].pk not in ids(handler.get("/api/v1/appeals/"))
    assert ids(handler.get("/api/v1/insight/tasks/")) == {world["task"].pk}
    contact = login(world, "contact")
    assert ids(contact.get("/api/v1/credit/cases/")) == {world["case"].pk}
    assert ids(contact.get("/api/v1/credit/penalties/")) == {world["penalty"].pk}
    for role in ("resident", "handler", "community_staff", "leader"):
        client = login(world, role)
        assert ids(client.get("/api/v1/credit/cases/")) == set(), role
        assert ids(client.get("/api/v1/credit/penalties/")) == set(), role
    assert ids(resident.get("/api/v1/insight/tasks/")) == set()


def test_household_pages_stay_in_the_user_s_area(world, county):
    other = county["other_community"].code
    for role in ("community_staff", "party_member"):
        client = login(world, role)
        assert client.get("/community/households/").status_code == 200
        assert client.get(f"/community/households/?region={other}").status_code == 403, role
        assert client.get(f"/community/matches/?region={other}").status_code == 403, role
    assert login(world, "leader").get(f"/community/households/?region={other}").status_code == 200


def test_attachments_follow_their_appeal(world, settings):
    item = world["appeal"].attachments.get()
    path = f"/appeals/{world['appeal'].pk}/attachments/{item.pk}/"
    response = login(world, "resident").get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(world, "resident2").get(path).status_code == 404  # another resident
    assert login(world, "handler_other").get(path).status_code == 404  # another unit
    # the attachment's id under an appeal the guesser may see does not lead to it either
    other = world["other_appeal"]
    assert login(world, "resident2").get(f"/appeals/{other.pk}/attachments/{item.pk}/").status_code == 404
    assert Client().get(path).status_code == 302
    # the upload itself is not served under MEDIA_URL, whatever DEBUG says
    assert Client().get(settings.MEDIA_URL + item.file.name).status_code == 404


def test_repair_evidence_is_the_enterprise_s_own(world):
    item = world["repair"].evidence.get()
    path = f"/credit/cases/{world['case'].pk}/evidence/{item.pk}/"
    assert login(world, "contact").get(path).status_code == 200
    assert login(world, "credit_officer").get(path).status_code == 200
    assert login(world, "other_contact").get(path).status_code == 404
    wrong_case = f"/credit/cases/{world['other_case'].pk}/evidence/{item.pk}/"
    assert login(world, "other_contact").get(wrong_case).status_code == 404


def test_unmasking_is_audited_and_masked_otherwise(world):
    appeal = world["appeal"]
    leader = login(world, "leader")
    page = leader.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "13800138000" not in page and "11010519491231002X" not in page
    assert leader.post(f"/api/v1/appeals/{appeal.pk}/reveal_contact/").status_code == 403
    assert not AuditEvent.objects.filter(action="unmask_contact").exists()
    handler = login(world, "handler")
    response = handler.post(f"/api/v1/appeals/{appeal.pk}/reveal_contact/")
    assert response.status_code == 200 and response.json()["phone"] == "13800138000"
    event = AuditEvent.objects.get(action="unmask_contact")
    assert event.actor_id == world["users"]["handler"].pk and event.target == f"appeal:{appeal.pk}"
    page = (
        login(world, "supervisor")
        .post(f"/appeals/{appeal.pk}/reveal/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "11010519491231002X" in page
    assert AuditEvent.objects.filter(action="unmask_contact").count() == 2
