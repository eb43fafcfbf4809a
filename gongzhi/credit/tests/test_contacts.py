"""Enterprise contacts reach their own credit page: a credit officer adds them on the enterprise's page, and a contact
whose number is registered is linked at their first phone-code login."""

import re

from django.test import Client
from django.urls import reverse

from gongzhi.core.choices import NotificationChannel
from gongzhi.core.models import AuditEvent, Notification
from gongzhi.credit.models import EnterpriseContact

from .conftest import make_user

PHONE = "13712345678"


def last_code(phone: str) -> str:
    body = Notification.objects.filter(phone=phone, channel=NotificationChannel.SMS).latest("id").body
    found = re.search(r"验证码是 (\d{6})", body)
    assert found, body
    return found.group(1)


def test_officer_adds_a_contact_who_sees_the_enterprise_at_first_sms_login(officer, enterprise):
    staff = Client()
    staff.force_login(officer)
    page = staff.get(reverse("credit:enterprise", args=[enterprise.pk])).content.decode()
    assert "添加联系人" in page
    added = staff.post(
        reverse("credit:contact_add", args=[enterprise.pk]),
        {"contact-name": "周会计", "contact-phone": PHONE},
        follow=True,
    )
    assert "已添加联系人周会计，其首次登录后自动绑定" in added.content.decode()
    contact = EnterpriseContact.objects.get(phone=PHONE)
    assert contact.user is None
    assert (
        AuditEvent.objects.filter(action="add_contact", target=f"credit.enterprise:{enterprise.pk}").count()
        == 2
    )
    # An officer's menu has the credit board, not 本企业信用.
    assert "本企业信用" not in staff.get("/").content.decode()

    resident = Client()
    resident.post(reverse("core:phone_login"), {"step": "send", "phone": PHONE})
    resident.post(reverse("core:phone_login"), {"step": "verify", "code": last_code(PHONE), "agree": "on"})
    contact.refresh_from_db()
    assert contact.user is not None and contact.user.phone == PHONE
    assert AuditEvent.objects.filter(action="link_contact").count() == 1
    home = resident.get("/").content.decode()
    nav = home.split('<nav class="nav"')[1].split("</nav>")[0]
    assert "本企业信用" in nav and reverse("credit:mine") in nav
    assert "本企业信用" in home.split("常用功能")[1]  # and on the home page's links
    assert (
        "本企业信用" in home.split("常用功能")[1].split('class="btn"')[1].split("</a>")[0]
    )  # as the main button
    mine = resident.get(reverse("credit:mine"))
    assert mine.status_code == 200 and enterprise.name in mine.content.decode()


def test_a_contact_with_an_account_is_linked_when_added(officer, enterprise):
    user = make_user("m13712345678", None, phone=PHONE)
    staff = Client()
    staff.force_login(officer)
    added = staff.post(
        reverse("credit:contact_add", args=[enterprise.pk]),
        {"contact-name": "周会计", "contact-phone": PHONE, "contact-is_primary": "on"},
        follow=True,
    )
    assert "并已绑定其平台账号" in added.content.decode()
    assert EnterpriseContact.objects.get(phone=PHONE).user == user


def test_bad_contact_input_is_a_chinese_error_not_a_500(officer, enterprise):
    staff = Client()
    staff.force_login(officer)
    bad = staff.post(
        reverse("credit:contact_add", args=[enterprise.pk]),
        {"contact-name": "周会计", "contact-phone": "12345"},
    )
    assert bad.status_code == 400 and "请输入11位手机号码" in bad.content.decode()
    assert not EnterpriseContact.objects.filter(name="周会计").exists()


def test_only_officers_add_contacts(enterprise, boss):
    contact = Client()
    contact.force_login(boss)
    refused = contact.post(
        reverse("credit:contact_add", args=[enterprise.pk]), {"contact-name": "王五", "contact-phone": PHONE}
    )
    assert refused.status_code == 403
    assert not EnterpriseContact.objects.filter(phone=PHONE).exists()
