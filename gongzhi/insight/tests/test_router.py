"""The unit router (insight.router): the catalogue as the prior, learning from dispatch history, returns as
negatives, reasons in words, the command, the API and the dispatcher's page."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.models import Category, DispatchRule
from gongzhi.core.choices import UnitKind
from gongzhi.core.models import Unit
from gongzhi.insight import classifier, router
from gongzhi.insight import services as insight_services
from gongzhi.insight.models import AppealPrediction

LAMP = [
    "路灯不亮",
    "小区门口路灯坏了两周",
    "主干道路灯晚上不亮，出行不安全",
    "路灯杆倒了没人修",
    "人行道路灯一直不亮",
]
DEED = [
    "房产证办不下来",
    "开发商拖延办理房产证",
    "不动产证迟迟不发",
    "购房多年没有产权证",
    "房产证办理进度咨询",
]


@pytest.fixture
def catalogue_units(units, county):
    return make_catalogue_units(units, county)


def make_catalogue_units(units, county):
    """城乡建设 → 县住建局 (the first-level rule), 城乡建设/城市建设和市政管理 → 县城管局, 劳动和社会保障 → 县人社局."""
    top = Category.objects.get(level=1, name="城乡建设")
    municipal = Category.objects.get(level=2, parent=top, name="城市建设和市政管理")
    urban = Unit.objects.create(
        code="U-CG", name="县城管局", kind=UnitKind.DEPARTMENT, region=county["county"]
    )
    DispatchRule.objects.create(category=top, region=None, unit=units["housing"])
    DispatchRule.objects.create(category=municipal, region=None, unit=urban)
    DispatchRule.objects.create(
        category=Category.objects.get(level=1, name="劳动和社会保障"), region=None, unit=units["hrss"]
    )
    return {"top": top, "municipal": municipal, "urban": urban, **units}


def records(texts, unit, *, positive=True, start=0, region=None, top="城乡建设", repeat=4):
    base = timezone.now() - timedelta(days=30)
    out = []
    for k in range(repeat):
        for i, text in enumerate(texts):
            n = start + k * len(texts) + i
            out.append(
                router.Record(
                    appeal=10_000 + n,
                    at=base + timedelta(hours=n),
                    title=text,
                    content=f"{text}，请尽快处理。第{k}次反映",
                    top=top,
                    region=region,
                    unit=unit.pk,
                    positive=positive,
                )
            )
    return out


def test_prior_routes_by_the_catalogue_without_history(catalogue_units, county):
    catalogue = router.Catalogue.from_db()
    query = router.Query(
        "房产证办不下来", "开发商一直拖着", county["grid"].pk, [("城乡建设", 0.9), ("劳动和社会保障", 0.1)]
    )
    (units,) = router.suggest_many([query], catalogue=catalogue)  # no model file: the catalogue alone
    assert [u["unit"] for u in units[:2]] == [catalogue_units["housing"].pk, catalogue_units["hrss"].pk]
    assert units[0]["reasons"] == ["目录规定：城乡建设 → 县住建局"]
    # A subcategory the text names (市政) shares the category's weight with its own rule's unit.
    (named,) = router.suggest_many(
        [router.Query("市政设施损坏", "路口市政设施坏了", county["grid"].pk, [("城乡建设", 1.0)])],
        catalogue=catalogue,
    )
    assert catalogue_units["urban"].pk == named[0]["unit"]
    assert "目录规定：城市建设和市政管理 → 县城管局" in named[0]["reasons"]
    # A confirmed third-level category follows its lineage's most specific rule.
    leaf = Category.objects.filter(parent=catalogue_units["municipal"]).order_by("code").first()
    (confirmed,) = router.suggest_many(
        [router.Query("随便", "", None, [("劳动和社会保障", 0.99)], leaf.pk)], catalogue=catalogue
    )
    assert confirmed[0]["unit"] == catalogue_units["urban"].pk


def test_learns_from_history_against_the_first_level_rule(catalogue_units, county):
    catalogue = router.Catalogue.from_db()
    history = records(LAMP, catalogue_units["urban"]) + records(DEED, catalogue_units["housing"], start=100)
    model = router.train(history, catalogue)
    assert model is not None and set(model.units) == {
        catalogue_units["urban"].pk,
        catalogue_units["housing"].pk,
    }
    lamp = router.Query("我家楼下路灯坏了", "晚上路灯一直不亮", county["grid"].pk, [("城乡建设", 0.96)])
    deed = router.Query("房产证的问题", "买房五年了房产证还没办下来", county["grid"].pk, [("城乡建设", 0.96)])
    # The catalogue alone sends the street lamp to 住建局 (the first-level rule) ...
    assert router.rank_many([lamp], catalogue, None)[0][0][0] == catalogue_units["housing"].pk
    # ... the history sends it to 城管局, and the deed still to 住建局.
    lamp_rank, deed_rank = router.rank_many([lamp, deed], catalogue, model)
    assert lamp_rank[0][0] == catalogue_units["urban"].pk
    assert deed_rank[0][0] == catalogue_units["housing"].pk
    assert sum(s for _u, s, _c in lamp_rank) == pytest.approx(1.0, abs=0.02)


def test_approved_returns_push_a_unit_down(catalogue_units, county):
    catalogue = router.Catalogue.from_db()
    street = Unit.objects.create(
        code="U-JD", name="东风街道办事处", kind=UnitKind.STREET_OFFICE, region=county["street"]
    )
    kept = (
        records(LAMP, catalogue_units["urban"])
        + records(LAMP, street, start=100, repeat=2)
        + records(DEED, catalogue_units["housing"], start=200)
    )
    returned = records(LAMP, catalogue_units["urban"], positive=False, start=300, repeat=3)
    lamp = router.Query("路灯坏了", "小区门口路灯不亮", county["grid"].pk, [("城乡建设", 0.9)])

    def score(model, unit):
        return next(s for u, s, _c in router.rank_many([lamp], catalogue, model)[0] if u == unit.pk)

    without = router.train(kept, catalogue)
    with_returns = router.train(kept + returned, catalogue)
    assert score(with_returns, catalogue_units["urban"]) < score(without, catalogue_units["urban"]) - 0.05
    assert score(with_returns, street) > score(without, street)
    assert with_returns.stats["returns"] == {("城乡建设", catalogue_units["urban"].pk): len(returned)}


def test_reasons_are_words_a_dispatcher_reads(catalogue_units, county, settings):
    catalogue = router.Catalogue.from_db()
    history = [
        router.Record(**{**r.__dict__, "community": county["community"].pk, "region": county["grid"].pk})
        for r in records(LAMP, catalogue_units["urban"])
        + records(DEED, catalogue_units["housing"], start=100)
    ]
    router.save(router.train(history, catalogue))
    assert router.model_path() == settings.INSIGHT_ROUTER_MODEL and settings.INSIGHT_ROUTER_MODEL.exists()
    (units,) = router.suggest_many(
        [router.Query("路灯坏了", "路灯不亮", county["grid"].pk, [("城乡建设", 0.9)])]
    )
    assert len(units) >= 2
    first = units[0]
    assert first["name"] == "县城管局"
    assert "该类诉求近90天由县城管局办理 20 件" in first["reasons"]
    assert "本社区同类诉求多由县城管局办理（20 件）" in first["reasons"]
    assert "目录规定：城乡建设 → 县住建局" in units[1]["reasons"]
    for u in units:
        for reason in u["reasons"]:
            assert not re.search(r"[a-z_]{3,}|\b\d+\.\d+|:\d", reason), reason  # no codes, ids or raw scores


def _history_in_db(users, make_appeal, catalogue_units, n=6):
    """Appeals dispatched by the dispatcher: street lamps to 城管局, deeds to 住建局, one lamp returned by 住建局."""
    dispatcher = users["dispatcher"]
    made = []
    for i in range(n):
        for texts, unit in ((LAMP, catalogue_units["urban"]), (DEED, catalogue_units["housing"])):
            text = texts[i % len(texts)]
            appeal = make_appeal(
                title=text, content=f"{text}，第{i}次反映，请有关部门尽快处理。", category=None
            )
            appeal_services.dispatch(dispatcher, appeal.pk, lead_unit=unit, category=catalogue_units["top"])
            made.append(appeal)
    wrong = make_appeal(title="路灯又坏了", content="小区门口的路灯又不亮了，请尽快修理。", category=None)
    appeal_services.dispatch(
        dispatcher, wrong.pk, lead_unit=catalogue_units["housing"], category=catalogue_units["top"]
    )
    appeal_services.request_return(users["handler"], wrong.pk, reason="路灯不属于本单位职责")
    appeal_services.approve_return(dispatcher, wrong.pk)
    appeal_services.dispatch(dispatcher, wrong.pk, lead_unit=catalogue_units["urban"])
    for i in range(3):  # a third unit: the property company took a few lamps in its own courtyard
        appeal = make_appeal(
            title="院内路灯坏了", content=f"社区院子里的路灯不亮了，第{i}次反映，请处理。", category=None
        )
        appeal_services.dispatch(
            dispatcher, appeal.pk, lead_unit=catalogue_units["property"], category=catalogue_units["top"]
        )
        made.append(appeal)
    return made, wrong


def test_history_reads_dispatches_and_approved_returns(users, make_appeal, catalogue_units):
    made, wrong = _history_in_db(users, make_appeal, catalogue_units, n=2)
    assert [r.unit for r in router.history()].count(catalogue_units["property"].pk) == 3
    found = [r for r in router.history() if r.appeal == wrong.pk]
    assert {(r.unit, r.positive) for r in found} == {
        (catalogue_units["housing"].pk, False),
        (catalogue_units["urban"].pk, True),
    }
    assert all(r.top == "城乡建设" for r in found)
    assert len([r for r in router.history() if r.positive]) == len(made) + 1


def test_train_router_command_evaluates_and_saves(
    users, make_appeal, catalogue_units, settings, tiny_model_path
):
    settings.INSIGHT_CLASSIFIER_MODEL = str(tiny_model_path)
    classifier.default_model.cache_clear()
    _history_in_db(users, make_appeal, catalogue_units, n=8)
    out = StringIO()
    call_command("train_router", "--evaluate", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    evaluate = lines[0]["evaluate"]
    assert evaluate["test_appeals"] >= 3 and evaluate["train_appeals"] >= 10
    assert 0 <= evaluate["catalogue"]["top1"] <= evaluate["router"]["top3"] <= 1
    assert lines[1]["trained"] is True and lines[1]["n_negative"] == 1
    assert settings.INSIGHT_ROUTER_MODEL.exists()
    from gongzhi.insight import tasks

    assert tasks.train_router.call()["trained"] is True
    assert ("gongzhi.insight.tasks.train_router", 24 * 3600) in settings.GONGZHI["PERIODIC_TASKS"]


def test_train_router_command_without_history(db):
    out = StringIO()
    call_command("train_router", stdout=out)
    assert json.loads(out.getvalue())["trained"] is False


@pytest.fixture
def routed_appeal(users, make_appeal, catalogue_units, settings, tiny_model_path):
    settings.INSIGHT_CLASSIFIER_MODEL = str(tiny_model_path)
    classifier.default_model.cache_clear()
    _history_in_db(users, make_appeal, catalogue_units)
    router.save(router.train(router.history(), router.Catalogue.from_db()))
    appeal = make_appeal(
        title="路灯坏了没人修", content="幸福小区门口的路灯坏了两周，晚上一片漆黑。", category=None
    )
    from gongzhi.insight import live

    prediction = live.record_prediction(appeal.pk)
    return appeal, prediction


def test_prediction_stores_three_units_with_reasons(routed_appeal, catalogue_units):
    _appeal, prediction = routed_appeal
    prediction = AppealPrediction.objects.get(pk=prediction.pk)
    assert len(prediction.units) == 3
    assert prediction.units[0]["unit"] == catalogue_units["urban"].pk == prediction.suggested_unit_id
    assert all(u["reasons"] for u in prediction.units)


def test_api_shape(routed_appeal, users, catalogue_units, county):
    appeal, _prediction = routed_appeal
    client = APIClient()
    client.force_authenticate(users["dispatcher"])
    body = client.get(f"/api/v1/insight/appeals/{appeal.pk}/units/").json()
    assert body["stored"] is True and body["appeal"] == appeal.pk
    assert [set(u) for u in body["units"]] == [{"unit", "name", "score", "reasons"}] * 3
    assert body["units"][0]["name"] == "县城管局"
    classified = client.post(
        "/api/v1/insight/classify/",
        {"title": "路灯不亮", "content": "路口路灯坏了", "region": county["grid"].pk},
        format="json",
    ).json()
    assert len(classified["units"]) == 3 and classified["units"][0]["reasons"]
    assert classified["suggested_unit"]["unit"] == classified["units"][0]["unit"]
    resident = APIClient()
    resident.force_authenticate(users["resident"])
    assert resident.get(f"/api/v1/insight/appeals/{appeal.pk}/units/").status_code == 403
    assert client.get("/api/v1/insight/appeals/999999/units/").status_code == 404


def test_the_dispatch_page_shows_three_units_with_reasons(routed_appeal, users, catalogue_units, client):
    appeal, _prediction = routed_appeal
    client.force_login(users["dispatcher"])
    html = client.get(f"/appeals/{appeal.pk}/").content.decode()
    block = html[html.index('id="route-units"') :]
    block = block[: block.index("</ol>")]
    assert block.count('class="route-unit"') == 3
    assert "县城管局" in block and "目录规定" in block
    assert "派单给 县城管局" in html


def test_a_broken_router_file_falls_back_to_the_catalogue(catalogue_units, county, settings):
    settings.INSIGHT_ROUTER_MODEL.parent.mkdir(parents=True, exist_ok=True)
    settings.INSIGHT_ROUTER_MODEL.write_bytes(b"not a model")
    (units,) = router.suggest_many([router.Query("房产证", "", county["grid"].pk, [("城乡建设", 0.9)])])
    assert units[0]["unit"] == catalogue_units["housing"].pk
    result = insight_services.classify_many(
        [("房产证", "办不下来", county["grid"])], model=classifier.default_model()
    )
    assert result[0]["units"][0]["name"] == "县住建局"


def test_a_closed_unit_is_not_suggested(catalogue_units, county):
    catalogue = router.Catalogue.from_db()
    history = records(LAMP, catalogue_units["urban"]) + records(DEED, catalogue_units["housing"], start=100)
    router.save(router.train(history, catalogue))
    Unit.objects.filter(pk=catalogue_units["urban"].pk).update(is_active=False)
    (units,) = router.suggest_many(
        [router.Query("路灯坏了", "路灯不亮", county["grid"].pk, [("城乡建设", 0.9)])], catalogue=catalogue
    )
    assert units and catalogue_units["urban"].pk not in [u["unit"] for u in units]
