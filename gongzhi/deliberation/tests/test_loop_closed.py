"""The loop closed for everyone (issue L part 5): at each step of a topic opened from a hot spot (opened, resolved,
each task done, completed), every appellant of its appeals, of the appeals merged into them and of the appeals
that joined the hot spot later, and every co-signer, is told once per step by their channel; the appeals' timelines
record the step."""

from datetime import date

from django.test import Client

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.models import AppealEvent
from gongzhi.core.audit import verify_chain
from gongzhi.core.models import Notification
from gongzhi.deliberation import services
from gongzhi.insight import topics
from gongzhi.insight.models import CoSign, HotSpot, HotSpotMember


def _told(step: str, channel: str = "site") -> list:
    """Who got the step's notice on `channel`: account holders by username, others by their number."""
    rows = Notification.objects.filter(kind="topic_step", key__contains=f":{step}:", channel=channel)
    return sorted(n.recipient.username if n.recipient else n.phone for n in rows)


def test_every_person_behind_the_topic_is_told_once_at_each_step(
    make_appeal, make_residents, users, units, county, category, staff
):
    a_user, b_user, merged_user, cosigner, joiner = make_residents(5)
    a = make_appeal(a_user, title="幸福小区停车收费过高")
    b = make_appeal(b_user, title="停车费又涨了")
    merged = make_appeal(merged_user, title="小区停车乱收费")
    appeal_services.merge_into(users["dispatcher"], merged.pk, master=a)
    CoSign.objects.create(appeal=a, resident=cosigner)
    CoSign.objects.create(appeal=a, resident=b_user)  # a co-signer who is also an appellant: told once
    spot = HotSpot.objects.create(label="幸福小区 停车收费", size=2, residents=2)
    HotSpotMember.objects.create(hotspot=spot, appeal=a)
    HotSpotMember.objects.create(hotspot=spot, appeal=b)

    topic = topics.hotspot_to_topic(staff, spot.pk)
    opened = sorted([a_user.username, b_user.username, merged_user.username, cosigner.username])
    assert _told("deliberation_opened") == opened
    # By their channel: SMS to the number of each (they did not turn SMS off), the same people once each.
    assert len(_told("deliberation_opened", "sms")) == 4
    for appeal in (a, b, merged):
        assert AppealEvent.objects.filter(appeal=appeal, action="deliberation_opened").count() == 1

    # Later: a resident's appeal joins the hot spot, and one with no account (told by SMS to the number given).
    late = make_appeal(joiner, title="停车收费不合理")
    HotSpotMember.objects.create(hotspot=spot, appeal=late)
    fields = {
        "kind": "complaint",
        "channel": "hotline",
        "title": "停车费太贵了",
        "content": "幸福小区停车费太贵了。",
        "region": county["grid"],
        "category": category,
    }
    phoned, _code = appeal_services.submit_appeal(None, appellant_phone="13612345678", **fields)
    HotSpotMember.objects.create(hotspot=spot, appeal=phoned)

    services.advance_topic(staff, topic.pk, "start_deliberation")
    services.record_resolution(staff, topic.pk, text="停车费维持原价，物业公开成本")
    everyone = sorted([*opened, joiner.username])
    assert _told("deliberation_resolved") == everyone
    assert "13612345678" in _told("deliberation_resolved", "sms")
    assert len(_told("deliberation_resolved", "sms")) == 6
    for appeal in (a, b, merged, late, phoned):
        event = AppealEvent.objects.get(appeal=appeal, action="deliberation_resolved")
        assert "停车费维持原价" in event.note and event.after["topic"] == topic.pk

    t1 = services.add_task(
        staff, topic.pk, title="公开停车成本", unit=units["property"], due_date=date.today()
    )
    t2 = services.add_task(staff, topic.pk, title="监督执行", unit=units["community"], due_date=date.today())
    services.advance_topic(staff, topic.pk, "start_implementing")
    services.update_task_progress(staff, t1.pk, progress=50)
    assert _told(f"task_done:{t1.pk}") == []  # half done is not a step
    services.update_task_progress(staff, t1.pk, progress=100, note="已张贴")
    assert _told(f"task_done:{t1.pk}") == everyone
    assert not Notification.objects.filter(
        kind="topic_step", key__contains=":deliberation_completed:"
    ).exists()
    services.update_task_progress(staff, t2.pk, progress=100)
    assert _told(f"task_done:{t2.pk}") == everyone
    assert _told("deliberation_completed") == everyone
    for appeal in (a, b, merged, late, phoned):
        actions = list(
            AppealEvent.objects.filter(appeal=appeal, action__startswith="deliberation_").values_list(
                "action", flat=True
            )
        )
        assert actions.count("deliberation_task_done") == 2 and "deliberation_completed" in actions
        assert verify_chain(AppealEvent.objects.filter(appeal=appeal).order_by("id")) is None
    # Each person once per step: b_user (appellant and co-signer) has one site message per step.
    assert Notification.objects.filter(kind="topic_step", recipient=b_user, channel="site").count() == 5
    subject = Notification.objects.filter(kind="topic_step", recipient=joiner, channel="site").first().subject
    assert subject.startswith("议事协商进展：")

    # The resident reads the steps on their appeal's timeline.
    client = Client()
    client.force_login(joiner)
    page = client.get(f"/appeals/{late.pk}/").content.decode()
    assert "议事协商形成决议" in page and "议事决议已落实" in page
    mine = client.get("/appeals/mine/").content.decode()
    assert "议事协商：议事决议已落实" in mine and f"/deliberation/topics/{topic.pk}/" in mine


def test_a_resident_who_turned_sms_off_gets_the_site_message_only(make_appeal, make_residents, staff, county):
    from gongzhi.core.notices import preference_for

    (resident,) = make_residents(1)
    pref = preference_for(resident)
    pref.sms = False
    pref.save()
    appeal = make_appeal(resident)
    services.create_topic(
        staff,
        title="停车",
        description="d",
        region=county["community"],
        source="appeals",
        appeal_ids=[appeal.pk],
    )
    assert _told("deliberation_opened") == [resident.username]
    assert _told("deliberation_opened", "sms") == []
