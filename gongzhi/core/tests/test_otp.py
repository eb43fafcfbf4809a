"""Residents' one-time login codes: sent through the notification backend, expiring, attempt- and send-limited."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from gongzhi.core import services
from gongzhi.core.choices import NotificationChannel, Role
from gongzhi.core.errors import PermissionDeniedError, RateLimited, ServiceError
from gongzhi.core.models import AuditEvent, Notification, PhoneCode, User

PHONE = "13512345678"


def sent_code(phone=PHONE) -> str:
    message = Notification.objects.filter(phone=phone, channel=NotificationChannel.SMS).latest("id")
    match = re.search(r"验证码是 (\d{6})", message.body)
    assert match, message.body
    return match.group(1)


def age_codes(seconds: int, phone=PHONE) -> None:
    """Move every code of the number back in time, as if `seconds` had passed."""
    for record in PhoneCode.objects.filter(phone=phone):
        PhoneCode.objects.filter(pk=record.pk).update(
            created_at=record.created_at - timedelta(seconds=seconds),
            expires_at=record.expires_at - timedelta(seconds=seconds),
        )


def test_send_puts_the_code_in_an_sms_and_stores_only_its_hash(db):
    record = services.send_login_code("135 1234 5678", client_ip="10.0.0.1")
    code = sent_code()
    assert record.phone == PHONE and code not in record.code_hash
    assert record.expires_at - record.created_at == timedelta(minutes=5)
    assert "5分钟内有效" in Notification.objects.get(phone=PHONE).body


def test_verify_creates_a_resident_once(db):
    services.send_login_code(PHONE)
    user = services.verify_login_code(PHONE, sent_code(), privacy_consent=True)
    assert user.phone == PHONE and user.has_role(Role.RESIDENT) and not user.has_usable_password()
    assert AuditEvent.objects.filter(action="register_resident", target=f"user:{user.pk}").exists()
    age_codes(120)
    services.send_login_code(PHONE)
    again = services.verify_login_code(PHONE, " " + sent_code() + " ", privacy_consent=True)
    assert again.pk == user.pk and User.objects.filter(phone=PHONE).count() == 1


def test_a_code_works_once(db):
    services.send_login_code(PHONE)
    code = sent_code()
    services.verify_login_code(PHONE, code, privacy_consent=True)
    with pytest.raises(ServiceError) as refused:
        services.verify_login_code(PHONE, code, privacy_consent=True)
    assert refused.value.code == "code_expired"


def test_expired_code_is_refused(db):
    services.send_login_code(PHONE)
    code = sent_code()
    age_codes(301)
    with pytest.raises(ServiceError) as refused:
        services.verify_login_code(PHONE, code, privacy_consent=True)
    assert refused.value.code == "code_expired" and "过期" in refused.value.message
    assert not User.objects.filter(phone=PHONE).exists()


def test_wrong_codes_are_limited(db):
    services.send_login_code(PHONE)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(ServiceError) as refused:
            services.verify_login_code(PHONE, wrong, privacy_consent=True)
        assert refused.value.code == "code_wrong" and f"还可尝试 {left} 次" in refused.value.message
    with pytest.raises(RateLimited):  # even the right code, once the attempts are spent
        services.verify_login_code(PHONE, code, privacy_consent=True)
    assert not User.objects.filter(phone=PHONE).exists()


def test_resend_is_throttled_and_sends_are_capped_per_hour(db):
    services.send_login_code(PHONE)
    with pytest.raises(RateLimited) as refused:
        services.send_login_code(PHONE)
    assert refused.value.status == 429 and "频繁" in refused.value.message
    for _ in range(4):
        age_codes(61)
        services.send_login_code(PHONE)
    age_codes(61)
    with pytest.raises(RateLimited) as refused:  # the sixth within the hour
        services.send_login_code(PHONE)
    assert "一小时" in refused.value.message
    assert PhoneCode.objects.filter(phone=PHONE).count() == 5
    age_codes(3600)
    services.send_login_code(PHONE)


def test_sends_from_one_address_are_capped(db):
    for i in range(20):
        services.send_login_code(f"1350000{i:04d}", client_ip="10.0.0.9")
    with pytest.raises(RateLimited):
        services.send_login_code("13511110000", client_ip="10.0.0.9")
    services.send_login_code("13511110000", client_ip="10.0.0.10")


@pytest.mark.parametrize("phone", ["", "12345", "23512345678", "1351234567a", "135123456789"])
def test_bad_numbers_are_refused(db, phone):
    with pytest.raises(ServiceError) as refused:
        services.send_login_code(phone)
    assert refused.value.code == "invalid_phone" and "手机号" in refused.value.message
    assert not PhoneCode.objects.exists()


def test_counter_registration(db):
    services.ensure_role_groups()
    operator = User.objects.create_user("op", password="x")
    operator.groups.add(Group.objects.get(name=Role.OPERATOR))
    resident = services.register_resident_at_counter(
        operator, phone=PHONE, display_name=" 王大爷 ", privacy_consent=True
    )
    assert resident.display_name == "王大爷" and resident.has_role(Role.RESIDENT)
    assert AuditEvent.objects.get(action="register_resident").actor == operator
    with pytest.raises(ServiceError) as refused:
        services.register_resident_at_counter(
            operator, phone=PHONE, display_name="王大爷", privacy_consent=True
        )
    assert refused.value.code == "phone_taken"
    with pytest.raises(PermissionDeniedError):
        services.register_resident_at_counter(
            resident, phone="13612345678", display_name="李四", privacy_consent=True
        )


def test_a_phone_code_does_not_open_a_staff_account(users):
    phone = users["grid_worker"].phone
    services.send_login_code(phone)
    code = sent_code(phone)
    with pytest.raises(ServiceError) as refused:
        services.verify_login_code(phone, code, privacy_consent=True)
    assert refused.value.code == "staff_account" and "用户名和密码" in str(refused.value.message)


def test_mark_notifications_read(users):
    from gongzhi.core.notifications import notify

    resident = users["resident"]
    first = notify(recipient=resident, subject="一", body="甲")
    notify(recipient=resident, subject="二", body="乙")
    notify(recipient=users["resident2"], subject="三", body="丙")
    assert services.mark_notifications_read(resident, ids=[first.pk]) == 1
    assert services.mark_notifications_read(resident) == 1
    assert Notification.objects.filter(recipient=users["resident2"], read_at__isnull=True).count() == 1
