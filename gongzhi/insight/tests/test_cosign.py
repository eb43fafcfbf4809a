"""附议 (co-sign): from the submission page a resident joins an existing appeal about the same problem — once,
audited, shown to the handling unit, counted as a distinct resident in the hot spot's heat — or keeps their own."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from gongzhi.appeals.choices import AppealState, CloseReason
from gongzhi.appeals.models import AppealEvent
from gongzhi.core.audit import verify_chain
from gongzhi.core.choices import Role
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import Notification
from gongzhi.core.testing import make_user
from gongzhi.insight import cosign, live
from gongzhi.insight.models import CoSign, HotSpot

from .test_live import LEAK, insight_on, submit  # noqa: F401  (fixture re-used)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pair(insight_on, make_appeal, users, django_capture_on_commit_callbacks):  # noqa: F811
    """resident2 reported the problem first; resident1 then submits the same thing."""
    first = submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident2"])
    second = submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident"])
    return first, second


def submitted_page(client, appeal) -> str:
    session = client.session
    session["submitted"] = {"id": appeal.pk, "number": appeal.number, "code": ""}
    session.save()
    return client.get("/appeals/new/done/").content.decode()


def test_the_submission_page_offers_cosign_buttons_to_the_resident(pair, users):
    first, second = pair
    html = submitted_page(login(users["resident"]), second)
    assert f'action="/insight/appeals/{first.pk}/cosign/"' in html
    assert f'name="own_appeal" value="{second.pk}"' in html
    assert "附议此诉求（撤回我的）" in html and "附议，并保留我的诉求" in html
    # an operator who entered an appeal for someone is not offered the resident's buttons
    entered = submitted_page(login(users["operator"]), second)
    assert "/cosign/" not in entered


def test_cosign_and_withdraw_own(pair, users, django_capture_on_commit_callbacks):
    first, second = pair
    c = login(users["resident"])
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(f"/insight/appeals/{first.pk}/cosign/", {"own_appeal": second.pk, "withdraw": "1"})
    assert response.status_code == 302 and response.url == "/insight/cosigned/"
    sign = CoSign.objects.get()
    assert (sign.appeal_id, sign.resident_id, sign.own_appeal_id) == (
        first.pk,
        users["resident"].pk,
        second.pk,
    )
    second.refresh_from_db()
    assert second.state == AppealState.CLOSED and second.close_reason == CloseReason.WITHDRAWN
    assert first.number in second.close_note
    event = AppealEvent.objects.filter(appeal=first, action="cosign").get()
    assert event.actor_id == users["resident"].pk and event.actor_label == "附议居民"
    assert event.after == {"cosigners": 1, "from": second.number}
    assert verify_chain(AppealEvent.objects.filter(appeal=first).order_by("id")) is None
    page = c.get("/insight/cosigned/").content.decode()
    assert first.number in page and "已附议" in page
    # once per person: a second try is refused with a clear message, nothing recorded
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/insight/appeals/{first.pk}/cosign/", {"own_appeal": second.pk, "withdraw": "0"})
    assert CoSign.objects.count() == 1
    assert "您已附议过该诉求" in c.get("/insight/cosigned/").content.decode()


def test_cosign_keeping_own_appeal(pair, users):
    first, second = pair
    cosign.cosign_appeal(users["resident"], first.pk, own_appeal_id=second.pk, withdraw_own=False)
    second.refresh_from_db()
    assert second.state == AppealState.RECEIVED
    assert not AppealEvent.objects.filter(appeal=second, action="withdraw").exists()


def test_who_may_cosign_what(pair, users, make_appeal, django_capture_on_commit_callbacks):
    first, second = pair
    with pytest.raises(PermissionDeniedError):  # staff do not co-sign
        cosign.cosign_appeal(users["operator"], first.pk, own_appeal_id=second.pk)
    with pytest.raises(PermissionDeniedError) as exc:  # someone else's appeal cannot be the starting point
        cosign.cosign_appeal(users["resident2"], first.pk, own_appeal_id=second.pk)
    assert exc.value.code == "not_own"
    with pytest.raises(ServiceError) as exc:  # not one's own
        cosign.cosign_appeal(users["resident"], second.pk, own_appeal_id=second.pk)
    assert exc.value.code == "own_appeal"
    unrelated = submit(
        make_appeal,
        django_capture_on_commit_callbacks,
        actor=users["resident2"],
        title="孩子入学咨询",
        content="请问外地户籍孩子在本区上小学需要准备哪些材料，什么时候报名？",
    )
    with pytest.raises(ServiceError) as exc:  # only the near-duplicates shown at submission
        cosign.cosign_appeal(users["resident"], unrelated.pk, own_appeal_id=second.pk)
    assert exc.value.code == "not_similar"
    assert not CoSign.objects.exists()
    anonymous = Client().post(f"/insight/appeals/{first.pk}/cosign/", {"own_appeal": second.pk})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    assert login(users["resident"]).get(f"/insight/appeals/{first.pk}/cosign/").status_code == 405


def test_closed_appeals_cannot_be_joined(pair, users):
    from gongzhi.appeals import services

    first, second = pair
    services.withdraw(users["resident2"], first.pk)
    with pytest.raises(ServiceError):
        cosign.cosign_appeal(users["resident"], first.pk, own_appeal_id=second.pk)


def test_the_handling_unit_sees_the_cosigners_masked(pair, users, dispatch_rule, units):
    from gongzhi.appeals import services

    first, second = pair
    services.dispatch(users["dispatcher"], first.pk, lead_unit=units["housing"])
    cosign.cosign_appeal(users["resident"], first.pk, own_appeal_id=second.pk)
    assert Notification.objects.filter(unit=units["housing"], subject="诉求有居民附议").exists()
    html = login(users["handler"]).get(f"/appeals/{first.pk}/").content.decode()
    assert 'id="cosigners"' in html and "居民附议（1 人）" in html
    assert "138****8000" in html and "13800138000" not in html
    # the appellant of the joined appeal sees no list of other people
    assert 'id="cosigners"' not in login(users["resident2"]).get(f"/appeals/{first.pk}/").content.decode()


def test_cosigners_count_as_distinct_residents_in_the_heat(pair, users, django_capture_on_commit_callbacks):
    first, second = pair
    spot = HotSpot.objects.get()
    assert spot.residents == 2
    heat = spot.heat
    # a co-signer who already wrote a member appeal is the same person: still 2
    with django_capture_on_commit_callbacks(execute=True):
        cosign.cosign_appeal(users["resident"], first.pk, own_appeal_id=second.pk)
    spot.refresh_from_db()
    assert spot.residents == 2
    # a new person joining (e.g. through another of their appeals) raises residents and heat
    third = make_user("resident3", Role.RESIDENT, phone="13600136000")
    CoSign.objects.create(appeal=first, resident=third)
    live.refresh(spot)
    spot.refresh_from_db()
    assert spot.residents == 3 and spot.heat > heat


def test_cosign_api(pair, users):
    first, second = pair
    api = APIClient()
    api.force_authenticate(users["resident"])
    url = f"/api/v1/insight/appeals/{first.pk}/cosign/"
    response = api.post(url, {"own_appeal": second.pk, "withdraw_own": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "appeal": first.pk,
        "number": first.number,
        "cosigners": 1,
        "own_appeal_state": "closed",
    }
    again = api.post(url, {"own_appeal": second.pk}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_cosigned"
    assert api.post(url, {"own_appeal": "x"}, format="json").status_code == 400
    staff = APIClient()
    staff.force_authenticate(users["dispatcher"])
    assert staff.post(url, {"own_appeal": second.pk}, format="json").status_code == 403


def _cosign_rows(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind, channel="site")


def test_cosigners_are_told_when_the_joined_appeal_is_answered_and_closed(pair, users, units, dispatch_rule):
    from gongzhi.appeals import services
    from gongzhi.insight import notices as cosign_notices

    first, second = pair
    services.dispatch(users["dispatcher"], first.pk, lead_unit=units["housing"])
    cosign.cosign_appeal(users["resident"], first.pk, own_appeal_id=second.pk, withdraw_own=True)
    third = make_user("resident3", Role.RESIDENT, phone="13600136000")
    CoSign.objects.create(appeal=first, resident=third)
    CoSign.objects.create(
        appeal=first, resident=users["resident2"]
    )  # the appellant: told as the appellant only
    assert not Notification.objects.filter(kind__startswith="cosigned_").exists()  # nothing before the answer

    services.sign(users["handler"], first.pk)
    services.record_contact(users["handler"], first.pk)
    services.reply(users["handler"], first.pk, text="路灯已更换新灯泡，经现场检查已恢复照明。")
    for person in (users["resident"], third):
        row = _cosign_rows(person, "cosigned_replied").get()
        assert row.subject == "附议的诉求已答复" and row.link == "/insight/cosigned/"
        assert first.number in row.body and "路灯已更换新灯泡" in row.body
    assert (
        Notification.objects.filter(kind="cosigned_replied", channel="sms", phone="13600136000").count() == 1
    )
    assert not Notification.objects.filter(
        recipient=users["resident2"], kind__startswith="cosigned_"
    ).exists()
    assert Notification.objects.filter(recipient=users["resident2"], kind="appeal_replied").exists()
    assert not _cosign_rows(users["resident"], "cosigned_closed").exists()

    # once per person and event, whatever calls it again
    event = AppealEvent.objects.filter(appeal=first, action="reply").get()
    cosign.tell_cosigners(event, cosign_notices.COSIGNED_REPLIED)
    assert _cosign_rows(third, "cosigned_replied").count() == 1

    services.callback(users["resident2"], first.pk, contacted=True, solved=True, satisfaction="satisfied")
    for person in (users["resident"], third):
        row = _cosign_rows(person, "cosigned_closed").get()
        assert row.subject == "附议的诉求已办结" and "已办结：已解决" in row.body and first.number in row.body
    assert not Notification.objects.filter(
        recipient=users["resident2"], kind__startswith="cosigned_"
    ).exists()


def test_cosigners_of_a_merged_appeal_follow_the_master(
    pair, users, units, make_appeal, django_capture_on_commit_callbacks
):
    from gongzhi.appeals import services

    first, second = pair
    cosign.cosign_appeal(users["resident"], first.pk, own_appeal_id=second.pk, withdraw_own=False)
    master = submit(
        make_appeal,
        django_capture_on_commit_callbacks,
        actor=make_user("resident4", Role.RESIDENT, phone="13500135000"),
    )
    services.merge_into(users["dispatcher"], first.pk, master=master)
    assert not Notification.objects.filter(kind__startswith="cosigned_").exists()  # merging is not an answer
    services.withdraw(master.appellant, master.pk, reason="问题已自行解决")
    row = _cosign_rows(users["resident"], "cosigned_closed").get()
    assert master.number in row.body and "诉求人撤回" in row.body and "问题已自行解决" in row.body


def test_cosign_notice_kinds_are_declared_and_editable():
    from gongzhi.core.notices import get_kind, validate_template

    for key in ("cosigned_replied", "cosigned_closed"):
        kind = get_kind(key)
        assert kind.mandatory and kind.reason
        assert validate_template(key, kind.subject, kind.body) == {}
    assert "未知变量" in validate_template("cosigned_replied", "x", "{{ secret }}")["body"][0]


def test_a_confidential_appeal_is_neither_shown_nor_joinable_after_submitting(
    insight_on,  # noqa: F811
    make_appeal,
    users,
    django_capture_on_commit_callbacks,
):
    """The appellant chose 保密: its title is not shown to whoever submits a similar appeal, nor can it be joined."""
    secret = submit(
        make_appeal,
        django_capture_on_commit_callbacks,
        actor=users["resident2"],
        title="小区违章建筑没人管，举报人住3栋",
        confidential=True,
    )
    mine = submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident"])
    html = submitted_page(login(users["resident"]), mine)
    assert secret.number not in html and secret.title not in html
    assert secret not in cosign.joinable(mine)
    with pytest.raises(ServiceError):
        cosign.cosign_appeal(users["resident"], secret.pk, own_appeal_id=mine.pk)


def test_numbers_in_a_similar_appeals_title_are_masked_on_the_submission_page(
    insight_on,  # noqa: F811
    make_appeal,
    users,
    django_capture_on_commit_callbacks,
):
    first = submit(
        make_appeal,
        django_capture_on_commit_callbacks,
        actor=users["resident2"],
        title="小区违章建筑没人管 电话13912345678",
    )
    mine = submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident"])
    html = submitted_page(Client(), mine)  # the page after a submission without an account, too
    assert first.number in html
    assert "13912345678" not in html and "〔电话〕" in html  # core.redaction: the number is gone, not masked
