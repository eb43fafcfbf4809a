import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from gongzhi.insight import duplicates

DATA = Path(__file__).parent / "data"
A = "A市A3区幸福小区3栋门口的路灯坏了两周了，晚上出行很不安全，请尽快修复。"
A2 = "A3区幸福小区3栋门口路灯坏了两周，晚上出行很不安全，请尽快修复！"
B = "A7县星沙一桥从早堵到晚，建议尽快拓宽改造。"


def test_index_finds_near_duplicates_only():
    index = duplicates.DuplicateIndex()
    index.add("a", A)
    index.add("b", B)
    found = index.query(A2)
    assert [c.key for c in found] == ["a"]
    assert 0.3 <= found[0].jaccard <= 1
    assert abs(found[0].jaccard - duplicates.exact_jaccard(A, A2)) < 0.15


def test_index_filters_region_category_and_time():
    t0 = datetime(2024, 1, 1)
    index = duplicates.DuplicateIndex()
    index.add("same", A, region_path="/1/2/", category=1, time=t0)
    index.add("other_region", A + "。", region_path="/1/3/", category=1, time=t0)
    index.add("other_cat", A + "！", region_path="/1/2/", category=2, time=t0)
    index.add("old", A + "？", region_path="/1/2/", category=1, time=t0 - timedelta(days=60))
    found = index.query(A2, region_path="/1/2/", category=1, since=t0 - timedelta(days=30))
    assert [c.key for c in found] == ["same"]


def test_query_scores_every_candidate_as_minhash_jaccard_does():
    _pairs, texts = _labelled()
    index = duplicates.DuplicateIndex()
    for key, text in texts.items():
        index.add(key, text)
    scored = 0
    for key, text in list(texts.items())[:200]:
        m = index.items[key][0]
        found = index.query(text, exclude=key, minhash_=m)
        assert [c.jaccard for c in found] == sorted((c.jaccard for c in found), reverse=True)
        for c in found:
            assert c.jaccard == round(float(m.jaccard(index.items[c.key][0])), 3) >= duplicates.THRESHOLD
        missed = {k for k in index.lsh.query(m) if k != key} - {c.key for c in found}
        assert all(m.jaccard(index.items[k][0]) < duplicates.THRESHOLD for k in missed)
        scored += len(found)
    assert scored > 50


def _labelled():
    with open(DATA / "duplicate_pairs.csv", encoding="utf-8") as f:
        pairs = [(r["id_a"], r["id_b"], int(r["duplicate"])) for r in csv.DictReader(f)]
    with open(DATA / "duplicate_messages.csv", encoding="utf-8") as f:
        texts = {r["id"]: duplicates.appeal_text(r["title"], r["detail"]) for r in csv.DictReader(f)}
    return pairs, texts


def test_labelled_pairs_precision_and_recall():
    pairs, texts = _labelled()
    assert len(pairs) > 1000 and sum(y for *_, y in pairs) > 600
    result = duplicates.precision_recall(pairs, texts)
    assert result["precision"] >= 0.93
    assert result["recall"] >= 0.78


@pytest.mark.django_db
def test_find_similar_in_the_database(make_appeal, county, users):
    from gongzhi.appeals.models import Appeal

    master = make_appeal(title="幸福小区路灯坏了", content=A)
    copy = make_appeal(users["resident2"], title="幸福小区的路灯坏了", content=A2)
    make_appeal(title="星沙一桥太堵", content=B)
    elsewhere = make_appeal(title="幸福小区路灯坏了", content=A, region=county["other_community"])
    old = make_appeal(title="幸福小区路灯坏了", content=A)
    Appeal.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=40))

    found = duplicates.find_similar(copy)
    assert [f["appeal"].pk for f in found] == [master.pk]
    assert found[0]["jaccard"] >= 0.3
    # from a text, in the other street
    found = duplicates.find_similar(A2, region=county["other_community"])
    assert [f["appeal"].pk for f in found] == [elsewhere.pk]
    # a wider window brings the old one back
    found = duplicates.find_similar(copy, since=timezone.now() - timedelta(days=60))
    assert {f["appeal"].pk for f in found} == {master.pk, old.pk}
