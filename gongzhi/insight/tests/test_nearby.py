"""Nearby duplicates while typing (issue J item 3): POST /api/v1/appeals/similar/ and 附议 from the form."""

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from gongzhi.appeals.models import AppealEvent
from gongzhi.core import geodesy
from gongzhi.insight import nearby
from gongzhi.insight.models import CoSign

URL = "/api/v1/appeals/similar/"
TITLE = "幸福小区3栋门口路灯坏了"
CONTENT = "幸福小区3栋门口的路灯坏了两周了，晚上出行很不安全，老人孩子经常摔倒。"
LAT, LON = Decimal("28.228512"), Decimal("112.938814")


def at(metres_north: float) -> Decimal:
    return (LAT + Decimal(str(round(metres_north / 111_320, 6)))).quantize(Decimal("0.000001"))


@pytest.fixture
def scene(make_appeal, users, county):
    """The same problem reported 100 m away (another community), 2 km away (another community), in the same
    community without coordinates, confidentially in the same community, and an unrelated one next door."""
    other = county["other_community"]
    return {
        "near": make_appeal(title=TITLE, content=CONTENT, region=other, latitude=at(100), longitude=LON),
        "far": make_appeal(title=TITLE, content=CONTENT, region=other, latitude=at(2000), longitude=LON),
        "same_community": make_appeal(
            title=TITLE, content=CONTENT + "张三丰电话13912345678", region=county["grid"]
        ),
        "confidential": make_appeal(title=TITLE, content=CONTENT, region=county["grid"], confidential=True),
        "unrelated": make_appeal(
            title="孩子入学咨询",
            content="请问今年小学入学需要准备哪些材料？户口不在本地怎么办？",
            region=other,
            latitude=at(20),
            longitude=LON,
        ),
    }


def ask(client, **body):
    return client.post(URL, body, format="json")


def test_contract_near_in_far_out_confidential_hidden(scene, county, users):
    client = APIClient()
    client.force_authenticate(users["resident2"])
    response = ask(
        client,
        title=TITLE,
        content=CONTENT,
        region=county["community"].pk,
        latitude=str(LAT),
        longitude=str(LON),
    )
    assert response.status_code == 200, response.content
    rows = response.json()
    ids = {r["id"] for r in rows}
    assert scene["near"].pk in ids
    assert scene["far"].pk not in ids
    assert scene["confidential"].pk not in ids and scene["unrelated"].pk not in ids
    assert scene["same_community"].pk in ids
    assert set(rows[0]) == {"id", "number", "title", "similarity", "distance_m"}
    by_id = {r["id"]: r for r in rows}
    assert 90 <= by_id[scene["near"].pk]["distance_m"] <= 110
    assert by_id[scene["same_community"].pk]["distance_m"] is None  # no coordinates on that side
    assert all(0.3 <= r["similarity"] <= 1 for r in rows)


def test_without_coordinates_distance_is_null_and_the_community_decides(scene, county):
    rows = ask(APIClient(), title=TITLE, content=CONTENT, region=county["grid"].pk).json()  # anonymous, too
    ids = {r["id"]: r for r in rows}
    assert set(ids) == {scene["same_community"].pk}
    assert ids[scene["same_community"].pk]["distance_m"] is None


def test_coordinates_alone_find_the_appeal_100_m_away(scene):
    rows = ask(APIClient(), title=TITLE, content=CONTENT, latitude=str(LAT), longitude=str(LON)).json()
    assert [r["id"] for r in rows] == [scene["near"].pk]


def test_dispatchers_get_the_list_with_confidential_ones(scene, county, users):
    client = APIClient()
    client.force_authenticate(users["dispatcher"])
    ids = {r["id"] for r in ask(client, title=TITLE, content=CONTENT, region=county["community"].pk).json()}
    assert scene["confidential"].pk in ids and scene["same_community"].pk in ids


def test_residents_read_titles_and_never_others_personal_data(make_appeal, county):
    make_appeal(title="我叫王建国，3栋门口路灯坏了，电话13812345678", content=CONTENT, region=county["grid"])
    body = ask(APIClient(), title=TITLE, content=CONTENT, region=county["community"].pk).content.decode()
    assert "13812345678" not in body and "王建国" not in body


@pytest.mark.parametrize(
    "body, field",
    [
        ({"region": 999999}, "region"),
        ({"latitude": "28.2"}, "longitude"),
        ({"latitude": "95", "longitude": "112.9"}, "latitude"),
        ({"latitude": "abc", "longitude": "112.9"}, "latitude"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_input_is_a_chinese_400(db, body, field):
    response = ask(APIClient(), **{"title": TITLE, "content": CONTENT, **body})
    assert response.status_code == 400
    text = json.dumps(response.json(), ensure_ascii=False)
    assert field in text and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_defaults_are_settings(settings, scene, county):
    settings.GONGZHI = {**settings.GONGZHI, "NEARBY_RADIUS_M": 50}
    assert (
        nearby.nearby_similar(None, title=TITLE, content=CONTENT, latitude=float(LAT), longitude=float(LON))
        == []
    )
    settings.GONGZHI = {**settings.GONGZHI, "NEARBY_RADIUS_M": 3000}
    found = nearby.nearby_similar(
        None, title=TITLE, content=CONTENT, latitude=float(LAT), longitude=float(LON)
    )
    assert {f["appeal"].pk for f in found} == {scene["near"].pk, scene["far"].pk}


def test_haversine_in_one_place():
    assert abs(geodesy.haversine_m(LAT, LON, at(100), LON) - 100) < 1
    assert geodesy.haversine_m(None, LON, LAT, LON) is None


def test_cosign_from_the_form_without_an_own_appeal(scene, county, users, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(users["resident2"])
    draft = {"title": TITLE, "content": CONTENT, "region": county["community"].pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/insight/appeals/{scene['same_community'].pk}/cosign/", draft, format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["own_appeal_state"] is None and response.json()["cosigners"] == 1
    sign = CoSign.objects.get()
    assert (sign.appeal_id, sign.resident_id, sign.own_appeal_id) == (
        scene["same_community"].pk,
        users["resident2"].pk,
        None,
    )
    assert AppealEvent.objects.filter(appeal=scene["same_community"], action="cosign").exists()
    # an appeal the list did not offer for this draft (2 km away) cannot be joined
    response = client.post(f"/api/v1/insight/appeals/{scene['far'].pk}/cosign/", draft, format="json")
    assert response.status_code == 400 and response.json()["code"] == "not_similar"


def test_the_dispatchers_detail_and_the_forms_carry_the_list(scene, users):
    from gongzhi.core.testing import client_for, text

    page = text(client_for(users["dispatcher"]).get(f"/appeals/{scene['near'].pk}/"))
    assert "data-nearby" in page and f'data-exclude="{scene["near"].pk}"' in page and "附近的相似诉求" in page
    assert "data-nearby" in text(client_for(users["resident"]).get("/appeals/new/"))
    assert "data-nearby" in text(client_for(users["operator"]).get("/appeals/staff/new/"))
