"""Import and export of appeals (issue 8): the round trip through the project's own export, idempotence,
the dry run's Chinese row problems, profiles of other systems, masking and the download endpoints."""

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from gongzhi.appeals import deadlines, services
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.exchange import exporting
from gongzhi.appeals.exchange.importing import ImportFileError, import_appeals
from gongzhi.appeals.exchange.models import ImportedAppeal, ImportProfile
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core.audit import broken_links
from gongzhi.core.models import AuditHead
from gongzhi.core.testing import PASSWORD

CJK = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------- appeals made through the real services


@pytest.fixture
def history(users, units, county, make_appeal):
    """A few dozen appeals in every state, made through the services over a few simulated days."""
    made = []
    start = timezone.now() - timedelta(days=20)
    with time_machine.travel(start, tick=False) as clock:

        def step(minutes=37):
            clock.shift(timedelta(minutes=minutes))

        for i in range(36):
            step()
            region = county["grid"] if i % 3 else county["other_community"]
            if i % 5 == 0:
                appeal, _code = services.submit_appeal(
                    users["operator"],
                    kind="help",
                    channel="hotline",
                    title=f"来电求助第{i}号：楼道灯不亮",
                    content=f"来电人反映=SUM(A1)楼道灯坏了{i}天，老人上下楼不便，请尽快处理。",
                    region=region,
                    appellant_name="王小明",
                    appellant_phone="13512345678",
                    confidential=i % 10 == 0,
                    anonymous=False,
                    address=f"幸福小区{i}栋",
                )
            elif i % 7 == 0:
                appeal, _code = services.submit_appeal(
                    users["operator"],
                    kind="report",
                    channel="letter",
                    title=f"匿名举报第{i}号：夜间施工",
                    content="工地夜间施工噪音很大，影响居民休息，请查处。",
                    region=region,
                    anonymous=True,
                )
            else:
                appeal = make_appeal(
                    title=f"小区路灯坏了第{i}号", region=region, longitude="112.938814", latitude="28.228209"
                )
            made.append(appeal)
            target = [
                "received",
                "dispatched",
                "accepted",
                "in_progress",
                "replied",
                "closed",
                "merged",
                "answered",
            ][i % 8]
            if target == "merged" and len(made) > 1:
                step(3)
                services.merge_into(users["dispatcher"], appeal.pk, master=made[0], note="同一问题")
                continue
            if target == "answered":
                step(5)
                services.answer_directly(
                    users["operator"], appeal.pk, text="已按政策告知办理途径和所需材料。"
                )
                continue
            if target == "received":
                continue
            step(10)
            services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
            if target == "dispatched":
                continue
            step(30)
            services.sign(users["handler"], appeal.pk)
            if target == "accepted":
                continue
            step(45)
            services.record_contact(users["handler"], appeal.pk, note="电话联系诉求人")
            if target == "in_progress":
                continue
            step(600)
            services.reply(users["handler"], appeal.pk, text=f"已安排维修，第{i}号问题已经处理完毕。")
            if target == "replied" or appeal.anonymous:
                continue
            step(300)
            services.callback(
                users["operator"] if appeal.appellant_id is None else appeal.appellant,
                appeal.pk,
                contacted=True,
                solved=True,
                satisfaction="satisfied",
            )
    return list(Appeal.objects.filter(pk__in=[a.pk for a in made]))


def snapshot(appeal: Appeal) -> dict:
    def t(value):
        return timezone.localtime(value).replace(microsecond=0) if value else None

    return {
        "number": appeal.number,
        "title": appeal.title,
        "content": appeal.content,
        "state": appeal.state,
        "kind": appeal.kind,
        "channel": appeal.channel,
        "urgency": appeal.urgency,
        "category": appeal.category.code if appeal.category is not None else None,
        "region": appeal.region.code,
        "address": appeal.address,
        "longitude": appeal.longitude,
        "latitude": appeal.latitude,
        "anonymous": appeal.anonymous,
        "confidential": appeal.confidential,
        "lead_unit": appeal.lead_unit.code if appeal.lead_unit is not None else None,
        "master": appeal.master.number if appeal.master is not None else None,
        "reply_text": appeal.reply_text,
        "close_reason": appeal.close_reason,
        **{
            f: t(getattr(appeal, f))
            for f in ("received_at", "dispatched_at", "signed_at", "contacted_at", "replied_at", "closed_at")
        },
    }


def empty_appeals() -> None:
    """What an empty database holds of appeals: nothing (reference data — regions, units, users — stays)."""
    for model in apps.get_models():
        if model is not Appeal and any(
            f.many_to_one and f.related_model is Appeal for f in model._meta.get_fields()
        ):
            model._base_manager.all().delete()
    Appeal.objects.filter(master__isnull=False).delete()
    Appeal.objects.all().delete()
    AuditHead.objects.filter(chain=AppealEvent._meta.label).delete()  # the appeals' chain heads (core.audit)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_export_import_into_empty_database(history, users, client, fmt):
    states = {a.state for a in history}
    assert states >= {"received", "dispatched", "accepted", "in_progress", "replied", "closed", "merged"}
    expected = {
        a.number: snapshot(a)
        for a in Appeal.objects.select_related("category", "region", "lead_unit", "master")
    }
    client.login(username="supervisor1", password=PASSWORD)
    response = client.get(reverse("appeals:export", args=[fmt]))
    assert response.status_code == 200
    data = response.content

    empty_appeals()
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()

    report = import_appeals(data, f"export.{fmt}")
    assert report.problems == []
    assert report.created == len(expected) and report.skipped == 0
    got = {
        a.number: snapshot(a)
        for a in Appeal.objects.select_related("category", "region", "lead_unit", "master")
    }
    assert got == expected
    # The COPY path seals phone numbers as the ORM would (issue K item 2) and fills their blind index.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT appellant_phone FROM appeals_appeal WHERE appellant_phone <> ''")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(value.startswith("gz1$") for value in stored)
    one = Appeal.objects.exclude(appellant_phone="").first()
    assert one.appellant_phone and one in Appeal.objects.filter(appellant_phone=one.appellant_phone)
    assert AppealEvent.objects.filter(action="import").count() == len(expected)
    assert list(broken_links()) == []

    counts = (Appeal.objects.count(), AppealEvent.objects.count(), ImportedAppeal.objects.count())
    again = import_appeals(data, f"export.{fmt}")
    assert (again.created, again.skipped, again.problems) == (0, len(expected), [])
    assert (Appeal.objects.count(), AppealEvent.objects.count(), ImportedAppeal.objects.count()) == counts
    call_command("verify_audit")


def test_imported_appeals_show_on_the_boards(history, client, users):
    """Open imported appeals get their due times, so the lights and overdue board work on them."""
    data = exporting.appeals_csv(users["supervisor"], Appeal.objects.all())
    empty_appeals()
    import_appeals(data, "x.csv")
    dispatched = Appeal.objects.filter(state=AppealState.DISPATCHED).first()
    assert dispatched.sign_due is not None and dispatched.reply_due is not None
    for appeal in Appeal.objects.exclude(state__in=[AppealState.CLOSED, AppealState.MERGED]):
        assert deadlines.compute_dues(appeal) == {
            f: getattr(appeal, f)
            for f in ("dispatch_due", "sign_due", "contact_due", "reply_due", "callback_due")
        }
    client.login(username="supervisor1", password=PASSWORD)
    page = client.get(reverse("appeals:detail", args=[dispatched.pk]))
    assert page.status_code == 200 and "导入" in page.content.decode()


def test_export_applies_the_list_filter_and_the_readers_masking(history, users, client):
    client.login(username="handler1", password=PASSWORD)
    response = client.get(reverse("appeals:export", args=["csv"]), {"state": "dispatched"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    visible = Appeal.objects.filter(state="dispatched", lead_unit__code="U-ZJ")
    assert sorted(r[header.index("编号")] for r in body) == sorted(visible.values_list("number", flat=True))
    assert {r[header.index("状态")] for r in body} == {"已派单"}
    phones = [r[header.index("联系电话")] for r in body if r[header.index("联系电话")]]
    assert phones and all("****" in p for p in phones)
    assert "13512345678" not in response.content.decode("utf-8-sig")
    # Confidential and anonymous appeals hide the appellant from the handling unit entirely.
    for r in body:
        if r[header.index("保密")] == "是" or r[header.index("匿名")] == "是":
            assert r[header.index("诉求人姓名")] == "" and r[header.index("联系电话")] == ""
    # A formula-looking text is exported as text, never as a formula cell.
    xlsx = client.get(reverse("appeals:export", args=["xlsx"]), {"q": "来电求助"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_export_refuses_bad_input_in_chinese(history, client, users):
    client.login(username="supervisor1", password=PASSWORD)
    response = client.get(reverse("appeals:export", args=["pdf"]), follow=True)
    assert "只能导出为 xlsx 或 csv" in response.content.decode()
    response = client.get(reverse("appeals:export", args=["csv"]), {"state": "nonsense"}, follow=True)
    assert "筛选条件无效" in response.content.decode()
    client.login(username="resident1", password=PASSWORD)
    assert client.get(reverse("appeals:export", args=["csv"])).status_code == 403


def test_api_exports(history, users):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["dispatcher"])
    response = api.get("/api/v1/appeals/export.csv", {"state": "closed"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert body.count("\n") - 1 == Appeal.objects.filter(state="closed").count()
    bad = api.get("/api/v1/appeals/export.doc")
    assert bad.status_code == 400 and "xlsx" in bad.json()["detail"]
    rates = api.get("/api/v1/rates/export.pdf")
    assert rates.status_code == 200 and rates.content.startswith(b"%PDF")
    assert api.get("/api/v1/rates/export.xlsx", {"period": "2026-13"}).status_code == 400
    api.force_authenticate(users["resident"])
    assert api.get("/api/v1/appeals/export.csv").status_code == 403


def test_rates_report_excel_and_pdf(history, client, users):
    client.login(username="leader1", password=PASSWORD)
    period = timezone.localdate(Appeal.objects.filter(state="closed").first().closed_at).strftime("%Y-%m")
    page = client.get(reverse("appeals:rates"), {"period": period}).content.decode()
    assert reverse("appeals:rates_export", args=["pdf"]) in page and reverse("insight:hotspot_export") in page
    xlsx = client.get(reverse("appeals:rates_export", args=["xlsx"]), {"period": period})
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["按单位", "按街道", "答复质量"]  # reply quality per unit (insight.quality)
    units = {row[1]: row for row in wb["按单位"].iter_rows(min_row=2, values_only=True)}
    assert units["县住建局"][2] > 0 and 0 <= units["县住建局"][5] <= 1
    streets = [row[1] for row in wb["按街道"].iter_rows(min_row=2, values_only=True)]
    assert "东风街道" in streets
    pdf = client.get(reverse("appeals:rates_export", args=["pdf"]), {"period": period})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.content
    response = client.get(reverse("appeals:rates_export", args=["xlsx"]), {"period": "2026-1"}, follow=True)
    assert "月份格式" in response.content.decode()


def test_list_page_has_the_export_buttons(history, client):
    client.login(username="supervisor1", password=PASSWORD)
    page = client.get(reverse("appeals:list"), {"state": "closed"}).content.decode()
    assert reverse("appeals:export", args=["xlsx"]) + "?state=closed" in page


# ---------------------------------------------------------------- other systems' files


FOREIGN = [
    ["工单ID", "留言主题", "留言详情", "来电时间", "工单状态", "所属街道", "承办单位", "办结时间", "性质"],
    [
        "A-1",
        "路灯不亮",
        "东风路路灯坏了一周",
        "2024/3/5 9:30",
        "已归档",
        "东风街道",
        "县住建局",
        "2024-03-08 10:00",
        "投诉",
    ],
    ["A-2", "噪音扰民", "夜里工地施工", "2024-03-06 22:10:00", "处理中", "西湖街道", "县住建局", "", "投诉"],
    ["A-3", "咨询社保", "社保怎么转移", "2024年3月7日 08:00", "待受理", "东风街道", "", "", "咨询"],
]


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def profile(db):
    return ImportProfile.objects.create(
        name="市12345",
        source_system="city12345",
        mapping={"工单ID": "source_id", "所属街道": "region", "性质": "kind"},
        state_map={"已归档": "closed"},
        defaults={"channel": "hotline"},
    )


def test_profile_maps_another_systems_columns_and_states(county, units, profile):
    report = import_appeals(csv_bytes(FOREIGN, "gb18030"), "city.csv", profile=profile)
    assert report.problems == [] and report.created == 3
    a1 = Appeal.objects.get(import_link__source_id="A-1")
    assert (a1.state, a1.region.name, a1.lead_unit.name, a1.kind) == (
        "closed",
        "东风街道",
        "县住建局",
        "complaint",
    )
    assert timezone.localtime(a1.received_at).strftime("%Y-%m-%d %H:%M") == "2024-03-05 09:30"
    assert a1.number.startswith("20240305")  # numbered like ours, from its receiving day
    assert Appeal.objects.get(import_link__source_id="A-2").state == "in_progress"
    assert Appeal.objects.get(import_link__source_id="A-3").state == "received"
    event = a1.events.get()
    assert event.action == "import" and event.prev_hash == "" and "city12345" in event.note
    assert import_appeals(csv_bytes(FOREIGN), "city.csv", profile=profile).skipped == 3


def test_dry_run_reports_every_problem_in_chinese_and_writes_nothing(county, units, profile):
    rows = [
        FOREIGN[0],
        ["B-1", "", "内容", "2024-03-05 09:30", "已归档", "东风街道", "县住建局", "2024-03-01 10:00", "投诉"],
        ["B-2", "标题", "内容", "昨天", "不知道", "火星街道", "", "", "吐槽"],
        ["B-1", "重复", "内容", "2024-03-05 09:30", "待受理", "东风街道", "", "", "投诉"],
        ["B-3", "标题", "内容", "2024-03-05 09:30", "办理中", "东风街道", "", "", "投诉"],
    ]
    report = import_appeals(csv_bytes(rows), "bad.csv", profile=profile, dry_run=True)
    found = {(p.row, p.column): p.message for p in report.problems}
    assert found[(2, "留言主题")] == "标题不能为空。"
    assert "早于受理时间" in found[(2, "办结时间")]
    assert "无法识别的时间" in found[(3, "来电时间")]
    assert "无法识别的值「不知道」" in found[(3, "工单状态")]
    assert "火星街道" in found[(3, "所属街道")]
    assert "吐槽" in found[(3, "性质")]
    assert "与第2行重复" not in found.get(
        (4, "工单ID"), ""
    )  # row 2 was invalid, so B-1 is first seen on row 4
    assert "须有主办单位" in found[(5, "承办单位")]
    assert all(CJK.search(p.message) for p in report.problems)
    assert not Appeal.objects.exists() and not ImportedAppeal.objects.exists()
    assert report.created == 1 and report.rejected_rows == 3


def test_missing_required_columns_and_unreadable_files(db):
    with pytest.raises(ImportFileError, match="缺少必需的列"):
        import_appeals(csv_bytes([["标题", "诉求内容"], ["a", "b"]]), "x.csv")
    with pytest.raises(ImportFileError, match="Excel"):
        import_appeals(b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(ImportFileError, match=r"\.xlsx 或 \.csv"):
        import_appeals(b"a,b", "x.json")
    with pytest.raises(ImportFileError, match="表头"):
        import_appeals(b"", "x.csv")


def test_command_dry_run_and_import(tmp_path, county, units, profile, capsys):
    path = tmp_path / "city.csv"
    path.write_bytes(csv_bytes(FOREIGN))
    call_command("import_appeals", str(path), "--profile", "市12345", "--dry-run", "--no-progress")
    assert "可导入3行" in capsys.readouterr().out and not Appeal.objects.exists()
    call_command("import_appeals", str(path), "--profile", "市12345", "--no-progress")
    assert Appeal.objects.count() == 3
    call_command("import_appeals", str(path), "--profile", "市12345", "--no-progress")
    assert "跳过3行" in capsys.readouterr().out and Appeal.objects.count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes([FOREIGN[0], ["C-1", "标题", "内容", "2024-13-45", "已归档", "东风街道", "", "", "投诉"]])
    )
    with pytest.raises(CommandError, match="1行有问题"):
        call_command("import_appeals", str(bad), "--profile", "市12345", "--no-progress")
    assert "第2行「来电时间」" in capsys.readouterr().out
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_appeals", str(path), "--profile", "nope")


def test_xlsx_import_with_typed_cells(county, units, profile):
    wb = Workbook()
    ws = wb.active
    ws.append(FOREIGN[0])
    ws.append(
        [
            "X-1",
            "路灯",
            "路灯坏了",
            timezone.datetime(2024, 3, 5, 9, 30),
            "已归档",
            "东风街道",
            "县住建局",
            timezone.datetime(2024, 3, 6, 9, 30),
            "投诉",
        ]
    )
    ws.append(
        [12345, "", "公式", timezone.datetime(2024, 3, 5, 9, 30), "待受理", "东风街道", None, None, "咨询"]
    )
    ws["B3"].value, ws["B3"].data_type = "=1+1", "s"  # a text that looks like a formula, stored as text
    buffer = io.BytesIO()
    wb.save(buffer)
    report = import_appeals(buffer.getvalue(), "city.xlsx", profile=profile)
    assert report.problems == [] and report.created == 2
    assert Appeal.objects.get(import_link__source_id="12345").title == "=1+1"


def test_admin_guided_mapping(client, users, profile):
    client.login(username="admin", password=PASSWORD)
    url = reverse("admin:appeals_importprofile_map", args=[profile.pk])
    assert (
        url in client.get(reverse("admin:appeals_importprofile_change", args=[profile.pk])).content.decode()
    )
    sample = io.BytesIO(csv_bytes(FOREIGN))
    sample.name = "sample.csv"
    page = client.post(url, {"sample": sample}).content.decode()
    assert 'value="留言主题"' in page and "已归档" in page and "处理中" in page
    fields = [
        "source_id",
        "title",
        "content",
        "received_at",
        "state",
        "region",
        "lead_unit",
        "closed_at",
        "kind",
    ]
    response = client.post(
        url,
        {
            "header": FOREIGN[0],
            "field": [*fields[:7], "", "kind"],
            "state_text": ["已归档"],
            "state_value": ["closed"],
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.mapping["留言主题"] == "title" and profile.mapping["办结时间"] == ""
    assert profile.state_map["已归档"] == "closed"
    twice = client.post(url, {"header": FOREIGN[0][:2], "field": ["title", "title"]}, follow=True)
    assert "同时映射" in twice.content.decode()


def test_imported_events_verify_and_a_tampered_one_is_caught(county, units, profile):
    """The import seals its events from a template (importing.EventSeal); verify_audit checks them as any other."""
    import_appeals(csv_bytes(FOREIGN), "city.csv", profile=profile)
    events = list(AppealEvent.objects.filter(action="import").order_by("pk"))
    assert len(events) == 3 and all(e.compute_hash() == e.hash and e.prev_hash == "" for e in events)
    assert list(broken_links()) == []
    AppealEvent.objects.filter(pk=events[1].pk).update(after={**events[1].after, "source_id": "A-9"})
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 broken"):
        call_command("verify_audit", stdout=out)
    appeal = Appeal.objects.get(pk=events[1].appeal_id)
    assert f"chain {appeal.pk} ({appeal.number}): first broken event id={events[1].pk}" in out.getvalue()


def test_import_event_hashes_equal_compute_hash_for_awkward_source_ids(county, units, profile, users):
    """The events' hashes come from a template of the canonical JSON (importing.EventSeal); whatever a source
    id holds (quotes, backslashes, control characters, CJK, emoji) and whoever imports, they equal the hash
    `compute_hash` gives after the round trip through the database, in every batch."""
    awkward = ['A"1', "A\\2", "A\t3", "甲乙丙", "😀-5", "A/6</script>", "A\u00017", "A 8"]
    rows = [FOREIGN[0]] + [
        [
            sid,
            "标题",
            "内容",
            "2024-03-05 09:30",
            "已归档",
            "东风街道",
            "县住建局",
            "2024-03-06 10:00",
            "投诉",
        ]
        for sid in awkward
    ]
    report = import_appeals(
        csv_bytes(rows), "city.csv", profile=profile, actor=users["operator"], batch_size=3
    )
    assert report.created == len(awkward) and not report.problems
    events = list(AppealEvent.objects.filter(action="import").order_by("pk"))
    assert sorted(e.after["source_id"] for e in events) == sorted(awkward)
    assert all(e.actor_id == users["operator"].pk for e in events)
    assert all(e.compute_hash() == e.hash and e.prev_hash == "" for e in events)
    assert list(broken_links()) == []


@pytest.mark.django_db(transaction=True)
def test_import_outside_a_transaction_in_many_batches(county, units, profile):
    """Outside a transaction (as the command runs), PostgreSQL writes each batch on a writer thread while the
    next is checked: every batch lands, a merged appeal finds its master in the last batch, a second import
    skips everything."""
    header = [
        "工单ID",
        "工单编号",
        "留言主题",
        "留言详情",
        "来电时间",
        "工单状态",
        "所属街道",
        "承办单位",
        "办结时间",
        "性质",
        "主诉求编号",
    ]
    merged = [
        "T-m",
        "N900",
        "并单",
        "同一问题",
        "2024-03-05 10:30",
        "已并单",
        "东风街道",
        "",
        "",
        "投诉",
        "N008",
    ]
    rows = [
        [
            f"T-{i}",
            f"N{i:03d}",
            f"标题{i}",
            "内容",
            "2024-03-05 09:30",
            "已归档",
            "东风街道",
            "县住建局",
            "2024-03-06 10:00",
            "投诉",
            "",
        ]
        for i in range(9)
    ]
    data = csv_bytes([header, merged, *rows])
    first = import_appeals(data, "city.csv", profile=profile, batch_size=2)
    assert first.problems == [] and first.created == 10
    assert Appeal.objects.get(number="N900").master == Appeal.objects.get(number="N008")
    again = import_appeals(data, "city.csv", profile=profile, batch_size=2)
    assert (again.created, again.skipped) == (0, 10)
    assert Appeal.objects.count() == 10 and list(broken_links()) == []
