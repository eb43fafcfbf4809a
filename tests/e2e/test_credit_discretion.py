"""过罚相当 in a real browser (issue O item 3): with the demo's 市场监管 benchmark, an officer records one penalty
inside its band and another above it — refused without a reason, then saved with one as 待审批 — and a second officer
approves it on the penalty's page; both pages show the band beside the decision."""

from datetime import timedelta

import pytest
from django.urls import resolve
from django.utils import timezone

from gongzhi.core.choices import Role
from gongzhi.core.testing import make_user
from gongzhi.credit import discretion, services
from gongzhi.credit.demo import DISCRETION_TABLE
from gongzhi.credit.models import AdministrativePenalty, DiscretionBand
from gongzhi.credit.testing import uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def penalise(page, enterprise, band, *, number: str, fine: str, reason: str = ""):
    page.goto(f"/credit/enterprises/{enterprise.pk}/penalties/new/")
    page.fill("#id_facts", "未按规定明码标价")
    page.select_option("#id_harm", "other")
    page.click("#check-form button[type=submit]")
    form = page.locator("#penalty-form")
    form.locator("[name='p-authority']").fill("示范区市场监督管理局")
    form.locator("[name='p-decision_number']").fill(number)
    form.locator("[name='p-decided_on']").fill((timezone.localdate() - timedelta(days=3)).isoformat())
    form.locator("[name='p-band']").select_option(str(band.pk))
    form.locator("input[name='p-penalty_types'][value='fine']").check()
    form.locator("[name='p-fine_amount']").fill(fine)
    form.locator("[name='p-severity']").select_option("minor")
    if reason:
        form.locator("[name='p-outside_reason']").fill(reason)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_inside_the_band_and_outside_it_with_a_second_officers_approval(new_context, login, shot):
    resolve("/accounts/login/")
    officer = make_user("credit1", Role.CREDIT_OFFICER, is_staff=True, display_name="王专员")
    make_user("credit2", Role.CREDIT_OFFICER, is_staff=True, display_name="李专员")
    discretion.import_benchmarks(officer, DISCRETION_TABLE.encode(), "基准.csv")
    band = DiscretionBand.objects.get(benchmark__code="SJ-JG-42", grade="general")  # fine 0–2,000 元
    enterprise = services.create_enterprise(
        officer,
        name="示范区惠民超市有限公司",
        uscc=uscc("91430100MA4L0XY1Q"),
        legal_representative="赵一",
        contacts=[],
    )

    page = login(new_context("desktop"), "credit1")
    penalise(page, enterprise, band, number="市监罚〔2026〕31号", fine="1500")
    page.wait_for_selector("#band-verdict")
    assert "在基准范围内" in page.inner_text("#band-verdict")
    assert "罚款 0–2,000 元" in page.inner_text("#discretion")

    penalise(page, enterprise, band, number="市监罚〔2026〕32号", fine="5000")
    assert "高于基准上限 2,000 元" in page.inner_text("#penalty-form")  # refused, where the eye is
    assert page.input_value("[name='p-decision_number']") == "市监罚〔2026〕32号"  # what was typed is kept
    page.locator("[name='p-outside_reason']").fill("拒不改正，未标价商品多达42种，情节较重")
    page.locator("#penalty-form button[type=submit]").click()
    page.wait_for_selector("#band-verdict")
    assert "待另一名信用专员审批" in page.inner_text("#band-verdict")
    assert (
        page.locator("button:has-text('审批同意超出基准的决定')").count() == 0
    )  # not by the one who recorded it
    outside = AdministrativePenalty.objects.get(decision_number="市监罚〔2026〕32号")
    shot(page, "credit-penalty-outside-band")

    second = login(new_context("desktop"), "credit2")
    second.goto(f"/credit/penalties/{outside.pk}/")
    second.click("button:has-text('审批同意超出基准的决定')")
    second.wait_for_selector("text=已由 李专员")
    outside.refresh_from_db()
    assert outside.band_approved_by.username == "credit2"
