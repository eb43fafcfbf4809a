"""Fixtures of the insight tests: a tiny classifier trained from a slice of the shipped data."""

import csv

import pytest

from gongzhi.insight import classifier

PER_CLASS = 25


def tiny_rows(per_class: int = PER_CLASS, offset: int = 0) -> list[dict]:
    rows = [r for r in classifier.read_csv(classifier.LABELED_CSV) if r["title"]]
    out: list[dict] = []
    seen: dict[str, int] = {}
    for r in rows:
        k = seen.get(r["label"], 0)
        if offset <= k < offset + per_class:
            out.append(r)
        seen[r["label"]] = k + 1
    return out


def write_csv(path, rows, fields):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.joblib"
    classifier.save(classifier.train(classifier.examples_from_rows(tiny_rows())), path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tiny_model_path):
    return classifier.load(tiny_model_path)
