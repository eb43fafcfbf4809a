"""Enterprise credit in a real browser (issue 6):

one enterprise gets a pre-punishment notice, a grace period, and settles — no listing; another is noticed,
listed and published, applies for credit repair with evidence, is shielded, and every credit platform
(two signed webhooks on a real local HTTP receiver and a file drop) confirms each change.
Screenshots illustrate docs/guide/credit.md.
"""

import pytest

from gongzhi.core import outbox
from gongzhi.core.choices import Role
from gongzhi.core.outbox import OutboxMessage
from gongzhi.core.testing import make_user
from gongzhi.core.tests.receiver import Receiver
from gongzhi.credit import services
from gongzhi.credit.choices import CaseState
from gongzhi.credit.models import EnforcementCase
from gongzhi.credit.testing import uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF = b"%PDF-1.4\n% evidence of performance\n"


def act(page, action: str, fields: dict | None = None, selects: dict | None = None):
    panel = page.locator(f"#action-{action}")
    panel.evaluate("el => el.open = true")
    for name, value in (selects or {}).items():
        page.select_option(f"[name='{action}-{name}']", value)
    for name, value in (fields or {}).items():
        page.fill(f"[name='{action}-{name}']", value)
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state()


def open_case(page, enterprise_name: str, number: str):
    page.goto("/credit/cases/new/")
    page.select_option("#id_enterprise", label=enterprise_name)
    for field, value in {
        "court": "示范县人民法院",
        "case_number": number,
        "basis_document": "(2025)湘0101民初88号民事判决书",
        "creditor": "张三",
        "obligation": "支付货款及利息",
        "amount": "120000",
        "filed_on": "2026-01-05",
        "warned_on": "2026-01-06",
    }.items():
        page.fill(f"#id_{field}", value)
    page.click("main button[type=submit]")
    page.wait_for_selector("#case-state")
    return EnforcementCase.objects.get(case_number=number)


def test_credit_flow(new_context, shot, tmp_path, login, settings):
    officer = make_user("credit1", Role.CREDIT_OFFICER, is_staff=True, display_name="王法官")
    boss_a = make_user("boss_a", None, phone="13600136001", display_name="刘总")
    boss_b = make_user("boss_b", None, phone="13600136002", display_name="陈总")
    with Receiver() as receiver:
        settings.GONGZHI = {
            **settings.GONGZHI,
            "OUTBOUND_ALLOWED_HOSTS": [receiver.url.removeprefix("http://")],
            "FILE_DROP_ROOT": str(tmp_path),
        }  # loopback and a temporary folder (core.netguard)
        services.create_platform(
            officer, name="信用中国", backend="webhook", address=receiver.url + "/xyzg", secret="s" * 32
        )
        services.create_platform(
            officer, name="征信系统", backend="webhook", address=receiver.url + "/zx", secret="z" * 32
        )
        services.create_platform(
            officer, name="第三方信用平台", backend="file", address=str(tmp_path / "drop")
        )
        services.create_enterprise(
            officer,
            name="湘江建材有限公司",
            uscc=uscc("91430100MA4L0XY2Q"),
            legal_representative="陈四",
            contacts=[{"name": "陈总", "user": boss_b}],
        )

        desk = new_context("desktop")
        page = login(desk, "credit1")
        # ---- enterprise A: registered in the browser, noticed, settles within the grace period
        page.goto("/credit/enterprises/new/")
        page.fill("#id_name", "长沙诚信科技有限公司")
        page.fill("#id_uscc", uscc("91430100MA4L0XY1Q"))
        page.fill("#id_contact_name", "刘总")
        page.fill("#id_contact_phone", "13600136001")
        page.click("main button[type=submit]")
        page.wait_for_url("**/credit/cases/new/")
        assert boss_a.enterprise_contacts.exists()  # linked by the mobile number they log in with
        case_a = open_case(page, "长沙诚信科技有限公司", "(2026)湘0101执101号")
        act(
            page,
            "issue_notice",
            {"reason": "有履行意愿、暂时经营困难"},
            {"grace_months": "2", "intended_ground": "G1"},
        )
        assert page.locator("#case-state").inner_text() == "宽限期中"
        shot(page, "credit-case-in-grace")
        a_page = login(new_context("mobile"), "boss_a")
        a_page.goto("/credit/mine/")
        assert "宽限期至" in a_page.content() and "不纳入失信名单" in a_page.content()
        shot(a_page, "credit-enterprise-grace")
        act(page, "settle", selects={"settlement": "performed"})
        assert page.locator("#case-state").inner_text() == "已履行，未纳入"
        case_a.refresh_from_db()
        assert case_a.state == CaseState.NOT_LISTED

        # ---- enterprise B: noticed long ago, listed, published, repaired, shielded
        case_b = open_case(page, "湘江建材有限公司", "(2026)湘0101执102号")
        act(
            page,
            "issue_notice",
            {"reason": "给予宽限", "notice_on": "2026-06-01"},
            {"grace_months": "1", "intended_ground": "G1"},
        )
        act(
            page,
            "decide_listing",
            {
                "decision_number": "(2026)湘0101执102号之一",
                "reason": "有履行能力而拒不履行",
                "signed_by": "赵院长",
                "decided_on": "2026-11-20",
                "served_on": "2026-11-20",
            },
            {"ground": "G1"},
        )
        assert page.locator("#case-state").inner_text() == "已决定纳入，待公布"
        act(page, "publish", {"published_on": "2026-11-21"})
        assert page.locator("#case-state").inner_text() == "已公布"
        public = new_context("mobile").new_page()
        public.goto("/credit/query/?q=湘江建材")
        assert public.locator(".result").count() == 1
        shot(public, "credit-public-query")

        b_page = login(new_context("mobile"), "boss_b")
        b_page.goto("/credit/mine/")
        b_page.locator("summary:has-text('申请信用修复')").click()
        prefix = f"r{case_b.pk}"
        b_page.select_option(f"[name='{prefix}-ground']", "performance")
        b_page.fill(f"[name='{prefix}-statement']", "已于2026年11月全部履行判决确定的付款义务")
        b_page.set_input_files(
            f"[name='{prefix}-evidence']",
            files=[{"name": "履行证明.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        shot(b_page, "credit-repair-apply")
        b_page.click("button:has-text('提交修复申请')")
        b_page.wait_for_selector("text=信用修复申请已提交")

        page.goto(f"/credit/cases/{case_b.pk}/")
        page.select_option("[name='decision-approve']", "yes")
        page.fill("[name='decision-reason']", "已全部履行，材料真实，准予修复")
        page.click("button:has-text('作出修复决定')")
        page.wait_for_load_state()
        assert page.locator("#case-state").inner_text() == "已修复屏蔽"
        public.goto("/credit/query/?q=湘江建材")
        assert public.locator("#no-results").count() == 1

        # ---- the worker delivers to every platform; the file platform confirms by writing .ack files
        outbox.deliver_due()
        for message in (tmp_path / "drop").glob("*.json"):
            message.with_suffix(".ack").write_text("ok")
        outbox.collect_file_acks()
        messages = OutboxMessage.objects.filter(subject=f"credit.case:{case_b.pk}")
        assert messages.count() == 6  # publication and shielding × 3 platforms
        assert not messages.filter(acknowledged_at__isnull=True).exists()
        assert len(receiver.processed) == 4
        page.reload()
        statuses = page.locator("#sync .sync-status").all_inner_texts()
        assert statuses == ["已确认"] * 6
        shot(page, "credit-case-synced")
        page.goto("/credit/")
        assert "所有平台均已按时确认" in page.content()
        shot(page, "credit-board")
        b_page.goto("/credit/mine/")
        assert "已准予信用修复" in b_page.content()
