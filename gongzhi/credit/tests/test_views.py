"""The pages: the officer walks a case, the enterprise sees and applies, the public sees only what is published."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.credit.choices import CaseState
from gongzhi.credit.models import EnforcementCase, Enterprise

from .conftest import PASSWORD, uscc

D = date.fromisoformat


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_officer_registers_and_walks_a_case(client, officer):
    login(client, officer)
    r = client.post(
        reverse("credit:enterprise_new"),
        {
            "name": "长沙某科技有限公司",
            "uscc": uscc("91430100MA4L0XY3Q"),
            "contact_name": "王经理",
            "contact_phone": "13500135000",
        },
    )
    assert r.status_code == 302
    enterprise = Enterprise.objects.get()
    good = uscc("91430100MA4L0XY4Q")
    bad = good[:-1] + ("1" if good[-1] == "0" else "0")
    r = client.post(
        reverse("credit:enterprise_new"),
        {"name": "坏码公司", "uscc": bad, "contact_name": "王", "contact_phone": "13500135000"},
    )
    assert r.status_code == 200 and "统一社会信用代码无效" in r.content.decode()
    r = client.post(
        reverse("credit:case_new"),
        {
            "enterprise": enterprise.pk,
            "court": "示范县人民法院",
            "case_number": "(2026)湘0101执9号",
            "basis_document": "民事判决书",
            "creditor": "张三",
            "obligation": "支付货款",
            "amount": "50000",
            "filed_on": "2026-01-05",
            "warned_on": "2026-01-06",
        },
    )
    case = EnforcementCase.objects.get()
    assert r.status_code == 302 and r.url == reverse("credit:case", args=[case.pk])
    page = client.get(r.url).content.decode()
    assert "送达预惩戒通知书" in page and "作出纳入决定" in page
    r = client.post(
        reverse("credit:act", args=[case.pk, "issue_notice"]),
        {
            "issue_notice-grace_months": "2",
            "issue_notice-intended_ground": "G1",
            "issue_notice-reason": "有履行意愿、暂时困难",
        },
        follow=True,
    )
    assert "已送达预惩戒通知书" in r.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.IN_GRACE
    r = client.get(reverse("credit:document", args=[case.pk, "notice"]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    r = client.post(
        reverse("credit:act", args=[case.pk, "decide_listing"]),
        {
            "decide_listing-ground": "G1",
            "decide_listing-decision_number": "决1",
            "decide_listing-reason": "拒不履行",
            "decide_listing-signed_by": "赵院长",
            "decide_listing-decided_on": "2026-11-27",
            "decide_listing-served_on": "2026-11-27",
        },
        follow=True,
    )
    assert "届满前不得作出纳入决定" in r.content.decode()  # a refusal is shown, never a 500
    r = client.post(
        reverse("credit:act", args=[case.pk, "settle"]), {"settle-settlement": "performed"}, follow=True
    )
    case.refresh_from_db()
    assert case.state == CaseState.NOT_LISTED
    r = client.post(reverse("credit:act", args=[case.pk, "publish"]), {}, follow=True)
    assert "不能执行" in r.content.decode()
    assert client.post(reverse("credit:act", args=[case.pk, "nonsense"]), {}).status_code == 404


def test_board_lists_by_next_deadline(client, officer, make_case):
    first = make_case(creditor_applied_on=D("2026-06-01"))
    second = make_case(creditor_applied_on=D("2026-05-01"))
    page = login(client, officer).get(reverse("credit:board")).content.decode()
    assert page.index(second.case_number) < page.index(first.case_number)
    assert "信用平台逾期未确认" in page


def test_board_is_for_officers_only(client, boss, users):
    login(client, users["supervisor"])
    assert client.get(reverse("credit:board")).status_code == 403
    client.logout()
    assert client.get(reverse("credit:board")).status_code == 302


def test_enterprise_page_and_repair(client, boss, officer, published_case):
    case = published_case("G1")
    login(client, boss)
    page = client.get(reverse("credit:mine")).content.decode()
    assert case.case_number in page and "申请信用修复" in page
    r = client.post(
        reverse("credit:repair_apply", args=[case.pk]),
        {
            f"r{case.pk}-ground": "performance",
            f"r{case.pk}-statement": "已全部履行完毕",
            f"r{case.pk}-commitment": "本企业承诺所提交材料真实，违反承诺自愿承担责任",
            f"r{case.pk}-evidence": SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n", "application/pdf"),
        },
        follow=True,
    )
    assert "信用修复申请已提交" in r.content.decode()
    assert client.get(reverse("credit:case", args=[case.pk])).status_code == 302  # contacts go to their page
    client.logout()
    login(client, officer)
    application = case.repairs.get()
    client.post(
        reverse("credit:decide_repair", args=[application.pk]),
        {"decision-approve": "yes", "decision-reason": "准予修复"},
    )
    case.refresh_from_db()
    assert case.state == CaseState.SHIELDED
    assert client.get(reverse("credit:document", args=[case.pk, "repair"])).status_code == 200


def test_strangers_see_no_case(client, users, published_case):
    case = published_case("G1")
    login(client, users["resident"])
    assert client.get(reverse("credit:mine")).status_code == 403
    assert client.get(reverse("credit:document", args=[case.pk, "decision"])).status_code == 404


def test_public_query_shows_only_published(client, officer, published_case, make_case, enterprise):
    warned = make_case()
    r = client.get(reverse("credit:query"), {"q": enterprise.uscc})
    assert r.status_code == 200 and "未查询到" in r.content.decode()
    case = published_case("G1")
    page = client.get(reverse("credit:query"), {"q": enterprise.uscc}).content.decode()
    assert page.count('class="result"') == 1 and case.case_number in page and warned.case_number not in page
    assert case.case_number in client.get(reverse("credit:query"), {"q": "湘江建材"}).content.decode()
    assert "未查询到" in client.get(reverse("credit:query"), {"q": "不存在的公司"}).content.decode()
