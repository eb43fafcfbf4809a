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


# ---------------------------------------------------------------- the enterprise in the admin


def _admin_form(enterprise, **changes):
    contacts = list(enterprise.contacts.order_by("pk"))
    data = {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "legal_representative": enterprise.legal_representative,
        "address": enterprise.address,
        "region": "",
        "contacts-TOTAL_FORMS": len(contacts),
        "contacts-INITIAL_FORMS": len(contacts),
        "contacts-MIN_NUM_FORMS": 0,
        "contacts-MAX_NUM_FORMS": 1000,
    }
    for i, c in enumerate(contacts):
        data.update(
            {
                f"contacts-{i}-id": c.pk,
                f"contacts-{i}-enterprise": enterprise.pk,
                f"contacts-{i}-name": c.name,
                f"contacts-{i}-phone": c.phone,
                f"contacts-{i}-user": c.user_id or "",
                f"contacts-{i}-is_primary": "on" if c.is_primary else "",
            }
        )
    return {**data, **changes}


def test_admin_edits_of_an_enterprise_are_audited(enterprise, users):
    client = Client()
    client.force_login(users["admin"])
    url = f"/admin/credit/enterprise/{enterprise.pk}/change/"
    response = client.post(url, _admin_form(enterprise, name="湘江新型建材有限公司"))
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="change_enterprise")
    assert event.target == f"credit.enterprise:{enterprise.pk}" and event.actor == users["admin"]
    assert event.before == {"name": "湘江建材有限公司"} and event.after == {"name": "湘江新型建材有限公司"}
    # saving without a change writes nothing
    enterprise.refresh_from_db()
    assert client.post(url, _admin_form(enterprise)).status_code == 302
    assert AuditEvent.objects.filter(action="change_enterprise").count() == 1
    assert "修改企业信息" in client.get("/admin/core/auditevent/?action=change_enterprise").content.decode()


def test_the_uscc_is_fixed_once_the_enterprise_has_a_case(enterprise, make_case, users):
    client = Client()
    client.force_login(users["admin"])
    url = f"/admin/credit/enterprise/{enterprise.pk}/change/"
    assert 'name="uscc"' in client.get(url).content.decode()  # no case yet: a typo can be corrected
    make_case()
    page = client.get(url).content.decode()
    assert 'name="uscc"' not in page and enterprise.uscc in page
    other = "91430100MA4L0XY2XX"
    response = client.post(url, _admin_form(enterprise, uscc=other, legal_representative="王五"))
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.uscc != other and enterprise.legal_representative == "王五"
    assert AuditEvent.objects.get(action="change_enterprise").after == {"legal_representative": "王五"}


def test_deleting_an_enterprise_in_the_admin_is_audited(officer, users):
    from gongzhi.credit import services
    from gongzhi.credit.models import Enterprise
    from gongzhi.credit.testing import uscc

    spare = services.create_enterprise(
        officer,
        name="误登记的企业",
        uscc=uscc("91430100MA4L0XY2Q"),
        contacts=[{"name": "张三", "phone": "13500135000"}],
    )
    client = Client()
    client.force_login(users["admin"])
    page = client.get(f"/admin/credit/enterprise/{spare.pk}/change/").content.decode()
    assert 'name="created_at_0"' not in page  # 登记时间 is shown, not edited
    response = client.post(f"/admin/credit/enterprise/{spare.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Enterprise.objects.filter(pk=spare.pk).exists()
    event = AuditEvent.objects.get(action="delete_enterprise")
    assert event.before["name"] == "误登记的企业" and event.before["contacts"][0]["phone"] == "135****5000"
