"""共建 in a real browser (issue 5): a resident signs up for an activity, is signed in with the QR code's link,
gets hours confirmed and downloads a certificate; a party member records a visit that raises an appeal, which
the dispatcher then sees; community staff see the coverage and the need matches."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from gongzhi.community import services
from gongzhi.community.models import Visit
from gongzhi.core.choices import Role, UnitKind
from gongzhi.core.models import Unit
from gongzhi.core.testing import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_community_story(new_context, live_server, shot, users, units, county, category, login):
    staff, resident = users["community_staff"], users["resident"]
    party_unit = Unit.objects.create(
        code="P-XF", name="中共幸福社区委员会", kind=UnitKind.PARTY_ORG, region=county["community"]
    )
    member = make_user(
        "partymember1", Role.PARTY_MEMBER, region=county["community"], unit=party_unit, phone="13600000001"
    )
    start = timezone.now() + timedelta(days=2)
    activity = services.create_activity(
        staff,
        title="重阳节敬老志愿服务",
        description="为高龄老人理发、量血压。",
        region=county["community"],
        location="幸福社区党群服务中心",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=10,
        hours="3",
        organizer_unit=units["community"],
        party_masses=True,
        needs=["elderly"],
    )
    services.advance_activity(staff, activity.pk, "publish")
    center = services.create_central_household(
        staff, party_member=member, grid=county["grid"], address="幸福小区1栋101"
    )
    for i in range(1, 6):
        services.link_household(
            member, center.pk, address=f"幸福小区1栋{i}02", head_name=f"住户{i}", phone=f"1390000000{i}"
        )

    # a resident finds the activity and signs up
    mobile = new_context("mobile")
    page = login(mobile, resident.username)
    page.goto("/community/activities/")
    page.click("text=重阳节敬老志愿服务")
    page.click("text=我要报名")
    page.wait_for_selector("text=报名成功")
    assert "已报名" in page.inner_text("[data-testid=my-signup]")

    # the organiser shows the QR code; the resident opens its link and signs in — during the activity, as sign-in
    # and recording are refused outside it (issue N item 2)
    during = time_machine.travel(start + timedelta(minutes=5), tick=True)
    during.start()
    desk = login(new_context("desktop"), staff.username)
    desk.goto(f"/community/activities/{activity.pk}/")
    qr = desk.locator("img[alt=签到二维码]")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    link = desk.get_attribute("[data-testid=checkin-url]", "href")
    shot(desk, "community-activity-organiser")
    page.goto(link)
    page.click("text=确认签到")
    page.wait_for_selector("text=签到成功")

    # the organiser records and confirms the hours
    desk.reload()
    row = desk.locator(f"[data-testid=signup-{resident.pk}]")
    row.locator("text=记录时长").click()
    desk.wait_for_selector("text=服务时长已记录")
    # the recorder may not confirm: a second organiser of the unit (the grid worker) does
    second = login(new_context("desktop"), users["grid_worker"].username)
    second.goto(f"/community/activities/{activity.pk}/")
    second.locator(f"[data-testid=signup-{resident.pk}]").locator("text=确认入账").click()
    second.wait_for_selector("text=服务时长已确认入账")
    during.stop()

    # the resident sees the hours and downloads the certificate
    page.goto("/community/my-hours/")
    assert page.inner_text("[data-testid=total-hours]").strip() == "3.0 h"
    href = page.get_attribute("[data-testid=certificate]", "href")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    shot(page, "community-my-hours")

    # a party member records a visit that raises an appeal, with the resident's consent
    pm = login(new_context("mobile"), member.username)
    pm.goto("/community/households/")
    pm.click("text=我联系的住户与走访")
    house = center.households.order_by("pk").first()
    pm.fill("#id_visited_on", timezone.localdate().isoformat())
    pm.check(f"input[name=household_ids][value='{house.pk}']")
    pm.fill("#id_heard", "独居老人反映楼道扶手松动，夜里上下楼有摔倒的危险。")
    pm.check("input[name=needs][value=elderly]")
    pm.check("#id_raise_appeal")
    pm.fill("#id_appeal_title", "楼道扶手松动")
    pm.check("#id_consent")
    pm.fill("#id_consent_note", "口头同意")
    pm.click("text=保存走访记录")
    pm.wait_for_selector("text=已登记诉求")
    visit = Visit.objects.get()
    shot(pm, "community-visit-appeal")

    # the dispatcher sees the appeal
    dispatcher = login(new_context("desktop"), users["dispatcher"].username)
    dispatcher.goto(f"/appeals/{visit.appeal.pk}/")
    assert "楼道扶手松动" in dispatcher.content()
    assert "入户走访" in dispatcher.content()

    # staff see coverage and need matches
    desk.goto("/community/households/?days=30")
    assert "幸福一网格" in desk.inner_text("[data-testid=coverage]")
    desk.goto("/community/matches/")
    assert "重阳节敬老志愿服务" in desk.content()
    shot(desk, "community-matches")
