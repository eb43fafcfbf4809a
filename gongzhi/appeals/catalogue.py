"""The category catalogue shipped with gongzhi: the official three-level catalogue of the 2020 Teddy Cup
problem C (第八届"泰迪杯"数据挖掘挑战赛 C题, 内容分类三级标签体系), in data/taxonomy.csv."""

import csv
from pathlib import Path
from typing import Any

TAXONOMY_CSV = Path(__file__).parent / "data" / "taxonomy.csv"


def taxonomy_rows() -> list[tuple[str, str, str]]:
    with TAXONOMY_CSV.open(encoding="utf-8") as fh:
        return [(r["level1"].strip(), r["level2"].strip(), r["level3"].strip()) for r in csv.DictReader(fh)]


def load_catalogue(Category) -> int:
    """Create the catalogue with codes 01 / 0101 / 010101 in file order; idempotent (by code)."""
    codes: dict[tuple[str, ...], str] = {}
    nodes: dict[tuple[str, ...], Any] = {}
    created = 0
    for row in taxonomy_rows():
        path = tuple(part for part in row if part)
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key in codes:
                continue
            parent_key = key[:-1]
            siblings = sum(1 for k in codes if len(k) == depth and k[:-1] == parent_key)
            code = (codes[parent_key] if parent_key else "") + f"{siblings + 1:02d}"
            codes[key] = code
            node, was_created = Category.objects.get_or_create(
                code=code, defaults={"name": key[-1], "level": depth, "parent": nodes.get(parent_key)}
            )
            nodes[key] = node
            created += was_created
    return created
