import pytest
from rest_framework.test import APIClient

from gongzhi.insight import classifier


@pytest.fixture
def api(users, settings, tiny_model_path):
    settings.INSIGHT_CLASSIFIER_MODEL = str(tiny_model_path)
    classifier.default_model.cache_clear()

    def client(role=None):
        c = APIClient()
        if role is not None:
            c.force_authenticate(users[role])
        return c

    return client


def test_classify_returns_top3_and_the_suggested_unit(api, dispatch_rule, county):
    response = api("operator").post(
        "/api/v1/insight/classify/",
        {
            "title": "小区违章建筑没人管",
            "content": "A3区幸福小区一楼住户违章搭建，占用消防通道，城管不管。",
            "region": county["grid"].pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["categories"]) == 3
    assert body["categories"][0]["name"] == "城乡建设"
    assert body["categories"][0]["category"] == dispatch_rule.category_id
    assert body["categories"][0]["confidence"] >= body["categories"][1]["confidence"]
    assert body["suggested_unit"]["unit"] == dispatch_rule.unit_id
    assert body["suggested_unit"]["name"] == "县住建局"


def test_classify_without_region_or_rule(api, county):
    response = api("resident").post(
        "/api/v1/insight/classify/", {"title": "学校乱收费", "content": ""}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["suggested_unit"] is None


def test_classify_refuses_bad_input(api, county):
    client = api("operator")
    empty = client.post("/api/v1/insight/classify/", {"title": " ", "content": ""}, format="json")
    assert empty.status_code == 400 and "content" in empty.json()["fields"]
    bad_region = client.post(
        "/api/v1/insight/classify/", {"title": "路灯坏了", "region": 999999}, format="json"
    )
    assert bad_region.status_code == 400 and bad_region.json()["fields"]["region"] == ["区域不存在。"]
    not_int = client.post("/api/v1/insight/classify/", {"title": "路灯坏了", "region": "x"}, format="json")
    assert not_int.status_code == 400
    assert api().post("/api/v1/insight/classify/", {"title": "路灯坏了"}, format="json").status_code in (
        401,
        403,
    )


def test_similar_lists_near_duplicates_in_scope(api, make_appeal, users):
    text = "幸福小区3栋门口的路灯坏了两周了，晚上出行很不安全，请尽快修复。"
    master = make_appeal(content=text)
    copy = make_appeal(users["resident2"], content=text + "谢谢")
    make_appeal(title="学校乱收费问题", content="孩子所在学校乱收补课费，每学期上千元。")
    response = api("dispatcher").get(f"/api/v1/insight/similar/?appeal={copy.pk}")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [master.pk]
    assert response.json()[0]["jaccard"] >= 0.3
    # a resident sees only their own appeals: master (resident1's) is not shown to resident2
    assert api("resident2").get(f"/api/v1/insight/similar/?appeal={copy.pk}").json() == []
    # an appeal outside the user's scope is a 404; a bad id a 400
    assert api("resident2").get(f"/api/v1/insight/similar/?appeal={master.pk}").status_code == 404
    assert api("dispatcher").get("/api/v1/insight/similar/?appeal=abc").status_code == 400
    assert api("dispatcher").get(f"/api/v1/insight/similar/?appeal={2**64}").status_code == 400
