"""The call centre's events (key, idempotency, bad input), the operator's screen-pop, the appeal linked to its call
and recording, and the hotline metrics on the rates page."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.appeals.models import AppealEvent
from gongzhi.calls.models import Call, CallEvent, CtiKey, Seat
from gongzhi.core.models import AuditEvent
from gongzhi.core.testing import client_for

URL = "/api/v1/cti/calls/"


@pytest.fixture
def key(db):
    return CtiKey.issue("县12345话务平台")[1]


@pytest.fixture
def seat(users):
    return Seat.objects.create(agent_id="8001", user=users["operator"])


def post(client, key, **data):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.post(URL, data=json.dumps(data), content_type="application/json", **headers)


def ring(client, key, call_id="C1", caller="13800138000", **extra):
    return post(client, key, event="ringing", call_id=call_id, caller=caller, operator_id="8001", **extra)


def test_the_key_is_needed_and_stored_hashed(client, key, seat):
    assert post(client, "", event="ringing", call_id="C1", caller="13800138000").status_code == 401
    wrong = post(client, "not-the-key", event="ringing", call_id="C1", caller="13800138000")
    assert wrong.status_code == 401 and wrong.json()["detail"] == "接口密钥无效或已吊销。"
    assert not CtiKey.objects.filter(digest=key).exists() and key[:8] == CtiKey.objects.get().prefix
    assert AuditEvent.objects.filter(action="cti_key_issued").exists()
    response = ring(client, key)
    assert response.status_code == 201 and response.json()["operator_known"]
    CtiKey.revoke(None, CtiKey.objects.all())
    assert ring(client, key, call_id="C2").status_code == 401


def test_each_event_is_recorded_once(client, key, seat):
    assert ring(client, key).status_code == 201
    again = ring(client, key)
    assert again.status_code == 200 and again.json()["duplicate"]
    assert post(client, key, event="answered", call_id="C1", caller="13800138000").status_code == 201
    assert (
        post(
            client,
            key,
            event="ended",
            call_id="C1",
            caller="13800138000",
            recording_url="https://rec.example.cn/C1.mp3",
        ).status_code
        == 201
    )
    assert post(client, key, event="ended", call_id="C1", caller="13800138000").status_code == 200
    call = Call.objects.get()
    assert call.state == "ended" and call.recording_url == "https://rec.example.cn/C1.mp3"
    assert CallEvent.objects.count() == 3 and "caller" not in CallEvent.objects.first().payload


@pytest.mark.parametrize(
    "data,field",
    [
        ({"event": "hangup", "call_id": "C", "caller": "13800138000"}, "event"),
        ({"event": "ringing", "call_id": "", "caller": "13800138000"}, "call_id"),
        ({"event": "ringing", "call_id": "C", "caller": "abc"}, "caller"),
        ({"event": "ringing", "call_id": "C", "caller": "13800138000", "time": "yesterday"}, "time"),
        (
            {"event": "ended", "call_id": "C", "caller": "13800138000", "recording_url": "ftp://x"},
            "recording_url",
        ),
    ],
)
def test_bad_events_are_refused_in_chinese(client, key, data, field):
    response = post(client, key, **data)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not Call.objects.exists()


def test_the_screen_pops_the_caller_and_their_appeals(client, key, seat, users, make_appeal):
    mine = make_appeal(users["resident"])
    screen = client_for(users["operator"])
    assert "暂无来电" in screen.get("/calls/screen/").content.decode()
    ring(client, key, caller="+86 138-0013-8000")
    page = screen.get("/calls/screen/").content.decode()
    assert "138****8000" in page and "13800138000" not in page and "resident1" in page
    assert mine.number in page and "来电振铃" in page and 'hx-trigger="every 1s"' in page
    shown = Call.objects.get().pk
    assert screen.get("/calls/screen/", {"shown": f"{shown}:ringing"}).status_code == 204  # nothing new
    # a resident or a dispatcher has no screen
    assert client_for(users["dispatcher"]).get("/calls/screen/").status_code == 403
    assert client_for(users["resident"]).get("/calls/screen/").status_code == 403
    intake = screen.get("/appeals/staff/new/").content.decode()
    assert 'id="screen-pop"' in intake


def test_an_appeal_registered_during_the_call_is_linked(
    client, key, seat, users, county, category, django_capture_on_commit_callbacks
):
    ring(client, key)
    post(client, key, event="answered", call_id="C1", caller="13800138000", operator_id="8001")
    operator = client_for(users["operator"])
    assert operator.post(f"/calls/{Call.objects.get().pk}/intake/").status_code == 302
    form = operator.get("/appeals/staff/new/").content.decode()
    assert 'value="13800138000"' in form  # prefilled, from the session
    from gongzhi.appeals.services import submit_appeal

    with django_capture_on_commit_callbacks(execute=True):
        appeal, _ = submit_appeal(
            users["operator"],
            kind="help",
            channel="hotline",
            title="路灯坏了",
            content="幸福小区路灯坏了两周了。",
            region=county["grid"],
            category=category,
            appellant_phone="13800138000",
        )
    post(
        client,
        key,
        event="ended",
        call_id="C1",
        caller="13800138000",
        recording_url="https://rec.example.cn/C1.mp3",
    )
    call = Call.objects.get()
    assert call.appeal == appeal
    assert AppealEvent.objects.filter(appeal=appeal, action="link_call").exists()
    page = client_for(users["dispatcher"]).get(f"/appeals/{appeal.pk}/").content.decode()
    assert "https://rec.example.cn/C1.mp3" in page and "关联来电录音" in page
    assert (
        "rec.example.cn" not in client_for(users["resident"]).get(f"/appeals/{appeal.pk}/").content.decode()
    )


def test_the_rates_page_shows_the_hotline_metrics(client, key, seat, users):
    now = timezone.now()
    for n, answered_after in enumerate([5, 10, 40, None]):
        call_id = f"M{n}"
        ring(client, key, call_id=call_id, time=(now - timedelta(minutes=10)).isoformat())
        if answered_after is not None:
            post(
                client,
                key,
                event="answered",
                call_id=call_id,
                caller="13800138000",
                time=(now - timedelta(minutes=10) + timedelta(seconds=answered_after)).isoformat(),
            )
        post(client, key, event="ended", call_id=call_id, caller="13800138000", time=now.isoformat())
    page = client_for(users["supervisor"]).get("/appeals/rates/").content.decode()
    assert 'id="hotline-metrics"' in page
    assert '<dd id="answered">3 / 75.0%</dd>' in page
    assert '<dd id="in-time">50.0%（2）</dd>' in page
    assert '<dd id="abandoned">1 / 25.0%</dd>' in page


def test_create_cti_key_shows_the_key_once(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_cti_key", "话务平台", stdout=out)
    raw = out.getvalue().split("：")[1].split()[0]
    assert CtiKey.authenticate(raw) is not None


# ---------------------------------------------------------------- the caller's number as personal data


def test_my_data_lists_my_calls_and_closing_the_account_forgets_the_number(client, key, seat, users):
    from gongzhi.core import personal_data

    ring(client, key, call_id="MINE", caller="13800138000")  # resident1's phone
    post(
        client,
        key,
        event="ended",
        call_id="MINE",
        caller="13800138000",
        recording_url="https://cti/r/MINE.mp3",
    )
    ring(client, key, call_id="OTHER", caller="13900139000")  # resident2's
    page = client_for(users["resident"]).get("/accounts/me/data/").content.decode()
    assert "热线来电：1 条" in page
    rows = personal_data.collect(users["resident"])["calls"]["rows"]
    assert [r["状态"] for r in rows] == ["已结束"]

    counts = personal_data.close_account(users["resident"])
    assert counts["calls"] == 1
    mine, other = Call.objects.get(call_id="MINE"), Call.objects.get(call_id="OTHER")
    assert (mine.caller, mine.caller_bidx, mine.recording_url) == ("", "", "")
    assert mine.ended_at is not None and mine.state == "ended"  # the metrics still count it
    assert other.caller == "13900139000"


def test_calls_forget_the_number_after_the_retention_period(client, key, seat, settings):
    from gongzhi.calls.personal_data import apply_retention
    from gongzhi.calls.tasks import apply_retention as daily

    settings.GONGZHI = {**settings.GONGZHI, "RETENTION_YEARS": 5}
    now = timezone.now()
    ring(
        client,
        key,
        call_id="OLD-1",
        caller="13800138000",
        time=(now - timedelta(days=5 * 365 + 2)).isoformat(),
    )
    ring(
        client,
        key,
        call_id="OLD-2",
        caller="13700137000",
        time=(now - timedelta(days=5 * 365 + 1)).isoformat(),
    )
    ring(
        client, key, call_id="NEW", caller="13800138000", time=(now - timedelta(days=5 * 365 - 1)).isoformat()
    )

    assert apply_retention(batch=1) == 1  # resumable: one batch at a time, oldest first
    assert Call.objects.get(call_id="OLD-1").caller == "" and Call.objects.get(call_id="OLD-2").caller
    assert daily.call() == 1  # the scheduler's task drains what is left
    assert daily.call() == 0  # and is idempotent
    assert Call.objects.get(call_id="OLD-2").caller_bidx == ""
    assert Call.objects.get(call_id="NEW").caller == "13800138000"
    events = AuditEvent.objects.filter(action="call_retention").order_by("pk")
    assert [e.after["calls"] for e in events] == [1, 1]
    assert "来电满5年" in events[0].note


def test_the_privacy_rules_say_how_long_calls_are_kept(client, db):
    page = client.get("/privacy/").content.decode()
    assert "热线来电的号码和录音地址在来电满 5 年后删除" in page and "来电弹屏" in page


def test_the_recording_link_is_kept_once_and_goes_with_the_number(client, key, seat, users):
    from gongzhi.calls.personal_data import apply_retention, erase

    ring(client, key, call_id="R1", caller="13800138000")
    post(client, key, event="ended", call_id="R1", caller="13800138000", recording_url="https://cti/r/R1.mp3")
    call = Call.objects.get(call_id="R1")
    assert call.recording_url == "https://cti/r/R1.mp3"
    assert all("recording_url" not in e.payload and "caller" not in e.payload for e in call.events.all())
    # an event stored before payloads left the link out still has it: erasure scrubs it there too
    CallEvent.objects.filter(call=call, event="ended").update(
        payload={"recording_url": "https://cti/r/R1.mp3"}
    )
    assert erase(users["resident"]) == 1
    assert not CallEvent.objects.filter(payload__has_key="recording_url").exists()

    # an "ended" arriving after the number went stores no recording; retention would take it anyway
    ring(client, key, call_id="R2", caller="13800138000", time="2001-01-01T09:00:00+08:00")
    Call.objects.filter(call_id="R2").update(caller="", caller_bidx="")
    post(client, key, event="ended", call_id="R2", caller="13800138000", recording_url="https://cti/r/R2.mp3")
    assert Call.objects.get(call_id="R2").recording_url == ""
    Call.objects.filter(call_id="R2").update(
        recording_url="https://cti/r/R2.mp3"
    )  # as older code could leave it
    assert apply_retention() == 1 and Call.objects.get(call_id="R2").recording_url == ""


def test_an_erased_number_is_nobodys_on_the_screen(client, key, seat, users, make_appeal):
    from gongzhi.appeals.models import Appeal
    from gongzhi.calls.services import caller_profile

    phoneless = make_appeal(
        users["resident2"], title="无电话的诉求"
    )  # an appeal without a phone must not show up
    Appeal.objects.filter(pk=phoneless.pk).update(appellant_phone="", appellant_phone_bidx="")
    assert Appeal.objects.filter(appellant_phone_bidx="").exists()
    ring(client, key, call_id="E1", caller="13800138000")
    Call.objects.filter(call_id="E1").update(caller="", caller_bidx="")
    assert caller_profile("") == {"resident": None, "name": "", "open": [], "recent": []}
    operator = client_for(users["operator"])
    page = operator.get("/calls/screen/").content.decode()
    assert "号码已删除" in page and "未办结的诉求（0）" in page and "无电话的诉求" not in page
    assert "以此号码登记诉求" not in page and "新来电人" not in page  # there is no number to register with
    call = Call.objects.get(call_id="E1")
    operator.post(f"/calls/{call.pk}/intake/")
    assert "appellant_phone" not in operator.session["appeal_prefill"]


def test_my_calls_name_only_my_own_appeals(client, key, seat, users, make_appeal):
    from gongzhi.calls.personal_data import export

    theirs = make_appeal(users["resident2"])
    ring(client, key, call_id="L1", caller="13800138000")
    Call.objects.filter(call_id="L1").update(
        appeal=theirs
    )  # resident1's phone lent to register resident2's appeal
    mine = make_appeal(users["resident"])
    ring(client, key, call_id="L2", caller="13800138000")
    Call.objects.filter(call_id="L2").update(appeal=mine)
    assert [row["登记的诉求"] for row in export(users["resident"])] == ["", mine.number]
