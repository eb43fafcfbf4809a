"""The type-check debt lists (pyproject.toml, [tool.mypy]) only shrink: every listed module exists (a moved or
deleted module leaves the list with it) and neither list is longer than when this test was last tightened. After
`scripts/type_debt.py --write` takes modules off, lower the numbers here to the new lengths."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("type_debt", ROOT / "scripts/type_debt.py")
assert _spec is not None and _spec.loader is not None
type_debt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(type_debt)
debt_lists = type_debt.debt_lists

MOST = {"Debt 1": 40, "Debt 2": 44}


@pytest.fixture(scope="module")
def lists():
    return debt_lists((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_both_lists_are_read(lists):
    assert set(lists) == {"Debt 1", "Debt 2"} and all(len(modules) > 10 for modules in lists.values())


def test_every_listed_module_exists(lists):
    missing = [m for modules in lists.values() for m in modules if importlib.util.find_spec(m) is None]
    assert missing == [], f"take these off pyproject.toml's debt lists: {missing}"


@pytest.mark.parametrize("label", sorted(MOST))
def test_the_debt_lists_only_shrink(lists, label):
    assert len(lists[label]) <= MOST[label], (
        f"{label} holds {len(lists[label])} modules, at most {MOST[label]}: a new module must pass mypy, not join"
    )
