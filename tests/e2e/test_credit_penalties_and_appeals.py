"""Enterprise credit in a real browser (issue 6, parts C–D and 急企业之所急):

an officer records administrative penalties through the 行政处罚法 第33条 check first — a 首违不罚 case where the
officer still penalises with a reason, then sees the classification, the publicity period and the repair
eligibility change once the penalty is performed; and a minor, corrected, harmless violation where the penalty
form is withheld and the 不予行政处罚决定 is recorded instead. An enterprise's contact submits an appeal from its
own page, an operator records another on its behalf, and both show on the enterprise's pages with their state.
Screenshots illustrate docs/guide/credit.md.
"""

from datetime import timedelta

import pytest
from django.urls import resolve
from django.utils import timezone

from gongzhi.appeals import services as appeal_services
from gongzhi.core.choices import RegionLevel, Role, UnitKind
from gongzhi.core.models import Region, Unit
from gongzhi.core.testing import make_user
from gongzhi.credit import services
from gongzhi.credit.models import AdministrativePenalty, EnterpriseAppeal, PenaltyExemptionDecision
from gongzhi.credit.testing import uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def days_ago(n: int) -> str:
    return (timezone.localdate() - timedelta(days=n)).isoformat()


@pytest.fixture
def world(db):
    # Import the URLconf (every app's views) here rather than in the live server's first request, which on a busy
    # machine can outlast the browser's navigation timeout.
    resolve("/accounts/login/")
    officer = make_user("credit1", Role.CREDIT_OFFICER, is_staff=True, display_name="王专员")
    boss = make_user("boss1", None, phone="13600136001", display_name="刘总")
    enterprise = services.create_enterprise(
        officer,
        name="长沙诚信科技有限公司",
        uscc=uscc("91430100MA4L0XY1Q"),
        legal_representative="刘一",
        contacts=[{"name": "刘总", "phone": "13600136001", "is_primary": True}],
    )
    return officer, boss, enterprise


def test_penalty_with_the_article_33_check_first(new_context, shot, world, login):
    _officer, _boss, enterprise = world
    page = login(new_context("desktop"), "credit1")
    page.goto("/credit/")
    page.click("main a[href='/credit/enterprises/']")
    page.click(f"text={enterprise.name}")
    page.click("#new-penalty")

    # ---- 首违不罚 applies (first violation, minor harm, corrected): the officer may still penalise, with reasons
    page.fill("#id_facts", "销售的预包装食品标签未标注生产日期")
    page.check("#id_first_violation")
    page.check("#id_corrected_promptly")
    page.select_option("#id_harm", "minor")
    page.click("#check-form button[type=submit]")
    outcome = page.locator("#check-outcome")
    assert outcome.get_attribute("data-result") == "discretionary"
    assert "首违不罚" in outcome.inner_text() and "须写明理由" in outcome.inner_text()
    assert page.locator("#exemption-form").count() == 1 and page.locator("#penalty-form").count() == 1
    shot(page, "credit-penalty-check")
    form = page.locator("#penalty-form")
    form.locator("[name='p-authority']").fill("示范县市场监督管理局")
    form.locator("[name='p-decision_number']").fill("市监罚〔2026〕21号")
    form.locator("[name='p-decided_on']").fill(days_ago(100))
    form.locator("input[name='p-penalty_types'][value='fine']").check()
    form.locator("[name='p-fine_amount']").fill("3000")
    form.locator("[name='p-severity']").select_option("general")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "不适用首违不罚的理由" in page.locator("#penalty-form").inner_text()  # refused without the reason
    assert not AdministrativePenalty.objects.exists()
    page.locator("[name='p-exemption_declined_reason']").fill("一年内同类违法已被责令改正，不宜首违不罚")
    page.locator("#penalty-form button[type=submit]").click()
    page.wait_for_selector("#classification")
    assert page.locator("#severity").inner_text() == "一般"
    publicity = page.locator("#publicity").inner_text()
    assert "信用修复管理办法" in publicity and "最短3个月" in publicity and "最长12个月" in publicity
    assert "暂不符合信用修复条件" in page.locator("#repair-verdict").inner_text()
    assert "尚未全面履行" in page.locator("#repair-reasons").inner_text()
    shot(page, "credit-penalty-record")
    page.fill("[name='note']", "罚款已缴清，标签已整改")
    page.click("#performed-form button[type=submit]")
    page.wait_for_selector("text=已记录履行完毕")
    assert page.locator("#repair-verdict").inner_text() == "符合信用修复条件"
    assert "可以申请信用修复" in page.locator("#repair-reasons").inner_text()

    # ---- minor, corrected and harmless: no penalty may be recorded; the exemption decision is recorded instead
    page.goto(f"/credit/enterprises/{enterprise.pk}/penalties/new/")
    page.fill("#id_facts", "未按时公示年度报告，经提醒当日补报")
    page.check("#id_minor_violation")
    page.check("#id_corrected_promptly")
    page.select_option("#id_harm", "none")
    page.click("#check-form button[type=submit]")
    assert page.locator("#check-outcome").get_attribute("data-result") == "mandatory"
    assert "不予行政处罚" in page.locator("#check-outcome").inner_text()
    assert page.locator("#penalty-form").count() == 0
    form = page.locator("#exemption-form")
    form.locator("[name='x-authority']").fill("示范县市场监督管理局")
    form.locator("[name='x-decision_number']").fill("市监不罚〔2026〕5号")
    form.locator("[name='x-decided_on']").fill(days_ago(1))
    shot(page, "credit-penalty-exempt")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已记录不予行政处罚决定")
    assert "市监不罚〔2026〕5号" in page.locator("#penalties").inner_text()
    assert PenaltyExemptionDecision.objects.get().exemption == "mandatory"
    assert AdministrativePenalty.objects.count() == 1
    page.goto("/credit/penalties/")
    assert page.locator(".penalty-row").count() == 1 and page.locator(".exemption-row").count() == 1
    shot(page, "credit-penalties")

    # ---- the enterprise sees its record and what repair needs
    b_page = login(new_context("mobile"), "boss1")
    b_page.goto("/credit/mine/")
    assert "市监罚〔2026〕21号" in b_page.content() and "可以申请" in b_page.content()
    b_page.click("text=市监罚〔2026〕21号")
    assert b_page.locator("#repair-verdict").inner_text() == "符合信用修复条件"
    assert b_page.locator("#performed-form").count() == 0


def test_enterprise_appeals(new_context, shot, world, login):
    _officer, boss, enterprise = world
    county = Region.objects.create(code="430100", name="示范县", level=RegionLevel.COUNTY)
    street = Region.objects.create(code="430101", name="东风街道", level=RegionLevel.STREET, parent=county)
    park = Region.objects.create(
        code="43010101", name="工业园社区", level=RegionLevel.COMMUNITY, parent=street
    )
    unit = Unit.objects.create(code="U-GX", name="县工信局", kind=UnitKind.DEPARTMENT, region=county)
    make_user("operator1", Role.OPERATOR, is_staff=True, display_name="话务员小张")
    dispatcher = make_user("dispatcher1", Role.DISPATCHER, is_staff=True)

    # ---- the contact submits from the enterprise's own page
    b_page = login(new_context("mobile"), "boss1")
    b_page.goto("/credit/mine/")
    b_page.click("text=提交企业诉求")
    b_page.select_option("#id_kind", "help")
    b_page.fill("#id_title", "园区道路积水影响货车进出")
    b_page.fill("#id_content", "工业园东门市政道路每逢下雨积水半米，货车无法进出，已影响交货。")
    b_page.select_option("#id_region", str(park.pk))
    shot(b_page, "credit-enterprise-appeal")
    b_page.click("main button[type=submit]")
    b_page.wait_for_selector("text=企业诉求已受理")
    first = EnterpriseAppeal.objects.get()
    assert first.appeal.channel == "enterprise" and first.appeal.appellant == boss
    row = b_page.locator(".enterprise-appeal", has_text=first.appeal.number)
    assert row.locator(".appeal-state").inner_text() == "已受理"

    # ---- an operator records another on the enterprise's behalf
    o_page = login(new_context("desktop"), "operator1")
    o_page.click("header a:has-text('企业诉求')")
    o_page.fill("#id_q", "诚信科技")
    o_page.click("main button[type=submit]")
    o_page.click(f"text={enterprise.name}")
    o_page.click("#new-enterprise-appeal")
    o_page.select_option("#id_kind", "consultation")
    o_page.fill("#id_title", "咨询技改补贴申报条件")
    o_page.fill("#id_content", "企业来电咨询今年技术改造补贴的申报条件和截止时间。")
    o_page.select_option("#id_region", str(park.pk))
    o_page.fill("#id_contact_name", "王会计")
    o_page.fill("#id_contact_phone", "13711112222")
    o_page.click("main button[type=submit]")
    o_page.wait_for_selector("text=企业诉求已受理")
    assert o_page.locator(".enterprise-appeal").count() == 2
    second = EnterpriseAppeal.objects.exclude(pk=first.pk).get()
    assert second.on_behalf and second.appeal.first_receiver.username == "operator1"

    # ---- the normal workflow moves it on; the enterprise and the officer see the state
    appeal_services.dispatch(dispatcher, first.appeal.pk, lead_unit=unit)
    b_page.reload()
    row = b_page.locator(".enterprise-appeal", has_text=first.appeal.number)
    assert row.locator(".appeal-state").inner_text() == "已派单"
    shot(b_page, "credit-enterprise-appeals")
    c_page = login(new_context("desktop"), "credit1")
    c_page.goto(f"/credit/enterprises/{enterprise.pk}/")
    states = c_page.locator("#appeals .appeal-state").all_inner_texts()
    assert sorted(states) == ["已受理", "已派单"]
    assert "话务员代为登记" in c_page.locator("#appeals").inner_text()
    shot(c_page, "credit-enterprise-page")
