"""The analyse_appeal task in the worker: pending appeals analysed together give each appeal the result it gets
alone; a failure falls back to one by one and fails only its own task; notification tasks likewise."""

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from gongzhi.appeals.models import Appeal
from gongzhi.appeals.services import suggest_dispatch
from gongzhi.core.choices import NotificationStatus
from gongzhi.core.models import Notification
from gongzhi.insight import classifier, live, services, tasks
from gongzhi.insight.models import AppealPrediction, HotSpot, HotSpotMember

ANALYSE = "gongzhi.insight.tasks.analyse_appeal"
TEXTS = [
    ("小区违章建筑没人管", "A3区幸福小区一楼住户违章搭建，占用消防通道，城管不管。"),
    ("幸福小区违章搭建占用消防通道", "A3区幸福小区一楼住户违章搭建，占用消防通道，多次反映无人处理。"),
    ("孩子入学咨询", "请问外地户籍孩子在本区上小学需要准备哪些材料，什么时候报名？"),
    ("幸福小区一楼违章建筑", "A3区幸福小区一楼住户违章搭建阳光房，占用消防通道，城管不管。"),
    ("路灯坏了", "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。"),
    ("幸福小区路灯不亮", "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，请修理。"),
    ("公交站台破损", "人民路公交站台顶棚破损，下雨无处避雨。"),
]


@pytest.fixture
def db_tasks(settings, tiny_model_path):
    settings.INSIGHT_CLASSIFIER_MODEL = str(tiny_model_path)
    classifier.default_model.cache_clear()
    live._INDEXES.clear()
    live._SPOTS.clear()
    yield settings
    classifier.default_model.cache_clear()
    live._INDEXES.clear()
    live._SPOTS.clear()


def drain(worker_id="test-worker") -> int:
    """django-tasks-db's worker, one claimed task at a time (its loop closes connections, which a test
    transaction cannot survive on PostgreSQL)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    calls = 0
    while (row := DBTaskResult.objects.ready().first()) is not None:
        row.claim(worker_id)
        worker.run_task(row)
        calls += 1
    return calls


def snapshot(appeals) -> dict:
    predictions = {
        p.appeal_id: (p.top3, p.category_id, p.confidence, p.suggested_unit_id, p.model_version)
        for p in AppealPrediction.objects.filter(appeal__in=appeals)
    }
    spots = {}
    for spot in HotSpot.objects.all():
        members = tuple(sorted(spot.members.values_list("appeal_id", flat=True)))
        spots[members] = (
            spot.label,
            spot.place,
            spot.heat,
            spot.size,
            spot.residents,
            spot.growth,
            spot.start,
            spot.end,
        )
    results = {}
    for row in DBTaskResult.objects.filter(task_path=ANALYSE):
        value = dict(row.return_value or {})
        if value.get("hotspot"):
            value["hotspot"] = tuple(
                sorted(
                    HotSpotMember.objects.filter(hotspot_id=value["hotspot"]).values_list(
                        "appeal_id", flat=True
                    )
                )
            )
        results[row.args_kwargs["args"][0]] = (row.status, value)
    return {"predictions": predictions, "spots": spots, "results": results}


def reset(appeals) -> None:
    AppealPrediction.objects.all().delete()
    HotSpot.objects.all().delete()
    live._INDEXES.clear()
    live._SPOTS.clear()
    DBTaskResult.objects.filter(task_path=ANALYSE).update(
        status=TaskResultStatus.READY, started_at=None, finished_at=None, return_value=None, worker_ids=[]
    )


def one_by_one(monkeypatch) -> None:
    """Each task analyses its own appeal with live.analyse (the reference the batch must equal), not a batch of one."""
    monkeypatch.setattr(tasks, "BATCH", 1)
    monkeypatch.setattr(live, "analyse_many", lambda ids, record=None: {pk: live.analyse(pk) for pk in ids})


def submit_all(make_appeal, users):
    people = [users["resident"], users["resident2"]]
    return [make_appeal(people[i % 2], title=t, content=c) for i, (t, c) in enumerate(TEXTS)]


def test_appeals_analysed_together_get_what_each_gets_alone(
    db_tasks, make_appeal, users, dispatch_rule, monkeypatch
):
    appeals = submit_all(make_appeal, users)
    together_many = live.analyse_many
    one_by_one(monkeypatch)
    assert drain() >= len(appeals)
    alone = snapshot(appeals)
    assert len(alone["predictions"]) == len(appeals) and alone["spots"]  # the fixture does make hot spots
    assert {status for status, _v in alone["results"].values()} == {TaskResultStatus.SUCCESSFUL}

    reset(appeals)
    monkeypatch.setattr(tasks, "BATCH", 25)
    monkeypatch.setattr(live, "analyse_many", together_many)
    calls = drain()
    together = snapshot(appeals)
    assert DBTaskResult.objects.filter(task_path=ANALYSE, worker_ids=["test-worker"]).count() == len(appeals)
    assert calls < len(appeals)  # the first task took the others
    assert together == alone


def test_a_batch_on_warm_indexes_gets_what_each_gets_alone(
    db_tasks, make_appeal, users, dispatch_rule, monkeypatch
):
    """The second batch finds the street's index and hot spots warm: its reads come from one _BatchReads and its
    joins from _Joins (incremental joins and a new hot spot) — still what each appeal gets alone."""
    people = [users["resident"], users["resident2"]]
    later = [
        *TEXTS[4:],
        ("幸福小区消防通道被违章建筑占用", "A3区幸福小区一楼住户违章搭建，占用消防通道，请城管处理。"),
    ]
    first = [make_appeal(people[i % 2], title=t, content=c) for i, (t, c) in enumerate(TEXTS[:4])]
    drain()
    warm = []
    read = live._BatchReads.warm
    monkeypatch.setattr(live._BatchReads, "warm", lambda self, *a: warm.append(read(self, *a)) or warm[-1])
    second = [make_appeal(people[i % 2], title=t, content=c) for i, (t, c) in enumerate(later)]
    drain()
    assert warm and all(w is not None for w in warm)  # every warm call was answered from the batch's reads
    appeals = first + second
    together = snapshot(appeals)
    assert any(
        len(members) >= 4 for members in together["spots"]
    )  # a member joined a hot spot of the first batch

    reset(appeals)
    one_by_one(monkeypatch)
    drain()
    assert snapshot(appeals) == together


def test_a_young_task_waits_a_moment_for_the_appeals_that_follow(db_tasks, make_appeal, users, monkeypatch):
    """taskqueue.claim_more(gather=…): a task enqueued less than TASK_GATHER_SECONDS ago that finds its batch short
    waits until it is that old and claims again; the appeal that commits meanwhile is analysed in its batch."""
    from types import SimpleNamespace

    from gongzhi.core import taskqueue

    db_tasks.GONGZHI = {**db_tasks.GONGZHI, "TASK_GATHER_SECONDS": 30}
    waits, later = [], []

    def sleep(seconds):
        waits.append(seconds)
        if not later:  # another appeal commits while the task waits
            later.append(make_appeal(users["resident2"], title=TEXTS[1][0], content=TEXTS[1][1]))

    monkeypatch.setattr(taskqueue, "time", SimpleNamespace(sleep=sleep))
    batches, many = [], live.analyse_many
    monkeypatch.setattr(
        live, "analyse_many", lambda ids, record=None: batches.append(ids) or many(ids, record)
    )
    first = make_appeal(users["resident"], title=TEXTS[0][0], content=TEXTS[0][1])
    drain()
    assert waits and all(0 < w <= 30 for w in waits)
    rows = {r.args_kwargs["args"][0]: r for r in DBTaskResult.objects.filter(task_path=ANALYSE)}
    assert {rows[first.pk].status, rows[later[0].pk].status} == {TaskResultStatus.SUCCESSFUL}
    assert batches == [[first.pk, later[0].pk]]
    # as one by one: the first appeal alone (the later one is outside its window), the later one joins it
    assert rows[first.pk].return_value["hotspot"] is None
    spot = rows[later[0].pk].return_value["hotspot"]
    assert sorted(HotSpotMember.objects.filter(hotspot_id=spot).values_list("appeal_id", flat=True)) == [
        first.pk,
        later[0].pk,
    ]

    # a task that waited in the queue longer than that does not wait
    waits.clear()
    third = make_appeal(users["resident"], title=TEXTS[3][0], content=TEXTS[3][1])
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
        enqueued_at=timezone.now() - timedelta(minutes=1)
    )
    drain()
    assert waits == [] and batches[-1] == [third.pk]
    assert (
        DBTaskResult.objects.get(task_path=ANALYSE, args_kwargs__args=[third.pk]).status
        == TaskResultStatus.SUCCESSFUL
    )


def test_a_failing_appeal_fails_only_its_own_task(db_tasks, make_appeal, users, monkeypatch):
    appeals = submit_all(make_appeal, users)
    bad = appeals[3]
    link = live._link

    def broken(appeal):  # this appeal's own hot-spot step fails, alone or in a batch
        if appeal.pk == bad.pk:
            raise ValueError("broken text")
        return link(appeal)

    monkeypatch.setattr(live, "_link", broken)
    drain()
    rows = {r.args_kwargs["args"][0]: r for r in DBTaskResult.objects.filter(task_path=ANALYSE)}
    assert rows[bad.pk].status == TaskResultStatus.FAILED
    assert rows[bad.pk].exception_class_path == "builtins.ValueError"
    assert all(rows[a.pk].status == TaskResultStatus.SUCCESSFUL for a in appeals if a.pk != bad.pk)
    # one by one, as analyse does alone: the bad appeal still has its prediction (its hot-spot step failed)
    assert AppealPrediction.objects.filter(appeal__in=appeals).count() == len(appeals)
    assert not HotSpotMember.objects.filter(appeal=bad).exists()
    assert HotSpotMember.objects.filter(appeal=appeals[0]).exists()


def test_a_fresh_worker_joins_existing_hot_spots_without_refreshing_them_in_its_transaction(
    db_tasks, make_appeal, users, dispatch_rule, monkeypatch
):
    """A worker that starts (no aggregates held) computes the aggregates of the hot spots its batch joins before
    its write transaction (live._prewarm), so the joins inside are incremental — and still what each appeal gets
    alone."""
    people = [users["resident"], users["resident2"]]
    first = [make_appeal(people[i % 2], title=t, content=c) for i, (t, c) in enumerate(TEXTS[:4])]
    drain()
    assert HotSpot.objects.exists()
    live._INDEXES.clear()
    live._SPOTS.clear()  # a new process
    refreshed = []
    refresh = live.refresh
    monkeypatch.setattr(
        live, "refresh", lambda spot, known=None: refreshed.append(spot.pk) or refresh(spot, known)
    )
    later = [
        ("幸福小区消防通道被违章建筑占用", "A3区幸福小区一楼住户违章搭建，占用消防通道，请城管处理。"),
        ("幸福小区一楼违章搭建", "A3区幸福小区一楼住户违章搭建，占用消防通道，一直没人处理。"),
    ]
    second = [make_appeal(people[i % 2], title=t, content=c) for i, (t, c) in enumerate(later)]
    drain()
    assert refreshed == []
    appeals = first + second
    together = snapshot(appeals)
    assert any(
        len(members) >= 4 for members in together["spots"]
    )  # the new appeals joined the first hot spot

    reset(appeals)
    one_by_one(monkeypatch)
    drain()
    assert snapshot(appeals) == together


def test_the_incremental_hot_spot_equals_its_full_rebuild(db_tasks, make_appeal, users):
    submit_all(make_appeal, users)
    drain()
    spots = list(HotSpot.objects.order_by("pk"))
    assert spots and any(s.size >= 3 for s in spots)  # at least one hot spot took a member incrementally
    live._INDEXES.clear()
    live._SPOTS.clear()
    assert live.rebuild_hotspots() == len(spots)
    for before in spots:
        after = HotSpot.objects.get(pk=before.pk)
        assert (
            after.label,
            after.place,
            after.heat,
            after.size,
            after.residents,
            after.growth,
            after.start,
            after.end,
        ) == (
            before.label,
            before.place,
            before.heat,
            before.size,
            before.residents,
            before.growth,
            before.start,
            before.end,
        )


def test_classify_many_is_classify_one_by_one(db_tasks, tiny_model, county, dispatch_rule):
    items = [(t, c, county["grid"]) for t, c in TEXTS] + [
        ("", "只有正文", None),
        ("只有标题", "", county["grid"]),
    ]
    together = services.classify_many(items)
    assert together == [services.classify(t, c, r) for t, c, r in items]
    for (t, c, region), result in zip(items, together, strict=True):
        assert [(x["name"], x["confidence"]) for x in result["categories"]] == tiny_model.predict_top3(t, c)
        best = next((x["category"] for x in result["categories"][:1]), None)
        from gongzhi.appeals.models import Category

        rule = suggest_dispatch(Category.objects.get(pk=best), region or county["county"]) if best else None
        assert (result["suggested_unit"] or {}).get("rule") == (rule.pk if rule else None)


def test_notification_tasks_are_delivered_together_each_with_its_count(db, users):
    from django.db import transaction

    from gongzhi.core.notifications import notify
    from gongzhi.core.taskqueue import batched

    told = []
    for n in range(4):
        with transaction.atomic(), batched():
            told.append(
                [notify(recipient=users["resident"], subject=f"s{n}", body="b").pk for _ in range(n % 2 + 1)]
            )
    assert drain() == 1
    rows = list(DBTaskResult.objects.filter(task_path="gongzhi.core.tasks.deliver_notifications"))
    assert sorted(r.return_value for r in rows) == sorted(len(ids) for ids in told)
    assert {r.status for r in rows} == {TaskResultStatus.SUCCESSFUL}
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}


def test_batch_reads_answer_what_each_warm_update_would_query(db_tasks, make_appeal, users):
    """_BatchReads.warm gives each appeal's fresh rows and window check exactly as the queries of `_street_index`
    return them, with appeals in the band (the oldest days of the windows), in the middle and fresh."""
    from django.db.models import Count, Max, Min

    now = timezone.now().replace(microsecond=0)
    days = timedelta(days=live.hotspots.LINK_DAYS)
    at = {
        "old": now - days - timedelta(seconds=2),
        "older": now - days - timedelta(seconds=5),
        "middle": now - timedelta(days=30),
        "seed": now - timedelta(seconds=10),
        "b1": now - timedelta(seconds=3),
        "b2": now - timedelta(seconds=1),
        "b3": now,
    }
    pks = {}
    for n, (name, when) in enumerate(at.items()):
        title, content = TEXTS[n % len(TEXTS)]
        pks[name] = make_appeal(users["resident"], title=title, content=content).pk
        Appeal.objects.filter(pk=pks[name]).update(received_at=when)
    appeals = Appeal.objects.select_related(live.REGION_CHAIN).in_bulk(pks.values())
    scope = live.duplicates._scope(appeals[pks["seed"]].region)
    live._street_index(scope, at["seed"] - days, at["seed"])  # warm: it holds the appeals up to the seed
    key = (scope.pk, scope.path)
    lo = max(live._INDEXES[key][1].values()) - live.COMMIT_SLACK
    batch = [appeals[pks[name]] for name in ("b1", "b2", "b3")]
    reads = live._BatchReads(batch)
    for appeal in batch:
        since, until = appeal.received_at - days, appeal.received_at
        fresh, check = reads.warm(key, lo, since, until)
        street = live._in_street(scope, since, until)
        assert fresh == dict(street.filter(received_at__gte=lo).values_list("pk", "received_at"))
        assert check == street.aggregate(n=Count("pk"), first=Min("received_at"), last=Max("received_at"))
    assert reads.warm(key, lo, at["b1"] - days, at["b1"])[1]["first"] == at["old"]  # the band counted
    assert reads.warm(key, lo - timedelta(seconds=1), at["b1"] - days, at["b1"]) is None  # not covered
    assert set(reads.loaded) == {pks["b1"], pks["b2"], pks["b3"]}  # the fields of those the index lacks
