"""The providers' SMS logs in the admin: read only, the number masked (core.notices.admin.SmsLogAdmin)."""

from gongzhi.core.sms_models import InboundSms, SmsMessage
from gongzhi.core.testing import client_for


def test_the_sms_logs_are_read_only_and_masked(users):
    sent = SmsMessage.objects.create(provider="aliyun", phone="13800138000", kind="appeal_accepted")
    received = InboundSms.objects.create(provider="tencent", phone="13900139000", text="路灯坏了")
    admin = client_for(users["admin"])
    for url, phone, masked in (
        (f"/admin/core/smsmessage/{sent.pk}/change/", "13800138000", "138****8000"),
        (f"/admin/core/inboundsms/{received.pk}/change/", "13900139000", "139****9000"),
    ):
        page = admin.get(url).content.decode()
        assert masked in page and phone not in page
        assert 'name="_save"' not in page  # no save button: nothing to change
    assert admin.get("/admin/core/smsmessage/add/").status_code == 403
    assert admin.get("/admin/core/inboundsms/add/").status_code == 403
    listing = admin.get("/admin/core/inboundsms/").content.decode()
    assert "139****9000" in listing and "13900139000" not in listing
