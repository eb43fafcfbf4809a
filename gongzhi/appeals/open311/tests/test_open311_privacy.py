"""Public reads protect people (appeals spec §7, issue J item 4): Open311 without a private-scope key shows the
title and description with personal data removed, the community instead of the address and coordinates snapped
to an H3 resolution-9 cell centre; a private-scope key reads the full record and every such read is audited."""

import json
from decimal import Decimal

import pytest

from gongzhi.appeals.open311.models import Open311Key
from gongzhi.core import geodesy
from gongzhi.core.models import AuditEvent

from .conftest import parse_xml, spec_error, validate

BASE = "/open311/v2"
CONTENT = "我是幸福小区3栋201室的王建国，电话13812345678，身份证430102199001011234"
ADDRESS = "幸福小区3栋201室"
SECRETS = ("王建国", "201室", "13812345678", "430102199001011234")
LAT, LON = Decimal("28.228512"), Decimal("112.938814")


@pytest.fixture
def private_appeal(make_appeal, services_catalogue, county):
    return make_appeal(
        title="王建国家门口路灯坏了",
        content=CONTENT,
        address=ADDRESS,
        latitude=LAT,
        longitude=LON,
        appellant_name="王建国",
        category=services_catalogue[0],
        region=county["grid"],
    )


@pytest.mark.parametrize(
    "path", ["requests.json", "requests.json?extensions=true", "requests.xml", "requests.xml?extensions=true"]
)
def test_public_reads_carry_no_personal_data(client, private_appeal, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 200
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body, (secret, body)
    assert str(LAT) not in body and str(LON) not in body
    if path.startswith("requests.json"):
        rows = json.loads(body)
        validate("requests.json", rows)
        row = rows[0]
        lat, lon = row["lat"], row["long"]
        assert row["address"] == "幸福社区"  # the community, not the address (filed at its grid)
        assert "〔姓名〕" in row["description"] and "〔电话〕" in row["description"]
    else:
        request = parse_xml(response).find("request")
        lat, lon = float(request.findtext("lat")), float(request.findtext("long"))
        assert request.findtext("address") == "幸福社区"
    assert (lat, lon) != (float(LAT), float(LON))
    assert (lat, lon) == geodesy.snap(LAT, LON)
    assert geodesy.haversine_m(lat, lon, LAT, LON) < 250  # the cell holds the point: never far, never exact


def test_detail_read_in_both_formats(client, private_appeal):
    for fmt in ("json", "xml"):
        body = client.get(f"{BASE}/requests/{private_appeal.number}.{fmt}").content.decode()
        assert not any(secret in body for secret in SECRETS)


def test_private_scope_reads_the_full_record_and_is_audited(client, private_appeal):
    _key, raw = Open311Key.issue("区数据中心", scope="private")
    before = AuditEvent.objects.filter(action="open311_private_read").count()
    rows = json.loads(client.get(f"{BASE}/requests.json", {"api_key": raw}).content)
    assert rows[0]["description"] == CONTENT and rows[0]["address"] == ADDRESS
    assert (rows[0]["lat"], rows[0]["long"]) == (float(LAT), float(LON))
    xml = client.get(f"{BASE}/requests/{private_appeal.number}.xml", {"api_key": raw}).content.decode()
    assert "13812345678" in xml
    events = AuditEvent.objects.filter(action="open311_private_read").order_by("pk")
    assert events.count() == before + 2
    assert events.last().after == {"appeals": [private_appeal.number]}


def test_a_submit_key_or_a_bad_key_does_not_unlock_the_record(client, private_appeal, api_key):
    assert "api_key" in spec_error(client.get(f"{BASE}/requests.json", {"api_key": api_key}), 403)[0]
    assert spec_error(client.get(f"{BASE}/requests.xml", {"api_key": "nope"}), 403, "xml")
    assert not AuditEvent.objects.filter(action="open311_private_read").exists()


def test_create_key_command_takes_a_scope(db, capsys):
    from django.core.management import call_command

    call_command("create_open311_key", "数据中心", "--scope", "private")
    raw = capsys.readouterr().out.strip()
    assert Open311Key.authenticate(raw).reads_private


def test_the_annotated_set_through_open311(county, services_catalogue, client):
    """The 200 annotated real texts (gongzhi/core/tests/data/redaction_set.json) as appeal descriptions: no
    annotated span of personal data comes out of a public read, in JSON or in XML."""
    from pathlib import Path

    from gongzhi.appeals.models import Appeal

    rows = json.loads(
        (Path(__file__).parents[3] / "core" / "tests" / "data" / "redaction_set.json").read_text(
            encoding="utf-8"
        )
    )
    Appeal.objects.bulk_create(
        [
            Appeal(
                number=f"R{row['n']:05d}",
                kind="complaint",
                channel="web",
                title=row["text"][:30],
                content=row["text"],
                region=county["grid"],
                category=services_catalogue[0],
            )
            for row in rows
        ]
    )
    spans = {f"R{row['n']:05d}": [s["text"] for s in row["spans"]] for row in rows}
    assert sum(map(len, spans.values())) >= 35
    body = json.loads(client.get(f"{BASE}/requests.json?extensions=true&page_size=1000").content)
    assert len(body) == 200
    for request in body:
        for secret in spans[request["service_request_id"]]:
            assert secret not in request["description"], (request["service_request_id"], secret)
            assert secret not in request["extended_attributes"]["title"], (
                request["service_request_id"],
                secret,
            )
    root = parse_xml(client.get(f"{BASE}/requests.xml?page_size=1000"))
    for request in root.findall("request"):
        for secret in spans[request.findtext("service_request_id")]:
            assert secret not in request.findtext("description")
