from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.appeals.selectors import visible_appeals
from gongzhi.core.audit import verify_chain
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.testing import make_user

from .. import selectors, services
from ..choices import EntryKind, OrgStage, SignupState
from ..models import CommunityEvent, LedgerAccount, LedgerEntry, StageReview

pytestmark = pytest.mark.django_db


def during(activity, minutes: int = 10):
    """Ten minutes into the activity: sign-in and recording happen only then (issue N item 2)."""
    return time_machine.travel(activity.starts_at + timedelta(minutes=minutes), tick=False)


def _attend(activity, user, recorder):
    """Signs `user` up and in and has `recorder` (a second organiser, so that staff may confirm) record hours."""
    services.sign_up(user, activity.pk)
    with during(activity):
        services.sign_in_by_qr(user, activity.pk, services.qr_token(activity))
        return services.record_hours(recorder, activity.pk, user=user)


# ---------------------------------------------------------------- self-organisations


def test_incubation_stages_follow_the_table_and_keep_each_review(users, county, party_unit):
    resident, staff = users["resident"], users["community_staff"]
    org = services.register_organization(
        resident, name="银发互助队", domain="mutual_aid", region=county["community"], skills=["elderly"]
    )
    assert org.stage == OrgStage.APPLIED and org.members.get().role == "leader"
    with pytest.raises(ServiceError, match="指导单位"):
        services.review_organization(staff, org.pk, "admit", opinion="同意")
    services.set_mentor_unit(staff, org.pk, mentor_unit=party_unit)
    services.review_organization(staff, org.pk, "admit", opinion="骨干稳定，同意入驻")
    with pytest.raises(IllegalTransition):
        services.review_organization(staff, org.pk, "admit", opinion="再次")
    with pytest.raises(PermissionDeniedError):
        services.review_organization(resident, org.pk, "graduate", opinion="自评", filing_number="X")
    with pytest.raises(PermissionDeniedError):
        services.review_organization(
            users["other_staff"], org.pk, "graduate", opinion="越权", filing_number="X"
        )
    services.review_organization(staff, org.pk, "graduate", opinion="运行规范", filing_number="XF-2026-01")
    services.review_organization(staff, org.pk, "exit", opinion="自愿解散")
    org.refresh_from_db()
    assert org.stage == OrgStage.EXITED
    reviews = list(StageReview.objects.filter(organization=org).values_list("from_stage", "to_stage"))
    assert reviews == [("applied", "incubating"), ("incubating", "mature"), ("mature", "exited")]
    assert verify_chain(CommunityEvent.objects.order_by("id")) is None


def test_party_building_project_needs_a_party_org_and_a_social_org(users, county, party_unit, social_unit):
    staff = users["community_staff"]
    with pytest.raises(ServiceError):
        services.create_project(
            staff,
            title="红色物业",
            region=county["community"],
            party_unit=party_unit,
            social_orgs=[],
            description="共建",
        )
    project = services.create_project(
        staff,
        title="红色物业",
        region=county["community"],
        party_unit=party_unit,
        social_orgs=[social_unit],
        description="党建引领物业服务",
    )
    assert list(project.social_orgs.all()) == [social_unit]


# ---------------------------------------------------------------- sign-up, waiting list, sign-in


def test_capacity_waiting_list_and_promotion(users, activity):
    r1, r2, r3 = (
        users["resident"],
        users["resident2"],
        make_user("resident3", "resident", phone="13500135000"),
    )
    assert services.sign_up(r1, activity.pk).state == SignupState.REGISTERED
    assert services.sign_up(r2, activity.pk).state == SignupState.REGISTERED
    third = services.sign_up(r3, activity.pk)
    assert third.state == SignupState.WAITING
    assert selectors.waiting_position(third) == 1
    with pytest.raises(ServiceError, match="已报名"):
        services.sign_up(r1, activity.pk)
    services.cancel_signup(r1, activity.pk)
    third.refresh_from_db()
    assert third.state == SignupState.REGISTERED and third.promoted_at is not None
    # the one who cancelled and signs up again goes to the back of the queue
    assert services.sign_up(r1, activity.pk).state == SignupState.WAITING


def test_qr_sign_in_needs_a_valid_token_for_this_activity(users, activity, units):
    resident = users["resident"]
    services.sign_up(resident, activity.pk)
    with during(activity):
        _qr_sign_in_checks(users, activity, units, resident)


def _qr_sign_in_checks(users, activity, units, resident):
    with pytest.raises(ServiceError, match="无效"):
        services.sign_in_by_qr(resident, activity.pk, "forged-token")
    other = services.create_activity(
        users["community_staff"],
        title="另一个活动",
        description="内容",
        region=activity.region,
        location="x",
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        capacity=5,
        organizer_unit=units["community"],
    )
    with pytest.raises(ServiceError, match="不符"):
        services.sign_in_by_qr(resident, activity.pk, services.qr_token(other))
    expired = signing.dumps({"a": activity.pk}, salt=services.QR_SALT, compress=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "qr_max_age", lambda: -1)
        with pytest.raises(ServiceError, match="过期"):
            services.sign_in_by_qr(resident, activity.pk, expired)
    signup = services.sign_in_by_qr(resident, activity.pk, services.qr_token(activity))
    assert signup.sign_in_method == "qr" and signup.signed_in_at is not None
    with pytest.raises(ServiceError, match="重复"):
        services.sign_in_by_qr(resident, activity.pk, services.qr_token(activity))
    # a resident who did not sign up cannot sign in, even with the code
    with pytest.raises(ServiceError, match="有效报名"):
        services.sign_in_by_qr(users["resident2"], activity.pk, services.qr_token(activity))


def test_staff_sign_in_only_by_organiser(users, activity):
    services.sign_up(users["resident"], activity.pk)
    with during(activity), pytest.raises(PermissionDeniedError):
        services.sign_in_by_staff(users["resident2"], activity.pk, user=users["resident"])
    with during(activity):
        signup = services.sign_in_by_staff(users["community_staff"], activity.pk, user=users["resident"])
    assert signup.sign_in_method == "staff"


# ---------------------------------------------------------------- the time bank


def test_hours_are_credited_once_with_source_and_confirmation(users, activity):
    staff, resident = users["community_staff"], users["resident"]
    with during(activity), pytest.raises(ServiceError, match="已签到"):
        services.record_hours(staff, activity.pk, user=resident)
    record = _attend(activity, resident, users["grid_worker"])
    with pytest.raises(PermissionDeniedError):
        services.confirm_hours(resident, record.pk)
    entry = services.confirm_hours(staff, record.pk)
    assert entry.kind == EntryKind.CREDIT and entry.record == record and entry.confirmed_by == staff
    with pytest.raises(IllegalTransition, match="重复"):
        services.confirm_hours(staff, record.pk)
    with during(activity), pytest.raises(IllegalTransition):
        services.record_hours(staff, activity.pk, user=resident, hours="2")
    account = LedgerAccount.objects.get(user=resident)
    assert account.balance_hours == Decimal("3.0") and account.balance_points == 30
    assert LedgerEntry.objects.filter(record=record, kind=EntryKind.CREDIT).count() == 1
    # the database itself refuses a second credit for the same record
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            kind=EntryKind.CREDIT,
            debit=services.issuer_account(),
            credit=account,
            hours=Decimal(3),
            points=30,
            record=record,
            confirmed_by=staff,
        )
    # double entry: what the volunteers hold is what the issuer gave
    issuer = services.issuer_account()
    assert issuer.balance_hours == -account.balance_hours


def test_ledger_cannot_be_edited_or_deleted_and_corrections_are_new_entries(users, activity):
    staff, resident = users["community_staff"], users["resident"]
    entry = services.confirm_hours(staff, _attend(activity, resident, users["grid_worker"]).pk)
    entry.hours = Decimal(100)
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    entry.refresh_from_db()
    assert entry.hours == Decimal(3)
    correction = services.correct_entry(staff, entry.pk, reason="时长登记错误")
    assert correction.reverses == entry and correction.debit == entry.credit
    assert LedgerEntry.objects.count() == 2
    assert LedgerAccount.objects.get(user=resident).balance_hours == 0
    assert selectors.total_hours(resident) == 0
    with pytest.raises(IllegalTransition):
        services.correct_entry(staff, entry.pk, reason="再次")


def test_balance_can_never_go_negative(users, activity):
    staff, resident = users["community_staff"], users["resident"]
    services.confirm_hours(staff, _attend(activity, resident, users["grid_worker"]).pk)
    services.redeem_points(staff, user=resident, points=20, note="兑换洗衣液")
    with pytest.raises(ServiceError, match="余额不足"):
        services.redeem_points(staff, user=resident, points=11, note="兑换大米")
    assert LedgerAccount.objects.get(user=resident).balance_points == 10
    # correcting the credit after points were spent would go below zero: refused
    credit = LedgerEntry.objects.get(kind=EntryKind.CREDIT)
    with pytest.raises(ServiceError, match="余额不足"):
        services.correct_entry(staff, credit.pk, reason="误记")
    # and the database refuses a negative volunteer balance even behind the service's back
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(user=resident).update(balance_points=-1)


# ---------------------------------------------------------------- households, visits, coverage


def test_household_limits(users, center, party_member, settings):
    settings.GONGZHI = {**settings.GONGZHI, "COMMUNITY_HOUSEHOLDS_MAX": 6}
    services.link_household(party_member, center.pk, address="幸福小区2栋101", head_name="张三")
    with pytest.raises(ServiceError, match="最多联系6户"):
        services.link_household(party_member, center.pk, address="幸福小区2栋102", head_name="李四")
    with pytest.raises(PermissionDeniedError):
        services.link_household(users["resident"], center.pk, address="幸福小区2栋103", head_name="王五")


def test_visit_raises_an_appeal_with_consent_visible_to_dispatcher(users, center, party_member, category):
    house = center.households.first()
    with pytest.raises(ServiceError, match="同意"):
        services.record_visit(
            party_member,
            center.pk,
            visited_on=timezone.localdate(),
            household_ids=[house.pk],
            heard="楼道灯坏了一个月，老人夜里下楼不便。",
            raise_appeal=True,
            appeal_title="楼道灯坏了",
        )
    assert not center.visits.exists()
    visit = services.record_visit(
        party_member,
        center.pk,
        visited_on=timezone.localdate(),
        household_ids=[house.pk],
        heard="楼道灯坏了一个月，老人夜里下楼不便。",
        needs=["elderly"],
        raise_appeal=True,
        consent=True,
        consent_note="口头同意，并在走访记录上签字",
        appeal_title="楼道灯坏了",
        category=category,
    )
    appeal = visit.appeal
    assert appeal.channel == "household_visit" and appeal.first_receiver == party_member
    assert appeal.appellant_name == house.head_name
    assert visible_appeals(users["dispatcher"]).filter(pk=appeal.pk).exists()
    house.refresh_from_db()
    assert house.last_visited_on == timezone.localdate()


def test_coverage_counts_households_not_visited_for_n_days(users, center, party_member, county):
    houses = list(center.households.order_by("pk"))
    services.record_visit(
        party_member,
        center.pk,
        visited_on=timezone.localdate() - timedelta(days=40),
        household_ids=[houses[0].pk],
        heard="身体不错",
    )
    services.record_visit(
        party_member,
        center.pk,
        visited_on=timezone.localdate() - timedelta(days=3),
        household_ids=[houses[1].pk, houses[2].pk],
        heard="孩子托管有困难",
        needs=["childcare"],
    )
    rows = selectors.coverage(county["community"], 30)
    assert [(r.region, r.households, r.unvisited) for r in rows] == [(county["grid"], 5, 3)]
    rows = selectors.coverage(county["county"], 60, level="community")
    assert [(r.region, r.households, r.unvisited) for r in rows] == [(county["community"], 5, 2)]
    assert selectors.unvisited(county["community"], 30).count() == 3
    assert selectors.unvisited(county["other_community"], 30).count() == 0


def test_needs_are_matched_with_reasons(users, center, party_member, county, party_unit, activity):
    staff = users["community_staff"]
    org = services.register_organization(
        users["resident"],
        name="四点半课堂",
        domain="service",
        region=county["community"],
        skills=["childcare"],
    )
    services.set_mentor_unit(staff, org.pk, mentor_unit=party_unit)
    services.review_organization(staff, org.pk, "admit", opinion="同意")
    services.save_volunteer_profile(users["resident2"], region=county["community"], skills="childcare,legal")
    services.record_visit(
        party_member,
        center.pk,
        visited_on=timezone.localdate(),
        household_ids=[center.households.first().pk],
        heard="双职工，孩子放学无人照看",
        needs=["childcare", "elderly"],
    )
    needs = selectors.matches(county["community"])
    childcare = next(n for n in needs if n.kind == "childcare")
    names = [s["name"] for s in childcare.suggestions]
    assert names[0] == "四点半课堂" and "resident2" in names
    assert "同一社区" in childcare.suggestions[0]["reason"]
    elderly = next(n for n in needs if n.kind == "elderly")
    assert [s["name"] for s in elderly.suggestions] == [activity.title]


def test_database_refuses_editing_entries_on_postgresql(users, activity):
    from django.db import DatabaseError, connection

    staff = users["community_staff"]
    entry = services.confirm_hours(staff, _attend(activity, users["resident"], users["grid_worker"]).pk)
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(hours=Decimal(99))
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).hours == Decimal(3)


def test_an_ordinary_party_member_acts_on_their_own_center_only(
    users, county, center, party_member, party_unit
):
    """Issue N item 3: a party member (any non-resident of a party organisation) had manager powers: they
    recorded visits on other members' centres, reviewed organisations and organised in any community."""
    other_member = make_user("partymember7", "party_member", region=county["community"], unit=party_unit)
    other = services.create_central_household(
        users["community_staff"], party_member=other_member, grid=county["grid"], address="幸福小区9栋101"
    )
    house = services.link_household(other_member, other.pk, address="幸福小区9栋102", head_name="住户9")
    assert not services.can_manage(party_member, county["community"])
    with pytest.raises(PermissionDeniedError):
        services.record_visit(
            party_member,
            other.pk,
            visited_on=timezone.localdate(),
            household_ids=[house.pk],
            heard="一切正常",
        )
    with pytest.raises(PermissionDeniedError):
        services.link_household(party_member, other.pk, address="幸福小区9栋103", head_name="住户10")
    with pytest.raises(PermissionDeniedError):
        services.create_central_household(
            party_member, party_member=other_member, grid=county["grid"], address="幸福小区9栋104"
        )
    own = center.households.first()
    services.record_visit(
        party_member, center.pk, visited_on=timezone.localdate(), household_ids=[own.pk], heard="一切正常"
    )


# ---------------------------------------------------------------- issue N item 2: no self-minted hours


def test_staff_cannot_mint_volunteer_hours_for_themselves(users, units, county):
    """The penetration test: a handler of a county department organised a 30-minute activity, signed up and in
    before it started, recorded 24 h and confirmed their own record: +24 h / +240 points."""
    handler = users["handler"]  # 住建局, a county department: it serves every community of the county
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ServiceError, match="活动时长"):
        services.create_activity(
            handler,
            title="t",
            description="d",
            region=county["community"],
            location="x",
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            capacity=5,
            hours="24",
            organizer_unit=handler.unit,
        )
    activity = services.create_activity(
        handler,
        title="t",
        description="d",
        region=county["community"],
        location="x",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        capacity=5,
        organizer_unit=handler.unit,
    )
    services.advance_activity(handler, activity.pk, "publish")
    services.sign_up(handler, activity.pk)
    # sign-in only from 30 minutes before the start
    with pytest.raises(IllegalTransition, match="签到"):
        services.sign_in_by_staff(handler, activity.pk, user=handler)
    with during(activity, minutes=-31), pytest.raises(IllegalTransition, match="签到"):
        services.sign_in_by_qr(handler, activity.pk, services.qr_token(activity))
    with during(activity, minutes=-30):
        services.sign_in_by_staff(handler, activity.pk, user=handler)
    # recording only once the activity has started, and never more than it lasted
    with pytest.raises(IllegalTransition, match="记录"):
        services.record_hours(handler, activity.pk, user=handler, hours="0.5")
    with during(activity), pytest.raises(ServiceError, match="活动时长"):
        services.record_hours(handler, activity.pk, user=handler, hours="24")
    with during(activity):
        record = services.record_hours(handler, activity.pk, user=handler, hours="0.5")
    # nobody confirms their own hours, nor hours they recorded
    with pytest.raises(PermissionDeniedError, match="自己"):
        services.confirm_hours(handler, record.pk)
    with during(activity, minutes=60 * 24 * 7 + 31), pytest.raises(IllegalTransition, match="记录"):
        services.record_hours(handler, activity.pk, user=handler, hours="0.5")
    assert not LedgerEntry.objects.filter(record=record).exists()
    assert services.confirm_hours(users["community_staff"], record.pk).hours == Decimal("0.5")


def test_the_recorder_does_not_confirm(users, activity):
    staff = users["community_staff"]
    services.sign_up(users["resident"], activity.pk)
    with during(activity):
        services.sign_in_by_staff(staff, activity.pk, user=users["resident"])
        record = services.record_hours(staff, activity.pk, user=users["resident"])
    with pytest.raises(PermissionDeniedError, match="自己记录"):
        services.confirm_hours(staff, record.pk)
    assert services.confirm_hours(users["grid_worker"], record.pk).confirmed_by == users["grid_worker"]


def test_a_unit_publishes_outside_its_communities_only_after_a_managers_approval(users, county):
    other_staff = users["other_staff"]
    start = timezone.now() + timedelta(days=1)
    grid_worker = users["grid_worker"]  # 幸福社区居委会 serves 幸福社区, not 和平社区
    activity = services.create_activity(
        grid_worker,
        title="t",
        description="d",
        region=county["other_community"],
        location="x",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
        organizer_unit=grid_worker.unit,
    )
    with pytest.raises(PermissionDeniedError, match="审核"):
        services.advance_activity(grid_worker, activity.pk, "publish")
    with pytest.raises(PermissionDeniedError):
        services.advance_activity(users["community_staff"], activity.pk, "publish")  # not their community
    assert services.advance_activity(other_staff, activity.pk, "publish").state == "published"


def test_ledger_corrections_and_redemptions_by_the_volunteers_community_only(users, activity):
    staff, resident = users["community_staff"], users["resident"]
    entry = services.confirm_hours(staff, _attend(activity, resident, users["grid_worker"]).pk)
    with pytest.raises(PermissionDeniedError, match="所在社区"):
        services.redeem_points(users["other_staff"], user=resident, points=10, note="兑换洗衣液")
    with pytest.raises(PermissionDeniedError, match="所在社区"):
        services.correct_entry(users["other_staff"], entry.pk, reason="误记")
    services.redeem_points(staff, user=resident, points=10, note="兑换洗衣液")
    assert LedgerAccount.objects.get(user=resident).balance_points == 20
