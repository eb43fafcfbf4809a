"""Phone and ID numbers encrypted at rest (issue K item 2): AES-GCM under a key ring from the environment, found by
a blind index, re-encrypted by `rotate_field_keys`; after the demo no table holds a demo number in clear text."""

import base64
import os
from io import StringIO

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from gongzhi.core import fieldcrypt
from gongzhi.core.fieldcrypt import DecryptionError, blind_index, decrypt, encrypt, key_id_of
from gongzhi.core.masking import person_label
from gongzhi.core.models import Notification, User
from gongzhi.core.services import register_resident_at_counter
from gongzhi.core.testing import make_user

PHONE = "13912345678"


def ring(*ids: str) -> str:
    return ",".join(f"{i}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}" for i in ids)


@pytest.fixture
def keys(settings):
    """A real key ring from the environment's format; returns a setter for the next ring."""

    def use(configured: str) -> None:
        settings.GONGZHI = {**settings.GONGZHI, "FIELD_KEYS": configured}

    use(ring("k1"))
    return use


def stored(table: str, column: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_a_value_is_sealed_with_its_column_and_opens_only_there(keys):
    sealed = encrypt(PHONE, "core.user.phone")
    assert sealed.startswith("gz1$k1$") and PHONE not in sealed
    assert encrypt(PHONE, "core.user.phone") != sealed  # randomised: equal numbers do not look equal
    assert decrypt(sealed, "core.user.phone") == PHONE
    with pytest.raises(DecryptionError):  # copied into another column, it does not open
        decrypt(sealed, "credit.enterprisecontact.phone")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DecryptionError):
        decrypt(tampered, "core.user.phone")


def test_a_malformed_key_ring_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    for bad in ("k1", "k1:short", "k$1:" + "A" * 43, ":" + "A" * 43):
        with pytest.raises(ImproperlyConfigured):
            fieldcrypt.parse_key_ring(bad)
    assert [i for i, _k in fieldcrypt.parse_key_ring(ring("new", "old"))] == ["new", "old"]


@pytest.mark.django_db
def test_numbers_are_ciphertext_in_the_database_and_found_by_their_blind_index(keys):
    user = register_resident_at_counter(
        make_user("clerk", "community_staff"),
        phone=PHONE,
        display_name="刘芳",
        id_number="11010519491231002X",
        privacy_consent=True,
        id_number_consent=True,
    )
    raw_phone, raw_id = stored("core_user", "phone", user.pk), stored("core_user", "id_number", user.pk)
    assert raw_phone.startswith("gz1$k1$") and PHONE not in raw_phone
    assert raw_id.startswith("gz1$k1$") and "11010519491231002X" not in raw_id
    assert stored("core_user", "phone_bidx", user.pk) == blind_index(PHONE) != PHONE
    assert PHONE not in user.username and user.username.startswith("u-")
    assert person_label(User(username=user.username, phone=PHONE)) == "139****5678"

    fresh = User.objects.get(pk=user.pk)
    assert (fresh.phone, fresh.id_number) == (PHONE, "11010519491231002X")
    assert User.objects.get(phone=PHONE) == user
    assert User.objects.get(phone=" 139-1234-5678 ") == user  # normalised as typed
    assert User.objects.get(id_number="11010519491231002x") == user  # the X of an ID number in either case
    assert list(User.objects.filter(phone__in=[PHONE, "13000000000"])) == [user]
    assert not User.objects.filter(phone="13000000000").exists()
    assert User.objects.filter(phone__isnull=False, pk=user.pk).exists()
    with pytest.raises(FieldError):  # a fragment cannot be found in ciphertext: refused, not silently empty
        list(User.objects.filter(phone__contains="1391"))

    # save(update_fields=...) keeps the index with the value; a second account with the number is refused.
    fresh.phone = "13712340000"
    fresh.save(update_fields=["phone"])
    assert User.objects.get(phone="13712340000") == user and not User.objects.filter(phone=PHONE).exists()
    other = make_user("other", None)
    other.phone = "13712340000"
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()


@pytest.mark.django_db
def test_rotate_field_keys_re_encrypts_under_the_newest_key_and_can_be_run_again(keys, settings):
    user = make_user("r1", None, phone=PHONE)
    note = Notification.objects.create(phone=PHONE, subject="s", body="b")
    assert key_id_of(stored("core_user", "phone", user.pk)) == "k1"
    old = settings.GONGZHI["FIELD_KEYS"]

    keys(ring("k2") + "," + old)  # the new key first, the old one kept until the rotation has finished
    out = StringIO()
    call_command("rotate_field_keys", batch=1, stdout=out)
    assert "sealing under k2" in out.getvalue()
    assert key_id_of(stored("core_user", "phone", user.pk)) == "k2"
    assert key_id_of(stored("core_notification", "phone", note.pk)) == "k2"
    assert "core.User (phone, id_number): 1 rows re-encrypted" in out.getvalue()
    again = StringIO()
    call_command("rotate_field_keys", stdout=again)  # resumable: what is under k2 is not written again
    assert "done: 0 rows re-encrypted" in again.getvalue()

    keys(settings.GONGZHI["FIELD_KEYS"].split(",")[0])  # the old key dropped after the rotation
    assert User.objects.get(phone=PHONE).phone == PHONE
    assert Notification.objects.get(pk=note.pk).phone == PHONE


@pytest.mark.django_db
def test_a_value_under_a_key_no_longer_in_the_ring_is_an_error_not_a_wrong_number(keys):
    user = make_user("r2", None, phone=PHONE)
    keys(ring("k9"))
    with pytest.raises(DecryptionError, match="no key 'k1'"):
        User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_the_migration_seals_rows_written_in_clear_text_and_undone_writes_them_back(keys):
    from django.apps import apps

    user = make_user("r3", None, phone=PHONE)
    with connection.cursor() as cursor:  # as a database written before encryption holds it
        cursor.execute('UPDATE "core_user" SET phone = %s, phone_bidx = NULL WHERE id = %s', [PHONE, user.pk])
    forward, backward = fieldcrypt.sealing("core.User", "phone", "id_number")
    forward(apps, connection.schema_editor())
    assert stored("core_user", "phone", user.pk).startswith("gz1$k1$")
    assert User.objects.get(phone=PHONE) == user
    backward(apps, connection.schema_editor())
    assert stored("core_user", "phone", user.pk) == PHONE


def test_check_deploy_asks_for_field_keys_of_their_own(settings):
    from gongzhi.core.checks import field_keys

    settings.GONGZHI = {**settings.GONGZHI, "FIELD_KEYS": "", "BLIND_INDEX_KEY": ""}
    assert [w.id for w in field_keys(None)] == ["gongzhi.W002", "gongzhi.W003"]
    settings.GONGZHI = {**settings.GONGZHI, "FIELD_KEYS": "k1:short"}
    assert [w.id for w in field_keys(None)] == ["gongzhi.E002"]
    settings.GONGZHI = {**settings.GONGZHI, "FIELD_KEYS": ring("k1"), "BLIND_INDEX_KEY": "B" * 43}
    assert field_keys(None) == []
