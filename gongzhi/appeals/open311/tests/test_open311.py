"""Open311 GeoReport v2 through Django's test client: every JSON body checked against the official
schemas, every XML body parsed; errors in the spec's shape with its status codes."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealState, Channel
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.open311.models import Open311Key, digest_key
from gongzhi.core.models import AuditEvent

from .conftest import parse_xml, spec_error, validate

BASE = "/open311/v2"
PHONE = "13812345678"


def post(client, fmt="json", headers=None, **fields):
    return client.post(f"{BASE}/requests.{fmt}", fields, headers=headers or {})


@pytest.fixture
def submitted(client, api_key, services_catalogue, county):
    response = post(
        client,
        api_key=api_key,
        service_code="T90101",
        lat="28.2",
        long="112.9",
        description=f"幸福小区3栋门口的路灯坏了两周了，请联系我 {PHONE}",
        phone=PHONE,
        first_name="三",
        last_name="张",
    )
    assert response.status_code == 201, response.content
    return Appeal.objects.get(number=json.loads(response.content)[0]["service_request_id"])


def test_discovery_in_both_formats(client, db):
    body = json.loads(client.get(f"{BASE}/discovery.json").content)
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = parse_xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_and_definition(client, services_catalogue):
    response = client.get(f"{BASE}/services.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services_ = json.loads(response.content)
    validate("services.json", services_)
    codes = {s["service_code"] for s in services_}
    assert {"T90101", "T90102"} <= codes and "T901" not in codes  # leaves only
    lamp = next(s for s in services_ if s["service_code"] == "T90101")
    assert lamp["group"] == "测试大类" and lamp["metadata"] is True

    root = parse_xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and root.find("service/service_code") is not None

    definition = json.loads(client.get(f"{BASE}/services/T90101.json").content)
    validate("service-definition.json", definition)
    kind = next(a for a in definition["attributes"] if a["code"] == "kind")
    assert {"complaint", "help"} <= {v["key"] for v in kind["values"]}
    xml = parse_xml(client.get(f"{BASE}/services/T90101.xml"))
    assert xml.tag == "service_definition" and xml.find("attributes/attribute/values/value/key") is not None
    assert spec_error(client.get(f"{BASE}/services/NOPE.json"), 404)
    assert spec_error(client.get(f"{BASE}/services/NOPE.xml"), 404, "xml")


def test_post_creates_an_appeal_through_intake(client, submitted, api_key):
    appeal = submitted
    assert appeal.channel == Channel.API and appeal.state == AppealState.RECEIVED
    assert appeal.appellant_phone == PHONE and appeal.appellant_name == "张 三"
    assert appeal.events.filter(action="submit").exists()
    assert "测试客户端" in appeal.events.get(action="open311").note
    assert Open311Key.objects.get().last_used_at is not None


def test_reads_never_expose_phone_and_validate(client, submitted):
    for path in (
        f"{BASE}/requests.json",
        f"{BASE}/requests/{submitted.number}.json",
        f"{BASE}/requests.json?extensions=true",
    ):
        response = client.get(path)
        body = json.loads(response.content)
        validate("requests.json", body)
        assert len(body) == 1 and body[0]["service_request_id"] == submitted.number
        assert PHONE not in response.content.decode() and "张" not in response.content.decode()
        assert "〔电话〕" in body[0]["description"]
    xml = client.get(f"{BASE}/requests/{submitted.number}.xml")
    root = parse_xml(xml)
    assert root.find("request/status").text == "open"
    assert PHONE.encode() not in xml.content


@pytest.mark.parametrize("written", ["+8613812345678", "86 138-1234-5678", "138 1234 5678", "138-1234-5678"])
def test_reads_mask_a_phone_written_with_country_code_or_separators(
    client, api_key, services_catalogue, county, written
):
    response = post(
        client,
        api_key=api_key,
        service_code="T90101",
        address_string=f"幸福路1号 电话{written}",
        description=f"幸福小区3栋门口的路灯坏了两周了，请打 {written} 联系我",
    )
    assert response.status_code == 201, response.content
    body = client.get(f"{BASE}/requests.json?extensions=true").content.decode()
    digits = written.replace("+", "").replace("-", "").replace(" ", "")[-11:]
    assert "1234" not in body and digits not in body, body
    assert "〔电话〕" in body


def test_extended_status_and_open_closed(client, submitted, users):
    body = json.loads(client.get(f"{BASE}/requests.json?extensions=true").content)
    assert body[0]["extended_attributes"]["status"] == "FOR_TRIAGE"
    assert "extended_attributes" not in json.loads(client.get(f"{BASE}/requests.json").content)[0]
    services.refer_out(users["operator"], submitted.pk, target="110", reason="涉及治安，已告知报警")
    body = json.loads(client.get(f"{BASE}/requests.json?extensions=true").content)
    validate("requests.json", body)
    assert body[0]["status"] == "closed"
    assert body[0]["extended_attributes"]["status"] == "NOT_COUNCILS_RESPONSIBILITY"
    assert json.loads(client.get(f"{BASE}/requests.json?status=open").content) == []
    assert len(json.loads(client.get(f"{BASE}/requests.json?status=closed,open").content)) == 1


def test_confidential_appeals_are_not_public(client, make_appeal, services_catalogue):
    secret = make_appeal(confidential=True, category=services_catalogue[0])
    assert json.loads(client.get(f"{BASE}/requests.json").content) == []
    assert spec_error(client.get(f"{BASE}/requests/{secret.number}.json"), 404)
    assert json.loads(client.get(f"{BASE}/requests.json?service_request_id={secret.number}").content) == []


def test_filters_and_paging(client, make_appeal, services_catalogue):
    lamp, manhole = services_catalogue
    made = [make_appeal(category=lamp if i % 2 else manhole) for i in range(5)]
    old = make_appeal(category=lamp)
    Appeal.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=120))

    def ids(query):
        body = json.loads(client.get(f"{BASE}/requests.json?{query}").content)
        validate("requests.json", body)
        return {r["service_request_id"] for r in body}

    assert ids("") == {a.number for a in made}  # default window: the last 90 days
    assert ids("service_code=T90101") == {a.number for a in made if a.category_id == lamp.pk}
    assert ids("service_code=T90101,T90102") == {a.number for a in made}
    assert ids(f"service_request_id={old.number},{made[0].number}&service_code=T90102") == {
        old.number,
        made[0].number,
    }
    start = (timezone.now() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    end = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"start_date={start}&end_date={end}") == {old.number}
    assert ids("service_code=&status=") == {a.number for a in made}  # empty = absent
    pages = [ids(f"page_size=2&page={p}") for p in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert set().union(*pages) == {a.number for a in made}


@pytest.mark.parametrize(
    "query",
    [
        "start_date=yesterday",
        "end_date=2026-13-45T00:00:00Z",
        "start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z",
        "start_date=2025-06-01T00:00:00Z&end_date=2025-01-01T00:00:00Z",
        "status=pending",
        "page=0",
        "page_size=5000",
        "page=abc",
    ],
)
def test_bad_read_arguments(client, db, query):
    assert spec_error(client.get(f"{BASE}/requests.json?{query}"), 400)
    assert spec_error(client.get(f"{BASE}/requests.xml?{query}"), 400, "xml")


@pytest.mark.parametrize(
    "path",
    [
        "requests/a%00b.json",
        "services/T%0001.xml",
        "tokens/%00.json",
        "requests.json?service_code=T90101%00",
        "requests.json?x%00=1",
    ],
)
def test_a_nul_character_is_a_spec_error_not_a_server_error(client, db, path):
    """Found by the Open311 fuzz test on PostgreSQL, whose text cannot hold NUL: the driver raised (500)."""
    fmt = "xml" if ".xml" in path else "json"
    assert spec_error(client.get(f"{BASE}/{path}"), 400, fmt)


def test_post_errors(client, api_key, services_catalogue, county):
    ok = {"service_code": "T90101", "address_string": "幸福路1号", "description": "路灯坏了两周，晚上很黑。"}
    assert spec_error(post(client, **ok), 403)
    assert spec_error(post(client, api_key="wrong", **ok), 403)
    assert spec_error(post(client, "xml", api_key="wrong", **ok), 403, "xml")
    assert spec_error(post(client, api_key=api_key, description="x"), 400)
    assert len(spec_error(post(client, api_key=api_key), 400)) == 2  # both missing arguments named
    assert spec_error(post(client, api_key=api_key, **{**ok, "service_code": "NOPE"}), 404)
    assert spec_error(post(client, api_key=api_key, **{**ok, "lat": "abc", "long": "1"}), 400)
    assert spec_error(post(client, api_key=api_key, **{**ok, "lat": "95", "long": "1"}), 400)
    assert spec_error(post(client, api_key=api_key, **{**ok, "attribute[kind]": "gossip"}), 400)
    assert spec_error(post(client, api_key=api_key, **{**ok, "description": "长" * 4001}), 400)
    assert spec_error(post(client, api_key=api_key, **{**ok, "phone": "12"}), 400)
    assert Open311Key.revoke(None, Open311Key.objects.all()) == 1
    assert AuditEvent.objects.filter(action="open311_key_revoked").count() == 1
    assert spec_error(post(client, api_key=api_key, **ok), 403)
    assert not Appeal.objects.exists()


def test_anonymous_post_and_attributes(client, api_key, services_catalogue, county):
    response = post(
        client,
        "xml",
        api_key=api_key,
        service_code="T90102",
        address_string="幸福路1号",
        **{"attribute[kind]": "complaint", "attribute[urgency]": "timely"},
    )
    assert response.status_code == 201
    root = parse_xml(response)
    number = root.findtext("request/service_request_id")
    appeal = Appeal.objects.get(number=number)
    assert appeal.anonymous and appeal.kind == "complaint" and appeal.urgency == "timely"
    assert appeal.address == "幸福路1号" and appeal.region.parent_id is None
    assert root.find("request/token") is None  # id or token, never both


def test_idempotent_post_and_tokens(client, api_key, services_catalogue, county):
    fields = {"api_key": api_key, "service_code": "T90101", "address_string": "幸福路1号"}
    first = post(client, headers={"Idempotency-Key": "abc-1"}, **fields)
    again = post(client, headers={"Idempotency-Key": "abc-1"}, **fields)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.content == again.content and Appeal.objects.count() == 1
    assert Appeal.objects.get().events.filter(action="open311").count() == 1
    token = first["X-Open311-Token"]
    body = json.loads(client.get(f"{BASE}/tokens/{token}.json").content)
    assert body == [{"service_request_id": Appeal.objects.get().number, "token": token}]
    assert parse_xml(client.get(f"{BASE}/tokens/{token}.xml")).findtext("request/token") == token
    assert spec_error(client.get(f"{BASE}/tokens/nope.json"), 404)
    assert post(client, headers={"Idempotency-Key": "abc-2"}, **fields).status_code == 201


def test_unknown_format_path_and_method(client, db):
    assert spec_error(client.get(f"{BASE}/services.csv"), 400, "xml")
    assert spec_error(client.get(f"{BASE}/nothing/here"), 404, "xml")
    assert spec_error(client.delete(f"{BASE}/requests.json"), 405)
    assert spec_error(client.post(f"{BASE}/services.json"), 405)


def test_create_key_command_prints_the_key_once(db, capsys):
    call_command("create_open311_key", "市12345平台")
    raw = capsys.readouterr().out.strip()
    key = Open311Key.objects.get()
    assert key.name == "市12345平台" and key.digest == digest_key(raw) and raw not in key.digest
    assert Open311Key.authenticate(raw) == key
    assert AuditEvent.objects.filter(action="open311_key_issued", target=f"open311key:{key.pk}").exists()


def test_admin_revokes_a_key(client, users):
    key, raw = Open311Key.issue("后台测试")
    client.force_login(users["admin"])
    response = client.post("/admin/appeals/open311key/", {"action": "revoke", "_selected_action": [key.pk]})
    assert response.status_code == 302
    assert Open311Key.authenticate(raw) is None
    assert AuditEvent.objects.get(action="open311_key_revoked").actor == users["admin"]
