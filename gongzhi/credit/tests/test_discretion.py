"""行政处罚裁量基准 (issue O item 3, 过罚相当): a penalty inside its band, one outside it (a written reason and a
second officer's approval), the table imported as departments publish it, and the admin's edits audited."""

import pytest
from django.core.management import call_command

from gongzhi.core.choices import Role
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import AuditEvent
from gongzhi.core.testing import client_for, make_user, text
from gongzhi.credit import discretion, services
from gongzhi.credit.demo import DISCRETION_TABLE
from gongzhi.credit.models import DiscretionBand, DiscretionBenchmark

FACTORS = {
    "first_violation": False,
    "minor_violation": False,
    "corrected_promptly": False,
    "harm": "other",
    "no_fault_proven": False,
}


@pytest.fixture
def table(officer):
    discretion.import_benchmarks(officer, DISCRETION_TABLE.encode(), "基准.csv")
    return {(b.benchmark.code, b.grade): b for b in DiscretionBand.objects.select_related("benchmark")}


def record(
    officer, enterprise, band, *, fine, types=("confiscation", "fine"), reason="", number="罚〔2026〕1号"
):
    return services.record_penalty(
        officer,
        enterprise=enterprise,
        authority="示范区市场监督管理局",
        decision_number=number,
        decided_on="2026-11-02",
        facts="未按规定明码标价",
        penalty_types=list(types),
        severity="minor",
        fine_amount=fine,
        band_id=band.pk,
        outside_reason=reason,
        **FACTORS,
    )


def test_the_published_table_imports_with_every_grade(table):
    assert DiscretionBenchmark.objects.count() == 2 and len(table) == 8
    band = table[("SJ-JG-42", "general")]
    assert band.measures == ["fine", "confiscation"] and (band.fine_min, band.fine_max) == (0, 2000)
    assert "罚款 0–2,000 元" in discretion.band_text(band)
    assert table[("SJ-JG-42", "minor")].fine_max is None and "不罚款" in discretion.band_text(
        table[("SJ-JG-42", "minor")]
    )


def test_a_decision_inside_its_band(officer, enterprise, table):
    penalty = record(officer, enterprise, table[("SJ-JG-42", "general")], fine="1500")
    assert not penalty.outside_band and not penalty.awaiting_approval


def test_a_decision_outside_its_band_needs_a_reason_and_a_second_officer(officer, enterprise, table):
    band = table[("SJ-JG-42", "general")]
    with pytest.raises(ServiceError) as refused:
        record(officer, enterprise, band, fine="3000")
    assert refused.value.field == "outside_reason" and "高于基准上限 2,000 元" in refused.value.message
    penalty = record(officer, enterprise, band, fine="3000", reason="拒不改正，未标价商品多达42种，情节较重")
    assert penalty.outside_band and penalty.awaiting_approval
    with pytest.raises(PermissionDeniedError):
        discretion.approve_outside_band(officer, penalty.pk)  # not the recorder
    second = make_user("officer2", Role.CREDIT_OFFICER, is_staff=True)
    discretion.approve_outside_band(second, penalty.pk)
    penalty.refresh_from_db()
    assert penalty.band_approved_by == second and not penalty.awaiting_approval
    with pytest.raises(IllegalTransition):
        discretion.approve_outside_band(second, penalty.pk)
    assert AuditEvent.objects.filter(action="approve_outside_band").exists()


def test_a_measure_the_band_does_not_allow_is_outside(officer, enterprise, table):
    band = table[("SJ-JG-42", "minor")]  # no fine in this grade
    assert discretion.departures(band, ["confiscation", "fine"], 500) == [
        "处罚种类「罚款」不在基准范围内",
        "基准不罚款，本决定罚款 500 元",
    ]


def test_a_bad_table_is_refused_with_its_row(officer):
    bad = DISCRETION_TABLE.replace("较重", "很重", 1)
    with pytest.raises(ServiceError) as refused:
        discretion.import_benchmarks(officer, bad.encode(), "基准.csv")
    assert "第4行" in refused.value.message and "轻微、一般、较重或严重" in refused.value.message
    assert not DiscretionBenchmark.objects.exists()  # nothing of a refused file
    header_only = DISCRETION_TABLE.splitlines()[0].replace("违法依据,", "")
    with pytest.raises(ServiceError) as missing:
        discretion.import_benchmarks(officer, header_only.encode(), "基准.csv")
    assert "违法依据" in missing.value.message


def test_the_command_imports_a_file(officer, tmp_path):
    path = tmp_path / "基准.csv"
    path.write_text(DISCRETION_TABLE, encoding="utf-8")
    call_command("import_discretion", str(path), "--as", officer.username)
    assert DiscretionBand.objects.count() == 8


def test_the_penalty_page_shows_the_band_and_the_second_officer_approves(officer, enterprise, table):
    penalty = record(
        officer,
        enterprise,
        table[("SJ-JG-42", "general")],
        fine="3000",
        reason="拒不改正，未标价商品多达42种，情节较重",
    )
    mine = text(client_for(officer).get(f"/credit/penalties/{penalty.pk}/"))
    assert "罚款 0–2,000 元" in mine and "超出基准" in mine and "待另一名信用专员审批" in mine
    assert "审批同意超出基准的决定" not in mine  # not for the recorder
    second = make_user("officer2", Role.CREDIT_OFFICER, is_staff=True)
    client = client_for(second)
    assert "审批同意超出基准的决定" in text(client.get(f"/credit/penalties/{penalty.pk}/"))
    done = client.post(f"/credit/penalties/{penalty.pk}/", {"approve_band": "1"}, follow=True)
    assert "已审批" in text(done) and "审批同意" in text(done)


def test_the_admin_edits_bands_on_the_audit_trail(table, users):
    client = client_for(users["admin"])
    benchmark = DiscretionBenchmark.objects.get(code="SJ-JG-42")
    assert client.get(f"/admin/credit/discretionbenchmark/{benchmark.pk}/change/").status_code == 200
    assert client.get("/admin/credit/discretionbenchmark/import/").status_code == 200
    bands = list(benchmark.bands.order_by("id"))
    data = {
        "field": benchmark.field,
        "code": benchmark.code,
        "violation": benchmark.violation,
        "legal_basis": benchmark.legal_basis,
        "penalty_basis": benchmark.penalty_basis,
        "source": benchmark.source,
        "is_active": "on",
        "bands-TOTAL_FORMS": len(bands),
        "bands-INITIAL_FORMS": len(bands),
        "bands-MIN_NUM_FORMS": 0,
        "bands-MAX_NUM_FORMS": 1000,
    }
    for i, band in enumerate(bands):
        data.update(
            {
                f"bands-{i}-id": band.pk,
                f"bands-{i}-benchmark": benchmark.pk,
                f"bands-{i}-grade": band.grade,
                f"bands-{i}-circumstances": band.circumstances,
                f"bands-{i}-measures": band.measures,
                f"bands-{i}-fine_min": band.fine_min if band.fine_min is not None else "",
                f"bands-{i}-fine_max": band.fine_max if band.fine_max is not None else "",
            }
        )
    data["bands-1-fine_max"] = "2500"
    response = client.post(f"/admin/credit/discretionbenchmark/{benchmark.pk}/change/", data)
    assert response.status_code == 302, text(response)[:3000]
    assert DiscretionBand.objects.get(pk=bands[1].pk).fine_max == 2500
    event = AuditEvent.objects.get(action="change_discretion")
    assert event.target == f"credit.discretion:{benchmark.pk}" and "2500" in str(event.after)
    data["bands-1-fine_min"], data["bands-1-fine_max"] = "3000", "1000"
    refused = client.post(f"/admin/credit/discretionbenchmark/{benchmark.pk}/change/", data)
    assert "罚款上限不能低于下限" in text(refused)


def test_the_api_records_under_a_band_and_a_second_officer_approves(officer, enterprise, table):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(officer)
    body = {
        "enterprise": enterprise.pk,
        "authority": "示范区市场监督管理局",
        "decision_number": "罚〔2026〕9号",
        "decided_on": "2026-11-02",
        "facts": "未按规定明码标价",
        "penalty_types": ["confiscation", "fine"],
        "severity": "minor",
        "fine_amount": "3000",
        "band_id": table[("SJ-JG-42", "general")].pk,
        **FACTORS,
    }
    refused = api.post("/api/v1/credit/penalties/", body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "outside_band"
    made = api.post(
        "/api/v1/credit/penalties/",
        {**body, "outside_reason": "拒不改正，未标价商品多达42种，情节较重"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert made.json()["discretion"]["awaiting_approval"] is True
    pk = made.json()["id"]
    assert api.post(f"/api/v1/credit/penalties/{pk}/approve-band/", {}, format="json").status_code == 403
    second = APIClient()
    second.force_authenticate(make_user("officer2", Role.CREDIT_OFFICER, is_staff=True))
    approved = second.post(f"/api/v1/credit/penalties/{pk}/approve-band/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["discretion"]["awaiting_approval"] is False
