"""首问负责 for appeals that arrive online (spec §3): the first hotline staff member who takes one in hand — by
dispatching, answering, referring or merging it, or by claiming it — becomes its first receiver, once."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.tests.test_workflow import REPLY_TEXT
from gongzhi.core.errors import PermissionDeniedError, ServiceError


@pytest.mark.parametrize("channel", ["web", "mobile", "api"])
def test_an_online_appeal_gets_its_first_receiver_from_the_first_staff_action(
    channel, users, units, make_appeal
):
    appeal = make_appeal(channel=channel)
    assert appeal.first_receiver_id is None
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    appeal.refresh_from_db()
    assert (appeal.first_receiver, appeal.first_receiver_unit) == (users["dispatcher"], units["hotline"])
    claim = appeal.events.get(action="take_first_receipt")
    assert claim.actor == users["dispatcher"] and "首接" in claim.note
    # Later staff actions do not move it.
    services.request_return(users["handler"], appeal.pk, reason="该事项不属于本单位职责范围")
    services.approve_return(users["dispatcher"], appeal.pk)
    services.answer_directly(users["operator"], appeal.pk, text=REPLY_TEXT)
    appeal.refresh_from_db()
    assert appeal.first_receiver == users["dispatcher"]
    assert appeal.events.filter(action="take_first_receipt").count() == 1


@pytest.mark.parametrize("action", ["answer_directly", "refer_out"])
def test_operator_answering_or_referring_becomes_first_receiver(action, users, make_appeal):
    appeal = make_appeal()
    if action == "answer_directly":
        services.answer_directly(users["operator"], appeal.pk, text=REPLY_TEXT)
    else:
        services.refer_out(users["operator"], appeal.pk, target="110", reason="涉及治安，转公安处理")
    appeal.refresh_from_db()
    assert appeal.first_receiver == users["operator"]


def test_claim_explicitly_once_and_the_second_is_told_who_holds_it(users, make_appeal):
    appeal = make_appeal()
    services.claim_first_receipt(users["operator"], appeal.pk)
    with pytest.raises(ServiceError) as taken:
        services.claim_first_receipt(users["dispatcher"], appeal.pk)
    assert taken.value.code == "first_receiver_taken" and "已由" in str(taken.value.message)
    with pytest.raises(PermissionDeniedError):
        services.claim_first_receipt(users["resident"], appeal.pk)
    with pytest.raises(PermissionDeniedError):
        services.claim_first_receipt(users["handler"], appeal.pk)
    appeal.refresh_from_db()
    assert appeal.first_receiver == users["operator"]


def test_the_conditional_update_lets_only_one_of_two_concurrent_claims_win(users, make_appeal):
    """Two staff who both read the appeal without a first receiver: the second UPDATE … WHERE first_receiver IS
    NULL changes nothing, so the first stays (no last-writer-wins)."""
    appeal = make_appeal()
    seen_by_dispatcher = Appeal.objects.get(pk=appeal.pk)  # read before the operator's claim
    services.claim_first_receipt(users["operator"], appeal.pk)
    from django.db import transaction

    with transaction.atomic():
        assert services._take_first_receipt(seen_by_dispatcher, users["dispatcher"]) is False
    assert seen_by_dispatcher.first_receiver_id == users["operator"].pk  # refreshed to the winner
    appeal.refresh_from_db()
    assert appeal.first_receiver == users["operator"]
    assert appeal.events.filter(action="take_first_receipt").count() == 1


def test_staff_intake_keeps_the_operator_as_first_receiver(users, make_appeal):
    appeal = make_appeal(actor=users["operator"], channel="hotline", appellant_phone="13800138000")
    assert appeal.first_receiver == users["operator"]
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=users["handler"].unit)
    appeal.refresh_from_db()
    assert appeal.first_receiver == users["operator"]
    assert not appeal.events.filter(action="take_first_receipt").exists()


def test_list_shows_and_filters_by_first_receiver_and_the_page_and_api_claim(users, make_appeal):
    mine = make_appeal(title="楼道灯不亮了")
    free = make_appeal(title="垃圾桶满了没人清")
    client = Client()
    client.force_login(users["operator"])
    detail = client.get(f"/appeals/{mine.pk}/").content.decode()
    assert "由我首接" in detail
    response = client.post(f"/appeals/{mine.pk}/claim/", follow=True)
    assert "您已首接该诉求" in response.content.decode()
    page = client.get("/appeals/?receiver=mine").content.decode()
    assert "首接人" in page and mine.number in page and free.number not in page
    page = client.get("/appeals/?receiver=none").content.decode()
    assert free.number in page and mine.number not in page
    again = client.post(f"/appeals/{mine.pk}/claim/", follow=True)
    assert again.status_code == 200 and "您已是该诉求的首接负责人" in again.content.decode()
    api = APIClient()
    api.force_authenticate(users["dispatcher"])
    body = api.post(f"/api/v1/appeals/{free.pk}/claim/").json()
    assert body["first_receiver"].startswith(str(users["dispatcher"]))
    refused = api.post(f"/api/v1/appeals/{mine.pk}/claim/")
    assert refused.status_code == 400 and "已由" in refused.content.decode()
