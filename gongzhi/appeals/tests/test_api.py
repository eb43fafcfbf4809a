"""The appeals API (issue 2, item 9) driven through HTTP with DRF's APIClient, on the real database.

Intake, the whole loop, every workflow action by name, the error shapes (400 / 403 / 404 / 409, never
a 500), scoping and masking, supervision, the three rates, the knowledge base and the OpenAPI schema.
"""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from gongzhi.appeals import counters, services
from gongzhi.appeals.api import ACTIONS, render_appeal
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal, KnowledgeArticle
from gongzhi.appeals.workflow import WORKFLOW_ACTIONS
from gongzhi.core.codes import code_matches
from gongzhi.core.models import AuditEvent

CJK = re.compile(r"[\u4e00-\u9fff]")
REPLY_TEXT = "已安排维修人员更换路灯，今晚恢复照明。"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def api(users):
    """api(role) → an APIClient authenticated as that fixture user (None → anonymous)."""

    def client(role=None):
        c = APIClient()
        if role is not None:
            c.force_authenticate(users[role])
        return c

    return client


@pytest.fixture
def payload(county, category):
    return {
        "kind": "complaint",
        "channel": "mobile",
        "title": "小区路灯坏了",
        "content": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
        "region": county["grid"].code,
        "category": category.code,
    }


def url(appeal, action=None):
    pk = getattr(appeal, "pk", appeal)
    return f"/api/v1/appeals/{pk}/actions/{action}/" if action else f"/api/v1/appeals/{pk}/"


def act(client, appeal, action, body=None):
    return client.post(url(appeal, action), body or {}, format="json")


def assert_error(response, status, code=None, field=None):
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert set(body) >= {"code", "detail"}
    assert CJK.search(body["detail"]), body
    if code:
        assert body["code"] == code, body
    if field:
        assert field in body["fields"], body
        assert all(CJK.search(message) for message in body["fields"][field]), body
    return body


def dispatched(users, units, make_appeal, **fields):
    appeal = make_appeal(**fields)
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    return appeal


def in_progress(users, units, make_appeal, **fields):
    appeal = dispatched(users, units, make_appeal, **fields)
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk, note="电话联系诉求人")
    return appeal


def replied(users, units, make_appeal, **fields):
    appeal = in_progress(users, units, make_appeal, **fields)
    services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    return appeal


# ---------------------------------------------------------------- the dispatch table


def test_every_workflow_action_has_a_route():
    assert set(ACTIONS) == set(WORKFLOW_ACTIONS)


# ---------------------------------------------------------------- intake


def test_resident_submits(api, payload, users):
    response = api("resident").post("/api/v1/appeals/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    assert body["number"] == appeal.number and body["state"] == "received" and body["state_label"] == "已受理"
    assert body["region"] == {"code": payload["region"], "name": "幸福一网格"}
    assert body["category"]["code"] == payload["category"]
    assert "tracking_code" not in body  # the resident follows it in their account
    assert appeal.appellant == users["resident"]
    assert body["appellant"]["phone"] == "13800138000"  # their own number, unmasked
    assert [e["action"] for e in body["events"]] == ["submit"]
    assert body["events"][0]["action_label"] == "提交诉求"
    assert body["available_actions"] == ["withdraw", "supplement"]
    assert body["light"] == "green" and body["lead_unit"] is None  # waiting for dispatch, within its limit
    assert body["dispatch_due"] is not None


def test_repeated_client_key_returns_the_same_appeal(api, payload):
    client = api("resident")
    first = client.post("/api/v1/appeals/", {**payload, "client_key": "k-1"}, format="json")
    again = client.post("/api/v1/appeals/", {**payload, "client_key": "k-1"}, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    # the Idempotency-Key header works the same way
    one = client.post("/api/v1/appeals/", payload, format="json", HTTP_IDEMPOTENCY_KEY="hdr-7")
    two = client.post("/api/v1/appeals/", payload, format="json", HTTP_IDEMPOTENCY_KEY="hdr-7")
    assert (one.status_code, two.status_code) == (201, 200) and one.json()["id"] == two.json()["id"]
    assert Appeal.objects.count() == 2
    # someone else's key does not reveal their appeal
    other = api("resident2").post("/api/v1/appeals/", {**payload, "client_key": "k-1"}, format="json")
    assert_error(other, 409, "duplicate_submission", "client_key")
    assert Appeal.objects.count() == 2


def test_unknown_region_and_category_are_field_errors(api, payload):
    response = api("resident").post(
        "/api/v1/appeals/", {**payload, "region": "999999", "category": "9999"}, format="json"
    )
    body = assert_error(response, 400, "invalid", "region")
    assert "999999" in body["fields"]["region"][0]
    assert "category" in body["fields"]
    assert Appeal.objects.count() == 0


def test_without_an_account_returns_a_tracking_code(api, payload):
    body = {**payload, "anonymous": True}
    response = api().post("/api/v1/appeals/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert re.fullmatch(r"\d{8}", data["tracking_code"])
    appeal = Appeal.objects.get(pk=data["id"])
    assert appeal.appellant is None and appeal.anonymous
    assert code_matches(data["tracking_code"], appeal.tracking_code_hash, "tracking")
    # without an account, nothing can be listed
    assert api().get("/api/v1/appeals/").status_code == 401


def test_operator_registers_for_a_resident_without_account(api, payload):
    body = {**payload, "channel": "hotline", "appellant_name": "王五", "appellant_phone": "136 1234 5678"}
    response = api("operator").post("/api/v1/appeals/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert re.fullmatch(r"\d{8}", data["tracking_code"])
    assert data["channel"] == "hotline"
    # masked everywhere; the operator, as first receiver, may reveal it (audited)
    assert data["appellant"]["phone"] == "136****5678" and data["appellant"]["can_reveal"] is True
    # a staff intake needs a staff channel
    wrong = api("operator").post("/api/v1/appeals/", {**body, "channel": "mobile"}, format="json")
    assert_error(wrong, 400, field="channel")
    bad_phone = api("operator").post("/api/v1/appeals/", {**body, "appellant_phone": "12345"}, format="json")
    assert_error(bad_phone, 400, field="appellant_phone")


@pytest.mark.parametrize(
    ("role", "change", "files"),
    [
        ("resident", {}, 0),
        (
            "resident",
            {"category": None, "longitude": "116.397128", "latitude": "39.916527", "address": "3栋"},
            2,
        ),
        (None, {"anonymous": True}, 0),
        (None, {"appellant_name": "赵六", "appellant_phone": "13612345678", "confidential": True}, 0),
        (
            "operator",
            {
                "channel": "hotline",
                "appellant_name": "王五",
                "appellant_phone": "136 1234 5678",
                "appellant_id_number": "11010519491231002X",
                "id_number_consent": True,
                "urgency": "timely",
            },
            1,
        ),
        ("grid_worker", {"channel": "grid_patrol"}, 0),
    ],
)
def test_the_201_body_is_what_the_detail_serializer_renders(
    api, payload, users, dispatch_rule, settings, tmp_path, role, change, files
):
    """The intake renders a new appeal from what it holds (serializers.submitted_appeal_data); it must be
    exactly SubmittedAppealSerializer's output for the stored appeal, as the same user sees it."""
    settings.MEDIA_ROOT = tmp_path
    body = {k: v for k, v in {**payload, **change}.items() if v is not None}
    if files:
        body["attachments"] = [
            SimpleUploadedFile(f"{n}.png", PNG, content_type="image/png") for n in range(files)
        ]
    response = api(role).post("/api/v1/appeals/", body, format="multipart" if files else "json")
    assert response.status_code == 201, response.content
    data = response.json()
    request = Request(APIRequestFactory().get("/"))
    request.user = users[role] if role else AnonymousUser()
    expected = render_appeal(request, data["id"], status=201, tracking_code=data.get("tracking_code", ""))
    expected = json.loads(JSONRenderer().render(expected.data))
    assert data == expected
    assert list(data) == list(expected)  # and in the same order


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "rant"}, "kind"),
        ({"title": "灯"}, "title"),
        ({"title": ""}, "title"),
        ({"content": None}, "content"),
        ({"region": None}, "region"),
        ({"region": ["430100"]}, "region"),
        ({"urgency": "complex"}, "urgency"),
        ({"longitude": "116.4"}, "longitude"),
        ({"longitude": "abc", "latitude": "39.9"}, "longitude"),
        ({"longitude": "500", "latitude": "39.9"}, "longitude"),
        ({"anonymous": "perhaps"}, "anonymous"),
        ({"appellant_id_number": "123456789012345678"}, "appellant_id_number"),
        ({"title": "路灯\x00坏了很久"}, "title"),
        ({"region": "C1\x00"}, "region"),
        ({"category": "\x00"}, "category"),
        ({"client_key": "k" * 65}, "client_key"),
    ],
)
def test_bad_submissions_are_400_per_field(api, payload, change, field):
    response = api("resident").post("/api/v1/appeals/", {**payload, **change}, format="json")
    assert_error(response, 400, field=field)
    assert Appeal.objects.count() == 0


def test_malformed_bodies_are_400(api):
    client = api("resident")
    broken = client.post("/api/v1/appeals/", "{not json", content_type="application/json")
    assert_error(broken, 400, "parse_error")
    listed = client.post("/api/v1/appeals/", "[1, 2]", content_type="application/json")
    assert_error(listed, 400, "invalid")


def test_multipart_upload_with_attachments(api, payload, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    files = [
        SimpleUploadedFile("a.png", PNG, content_type="image/png"),
        SimpleUploadedFile("b.png", PNG, content_type="image/png"),
    ]
    response = api("resident").post("/api/v1/appeals/", {**payload, "attachments": files}, format="multipart")
    assert response.status_code == 201, response.content
    assert [a["name"] for a in response.json()["attachments"]] == ["a.png", "b.png"]
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = api("resident").post("/api/v1/appeals/", {**payload, "attachments": [bad]}, format="multipart")
    assert_error(response, 400, field="attachments")
    fake = SimpleUploadedFile("photo.png", b"not a png at all", content_type="image/png")
    response = api("resident").post(
        "/api/v1/appeals/", {**payload, "attachments": [fake]}, format="multipart"
    )
    assert_error(response, 400, field="attachments")
    assert Appeal.objects.count() == 1


# ---------------------------------------------------------------- the whole loop


def test_the_whole_loop_through_the_api(api, payload, units, dispatch_rule):
    resident, dispatcher, handler = api("resident"), api("dispatcher"), api("handler")
    appeal_id = resident.post("/api/v1/appeals/", payload, format="json").json()["id"]

    detail = dispatcher.get(url(appeal_id)).json()
    assert detail["suggested_dispatch"] == {"id": units["housing"].pk, "name": "县住建局"}
    assert set(detail["available_actions"]) == {"dispatch", "merge_into"}

    order = {"lead_unit": units["housing"].pk, "co_units": [units["property"].pk], "note": "按目录派单"}
    response = act(dispatcher, appeal_id, "dispatch", order)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "dispatched"
    assert body["lead_unit"] == {"id": units["housing"].pk, "name": "县住建局"}
    assert body["co_units"] == [{"id": units["property"].pk, "name": "安居物业公司"}]
    assert body["sign_due"] and body["reply_due"] and body["light"] == "green"

    assert handler.get(url(appeal_id)).json()["available_actions"] == ["sign", "request_return", "ask"]
    assert act(handler, appeal_id, "sign").json()["state"] == "accepted"
    contact = act(handler, appeal_id, "record_contact", {"note": "电话联系了诉求人"})
    assert contact.json()["state"] == "in_progress"
    progress = act(handler, appeal_id, "record_progress", {"note": "已报修"})
    assert progress.status_code == 200 and progress.json()["state"] == "in_progress"
    body = act(handler, appeal_id, "reply", {"text": REPLY_TEXT}).json()
    assert body["state"] == "replied" and body["reply_text"] == REPLY_TEXT and body["callback_due"]

    body = act(
        resident, appeal_id, "callback", {"contacted": True, "solved": True, "satisfaction": "satisfied"}
    ).json()
    assert body["state"] == "closed" and body["close_reason"] == "resolved"
    assert [e["action"] for e in body["events"]] == [
        "submit",
        "take_first_receipt",
        "dispatch",
        "sign",
        "record_contact",
        "record_progress",
        "reply",
        "callback",
    ]
    states = [(e["state_before"], e["state_after"]) for e in body["events"]]
    assert states[2:4] == [("received", "dispatched"), ("dispatched", "accepted")]
    assert states[-1] == ("replied", "closed")
    assert body["events"][2]["unit"] == "县住建局"
    assert body["events"][2]["note"] == "按目录派单"
    # the list, scoped and filtered
    listed = resident.get("/api/v1/appeals/?state=closed").json()
    assert [row["id"] for row in listed["results"]] == [appeal_id] and listed["count"] == 1


def test_unsatisfied_callback_reopens(api, users, units, make_appeal):
    appeal = replied(users, units, make_appeal)
    verdict = {"contacted": True, "solved": False, "satisfaction": "unsatisfied", "comment": "还是不亮"}
    body = act(api("operator"), appeal, "callback", verdict).json()
    assert body["state"] == "in_progress" and body["reopen_count"] == 1


def test_every_other_action_through_the_api(api, users, units, make_appeal, county):
    dispatcher, handler = api("dispatcher"), api("handler")
    supervisor, operator = api("supervisor"), api("operator")
    # return: requested, rejected; requested again, approved → back to received
    appeal = dispatched(users, units, make_appeal)
    body = act(handler, appeal, "request_return", {"reason": "不属于本单位职责"}).json()
    assert body["state"] == "return_requested"
    body = act(dispatcher, appeal, "reject_return", {"note": "属于贵单位职责"}).json()
    assert body["state"] == "dispatched"
    act(handler, appeal, "request_return", {"reason": "不属于本单位职责"})
    body = act(dispatcher, appeal, "approve_return").json()
    assert body["state"] == "received" and body["lead_unit"] is None
    # extension: requested, approved (due moves), requested, denied
    appeal = in_progress(users, units, make_appeal)
    due = Appeal.objects.get(pk=appeal.pk).reply_due
    response = act(handler, appeal, "request_extension", {"reason": "需要协调施工队", "working_days": 3})
    assert response.status_code == 200
    body = act(supervisor, appeal, "approve_extension", {"note": "同意"}).json()
    assert body["extension_count"] == 1 and Appeal.objects.get(pk=appeal.pk).reply_due > due
    act(handler, appeal, "request_extension", {"reason": "材料还没到货", "working_days": "2"})
    assert act(supervisor, appeal, "deny_extension", {"note": "请按期办结"}).status_code == 200
    # merge by number, refer out, withdraw, answer directly
    master, dup = make_appeal(), make_appeal()
    body = act(dispatcher, dup, "merge_into", {"master": Appeal.objects.get(pk=master.pk).number}).json()
    assert body["state"] == "merged" and body["master"] == Appeal.objects.get(pk=master.pk).number
    assert act(dispatcher, make_appeal(), "merge_into", {"master": master.pk}).json()["state"] == "merged"
    body = act(operator, make_appeal(), "refer_out", {"target": "110", "reason": "涉及治安案件"}).json()
    assert body["state"] == "closed" and body["refer_target"] == "110"
    assert act(api("resident"), make_appeal(), "withdraw", {}).json()["close_reason"] == "withdrawn"
    article = KnowledgeArticle.objects.create(title="路灯报修", body="路灯由县住建局负责维修。")
    body = act(
        operator,
        make_appeal(kind="consultation"),
        "answer_directly",
        {"text": "路灯由县住建局负责维修，可拨打报修电话。", "article": article.pk},
    ).json()
    assert body["reply_text"].startswith("路灯") and body["state"] in {"replied", "closed"}
    # close_unresolvable: refused by the table's extra rule until the reopen limit is reached
    appeal = replied(users, units, make_appeal)
    body = assert_error(
        act(supervisor, appeal, "close_unresolvable", {"note": "多次重办仍无法解决"}),
        409,
        "illegal_transition",
    )
    assert "重办" in body["detail"]
    unsolved = {"contacted": True, "solved": False, "satisfaction": "unsatisfied"}
    for _round in range(2):
        services.callback(users["operator"], appeal.pk, **unsolved)
        services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    services.callback(users["operator"], appeal.pk, **unsolved)
    body = act(supervisor, appeal, "close_unresolvable", {"note": "多次重办仍无法解决"}).json()
    assert body["state"] == "closed" and body["close_reason"] == "unresolvable"


# ---------------------------------------------------------------- refusals


def test_illegal_transition_is_409(api, users, units, make_appeal):
    appeal = dispatched(users, units, make_appeal)
    response = act(api("dispatcher"), appeal, "dispatch", {"lead_unit": units["hrss"].pk})
    body = assert_error(response, 409, "illegal_transition")
    assert set(body) == {"code", "detail"} and "已派单" in body["detail"]
    assert Appeal.objects.get(pk=appeal.pk).lead_unit == units["housing"]


def test_wrong_role_is_403(api, users, units, make_appeal):
    appeal = make_appeal()
    # the resident sees their own appeal, but may not dispatch it
    response = act(api("resident"), appeal, "dispatch", {"lead_unit": units["housing"].pk})
    assert_error(response, 403, "permission_denied")
    # a co-unit's handler sees the appeal but may not sign for the lead unit
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"], co_units=[units["hrss"]])
    assert_error(act(api("handler_other"), appeal, "sign"), 403, "permission_denied")
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.DISPATCHED
    # a supervisor cannot reply in the unit's place
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    assert_error(act(api("supervisor"), appeal, "reply", {"text": REPLY_TEXT}), 403, "permission_denied")
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.IN_PROGRESS


def test_out_of_scope_is_404_like_a_missing_id(api, users, units, make_appeal):
    appeal = dispatched(users, units, make_appeal)
    missing = assert_error(api("resident2").get(url(999_999)), 404, "not_found")
    for role in ("resident2", "handler_other", "other_staff"):
        client = api(role)
        assert client.get(url(appeal)).json() == missing
        assert act(client, appeal, "sign").status_code == 404
        assert client.post(f"/api/v1/appeals/{appeal.pk}/reveal_contact/").status_code == 404
        assert appeal.pk not in [row["id"] for row in client.get("/api/v1/appeals/").json()["results"]]
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.DISPATCHED
    assert api("handler").get(url(appeal)).status_code == 200


def test_unknown_action_is_404(api, make_appeal):
    appeal = make_appeal()
    assert_error(act(api("dispatcher"), appeal, "teleport"), 404, "not_found")
    assert act(api(), appeal, "sign").status_code == 401


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("dispatch", {}, "lead_unit"),
        ("dispatch", {"lead_unit": 999_999}, "lead_unit"),
        ("dispatch", {"lead_unit": "abc"}, "lead_unit"),
        ("dispatch", {"lead_unit": 10**30}, "lead_unit"),
        ("dispatch", {"lead_unit": None}, "lead_unit"),
        ("dispatch", {"lead_unit": "UNIT:housing", "co_units": "x"}, "co_units"),
        ("dispatch", {"lead_unit": "UNIT:housing", "co_units": [999_999]}, "co_units"),
        ("dispatch", {"lead_unit": "UNIT:housing", "category": "nope"}, "category"),
        ("dispatch", {"lead_unit": "UNIT:housing", "urgency": "whenever"}, "urgency"),
        ("merge_into", {"master": "20990101999"}, "master"),
        (
            "merge_into",
            {"master": "³"},
            "master",
        ),  # a digit to str.isdigit(), not to int(): was a 500 (make fuzz)
        ("merge_into", {"master": "9" * 20}, "master"),
        ("merge_into", {}, "master"),
        ("refer_out", {"target": "911", "reason": "不属于本平台"}, "target"),
        ("request_extension", {"reason": "需要协调", "working_days": "abc"}, "working_days"),
        ("request_extension", {"reason": "需要协调", "working_days": [3]}, "working_days"),
        ("callback", {"contacted": "maybe", "solved": True, "satisfaction": "satisfied"}, "contacted"),
        ("callback", {"contacted": True, "solved": True}, "satisfaction"),
        ("callback", {"contacted": True, "solved": True, "satisfaction": "ecstatic"}, "satisfaction"),
        ("reject_return", {}, "note"),
        ("reply", {"text": {"a": 1}}, "text"),
        ("answer_directly", {"text": "路灯由县住建局负责维修。", "article": 999_999}, "article"),
    ],
)
def test_bad_action_input_is_400_per_field(api, users, units, make_appeal, action, body, field):
    appeal = make_appeal()
    body = {key: units["housing"].pk if value == "UNIT:housing" else value for key, value in body.items()}
    response = act(api("dispatcher"), appeal, action, body)
    assert_error(response, 400, "invalid", field)
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.RECEIVED


def test_service_input_checks_are_400_per_field(api, users, units, make_appeal):
    appeal = in_progress(users, units, make_appeal)
    handler = api("handler")
    assert_error(act(handler, appeal, "reply", {"text": "好了"}), 400, "invalid", "text")
    assert_error(
        act(handler, appeal, "request_extension", {"reason": "需要协调施工", "working_days": 99}),
        400,
        "invalid",
        "working_days",
    )


def test_malformed_action_bodies_are_400(api, make_appeal):
    appeal = make_appeal()
    client = api("dispatcher")
    assert_error(client.post(url(appeal, "dispatch"), "{oops", content_type="application/json"), 400)
    assert_error(client.post(url(appeal, "dispatch"), '"text"', content_type="application/json"), 400)
    assert_error(client.post(url(appeal, "dispatch"), "<xml/>", content_type="application/xml"), 415)


# ---------------------------------------------------------------- scoping and masking


def test_masking_and_reveal(api, users, units, make_appeal):
    appeal = dispatched(users, units, make_appeal, appellant_id_number="11010519491231002X")
    staff = api("community_staff").get(url(appeal)).json()  # the appeal is in their community
    assert staff["appellant"]["phone"] == "138****8000"
    assert staff["appellant"]["id_number"] == "110105********002X"
    assert staff["appellant"]["can_reveal"] is False
    assert_error(api("community_staff").post(f"/api/v1/appeals/{appeal.pk}/reveal_contact/"), 403)

    handler = api("handler")
    seen = handler.get(url(appeal)).json()["appellant"]
    assert seen["phone"] == "138****8000" and seen["can_reveal"] is True
    assert not AuditEvent.objects.filter(action="unmask_contact").exists()
    response = handler.post(f"/api/v1/appeals/{appeal.pk}/reveal_contact/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response.json() == {
        "name": "resident1",
        "phone": "13800138000",
        "contact_phone": "",
        "id_number": "11010519491231002X",
    }
    event = AuditEvent.objects.get(action="unmask_contact")
    assert event.actor == users["handler"] and event.target == f"appeal:{appeal.pk}"


def test_confidential_appeal_hides_the_appellant_from_the_unit(api, users, units, make_appeal):
    appeal = dispatched(users, units, make_appeal, confidential=True)
    seen = api("handler").get(url(appeal)).json()["appellant"]
    assert seen == {
        "name": "保密",
        "phone": "",
        "contact_phone": "",
        "id_number": "",
        "hidden": True,
        "can_reveal": False,
    }
    assert_error(api("handler").post(f"/api/v1/appeals/{appeal.pk}/reveal_contact/"), 403)


def test_list_filters(api, users, units, make_appeal):
    waiting = make_appeal(title="井盖缺失有安全隐患")
    late = dispatched(users, units, make_appeal)
    Appeal.objects.filter(pk=late.pk).update(
        dispatched_at=timezone.now() - timedelta(days=3), sign_due=timezone.now() - timedelta(hours=1)
    )
    counters.rebuild_board()  # a raw edit of a due time is followed by the rebuild of the stored board times
    other = make_appeal()
    services.dispatch(users["dispatcher"], other.pk, lead_unit=units["hrss"])
    client = api("dispatcher")

    def ids(query):
        response = client.get(f"/api/v1/appeals/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("state=received") == {waiting.pk}
    assert ids("q=井盖") == {waiting.pk}
    assert ids(f"lead_unit={units['hrss'].pk}") == {other.pk}
    assert ids("light=red") == {late.pk}
    assert ids("light=green") == {other.pk, waiting.pk}  # waiting for dispatch within its limit
    assert ids("light=none") == set()
    assert ids("state=dispatched&light=red") == {late.pk}
    row = client.get(url(late)).json()
    assert row["light"] == "red"
    assert_error(client.get("/api/v1/appeals/?state=lost"), 400, "invalid", "state")
    assert_error(client.get("/api/v1/appeals/?lead_unit=abc"), 400, "invalid", "lead_unit")
    assert_error(client.get("/api/v1/appeals/?light=purple"), 400, "invalid", "light")
    assert client.get("/api/v1/appeals/?q=%00").status_code == 400
    # the handler lists only its unit's appeals
    assert {row["id"] for row in api("handler").get("/api/v1/appeals/").json()["results"]} == {late.pk}


# ---------------------------------------------------------------- supervision


def test_supervise(api, users, units, make_appeal):
    appeal = dispatched(users, units, make_appeal)
    response = api("supervisor").post(
        f"/api/v1/appeals/{appeal.pk}/supervise/", {"level": 2, "note": "请加快办理"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["supervision_level"] == 2 and body["events"][-1]["action"] == "supervise"
    assert "督办" in body["events"][-1]["note"]
    assert_error(
        api("dispatcher").post(
            f"/api/v1/appeals/{appeal.pk}/supervise/", {"level": 1, "note": "快"}, format="json"
        ),
        403,
    )
    assert_error(
        api("supervisor").post(
            f"/api/v1/appeals/{appeal.pk}/supervise/", {"level": 7, "note": "快"}, format="json"
        ),
        400,
        "invalid",
        "level",
    )


# ---------------------------------------------------------------- the three rates


@pytest.fixture
def month(users, units, make_appeal, county):
    """This month: 住建局 three valid callbacks, 人社局 two.

    住建局: (contacted, solved, satisfaction) =
        (yes, yes, satisfied), (yes, yes, basically), (no, no, unsatisfied)
        response 2/3, resolution 2/3, satisfaction (1 + 0.9)/3 = 0.6333,
        composite 0.1 × 2/3 + 0.5 × 2/3 + 0.4 × 1.9/3 = 0.6533
    人社局: two × (yes, yes, satisfied) → every rate 1, composite 1.
    """
    verdicts = [(True, True, "satisfied"), (True, True, "basically"), (False, False, "unsatisfied")]
    for contacted, solved, satisfaction in verdicts:
        appeal = replied(users, units, make_appeal)
        services.callback(
            users["operator"], appeal.pk, contacted=contacted, solved=solved, satisfaction=satisfaction
        )
    for _n in range(2):
        appeal = make_appeal(region=county["other_community"])
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["hrss"])
        services.sign(users["handler_other"], appeal.pk)
        services.record_contact(users["handler_other"], appeal.pk)
        services.reply(users["handler_other"], appeal.pk, text=REPLY_TEXT)
        services.callback(users["operator"], appeal.pk, contacted=True, solved=True, satisfaction="satisfied")
    return timezone.localdate().strftime("%Y-%m")


def test_rates_by_unit(api, units, month, settings):
    settings.GONGZHI = {**settings.GONGZHI, "RANKING_MIN_CALLBACKS": 3}
    response = api("leader").get(f"/api/v1/rates/?period={month}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == month and body["min_callbacks"] == 3 and body["by"] == "unit"
    rows = {row["id"]: row for row in body["results"]}
    housing, hrss = rows[units["housing"].pk], rows[units["hrss"].pk]
    assert housing["valid_callbacks"] == 3 and housing["rank"] == 1
    assert housing["response_rate"] == pytest.approx(0.6667, abs=1e-4)
    assert housing["resolution_rate"] == pytest.approx(0.6667, abs=1e-4)
    assert housing["satisfaction_rate"] == pytest.approx(0.6333, abs=1e-4)
    assert housing["composite"] == pytest.approx(0.6533, abs=1e-4)
    assert housing["satisfaction"]["numerator"] == pytest.approx(1.9)
    assert hrss["valid_callbacks"] == 2 and hrss["composite"] == 1.0
    assert hrss["rank"] is None and hrss["small_sample"] is True  # below the minimum: listed apart
    # the handler sees its own unit only, with its true rank
    own = api("handler").get(f"/api/v1/rates/?period={month}").json()["results"]
    assert [(row["id"], row["rank"]) for row in own] == [(units["housing"].pk, 1)]
    assert_error(api("handler").get(f"/api/v1/rates/?period={month}&unit={units['hrss'].pk}"), 403)
    # a single unit for a leader
    one = api("leader").get(f"/api/v1/rates/?period={month}&unit={units['hrss'].pk}").json()["results"]
    assert [row["id"] for row in one] == [units["hrss"].pk]


def test_rates_by_street(api, month, county):
    body = api("supervisor").get(f"/api/v1/rates/?period={month}&by=street").json()
    rows = {row["name"]: row["valid_callbacks"] for row in body["results"]}
    assert rows == {"东风街道": 3, "西湖街道": 2}


@pytest.mark.parametrize(
    "query",
    [
        "period=2026-13",
        "period=abc",
        "period=0000-01",
        "period=2026-1",
        "unit=abc",
        "by=planet",
        "by=street&unit=1",
    ],
)
def test_rates_bad_query_is_400(api, query):
    assert_error(api("leader").get(f"/api/v1/rates/?{query}"), 400, "invalid")


@pytest.mark.parametrize("role", ["resident", "operator", "community_staff", "grid_worker"])
def test_rates_refused_to_other_roles(api, role):
    assert_error(api(role).get("/api/v1/rates/"), 403)


def test_rates_empty_month(api):
    body = api("dispatcher").get("/api/v1/rates/?period=2020-02").json()
    assert body["results"] == [] and body["period"] == "2020-02"


# ---------------------------------------------------------------- reference data and knowledge


def test_categories(api, category):
    client = api("resident")
    top = client.get("/api/v1/categories/?level=1&page_size=500").json()
    assert top["count"] > 1 and {row["level"] for row in top["results"]} == {1}
    children = client.get(f"/api/v1/categories/?parent={category.parent_id}&page_size=500").json()["results"]
    assert category.code in {row["code"] for row in children}
    assert_error(client.get("/api/v1/categories/?level=9"), 400, "invalid", "level")
    # found by make fuzz: an id beyond a 64-bit key overflowed the SQLite driver (500)
    assert_error(
        client.get("/api/v1/categories/?parent=194497394331321020990121784115200"), 400, "invalid", "parent"
    )
    assert_error(client.get("/api/v1/appeals/?lead_unit=9223372036854775808"), 400, "invalid", "lead_unit")


def test_knowledge_search(api, users):
    KnowledgeArticle.objects.create(title="路灯报修", body="路灯由县住建局负责维修。", keywords="路灯 照明")
    KnowledgeArticle.objects.create(
        title="社保卡补办", body="携带身份证到县人社局窗口办理。", keywords="社保"
    )
    KnowledgeArticle.objects.create(title="旧的路灯规定", body="已废止", is_active=False)
    client = api("operator")

    def titles(q):
        return [a["title"] for a in client.get(f"/api/v1/knowledge/?q={q}").json()["results"]]

    assert titles("路灯") == ["路灯报修"]
    assert titles("身份证 人社局") == ["社保卡补办"]
    assert client.get("/api/v1/knowledge/?q=路灯 社保").json()["results"] == []
    assert client.get("/api/v1/knowledge/").json()["count"] == 2
    assert_error(api("resident").get("/api/v1/knowledge/"), 403)


# ---------------------------------------------------------------- OpenAPI


def test_schema_lists_the_appeals_paths(api):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/appeals/",
        "/api/v1/appeals/{id}/",
        "/api/v1/rates/",
        "/api/v1/auth/token/",
        "/api/v1/appeals/{id}/supervise/",
        "/api/v1/appeals/{id}/reveal_contact/",
    ):
        assert path in paths, path
    for action in WORKFLOW_ACTIONS:
        operation = paths[f"/api/v1/appeals/{{id}}/actions/{action}/"]["post"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
    dispatch_body = paths["/api/v1/appeals/{id}/actions/dispatch/"]["post"]["requestBody"]
    assert dispatch_body["content"]["application/json"]["schema"]["$ref"].endswith("/DispatchInput")
    assert APIClient().get("/api/docs/").status_code == 200
