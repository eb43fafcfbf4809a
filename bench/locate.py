"""How fast `locate` (core.geo) finds the region of a point: the demo county's boundaries, and the same boundaries
with as many vertices as real civil-affairs outlines have.

    .venv/bin/python bench/locate.py [--points 20000] [--vertices 4000]

No database: the index is built from the demo's boundaries (demo.loader.demo_boundaries) as `locate` builds it from
the regions' rows. Prints one line per case and, last, one JSON object.
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

import django  # noqa: E402

django.setup()

from shapely.geometry import mapping  # noqa: E402

from gongzhi.core import geo  # noqa: E402
from gongzhi.demo import loader as demo  # noqa: E402


def demo_rows(vertices: int = 0) -> list:
    """(pk, code, name, level, path, boundary) rows of the demo county; `vertices` > 0 densifies each outline to
    about that many vertices (a real street's outline has thousands)."""
    pk = iter(range(1, 10_000))
    county = SimpleNamespace(pk=next(pk), code=demo.COUNTY_CODE, parent_id=None, level="county")
    streets, communities, grids = [], [], []
    for i, (_name, names) in enumerate(demo.STREETS, 1):
        street = SimpleNamespace(
            pk=next(pk), code=f"{county.code}{i:03d}", parent_id=county.pk, level="street"
        )
        streets.append(street)
        for j, _c in enumerate(names, 1):
            community = SimpleNamespace(
                pk=next(pk), code=f"{street.code}{j:03d}", parent_id=street.pk, level="community"
            )
            communities.append(community)
            grids += [
                SimpleNamespace(
                    pk=next(pk), code=f"{community.code}{k:02d}", parent_id=community.pk, level="grid"
                )
                for k in range(1, demo.GRIDS_PER_COMMUNITY + 1)
            ]
    regions = {"county": county, "streets": streets, "communities": communities, "grids": grids}
    shapes = demo.demo_boundaries(regions)
    rows = []
    for region in [county, *streets, *communities, *grids]:
        shape = shapes[region.code]
        if vertices:
            shape = shape.segmentize(shape.length / vertices)
        rows.append((region.pk, region.code, region.code, region.level, "", mapping(shape)))
    return rows


def measure(rows, points: int, seed: int = 1) -> dict:
    started = time.perf_counter()
    index = geo._Index(rows)
    build = time.perf_counter() - started
    west, south, east, north = 112.93, 28.15, 113.03, 28.23  # a little beyond the county: some points miss
    rng = random.Random(seed)
    sample = [(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(points)]
    started = time.perf_counter()
    found = sum(index.locate(lon, lat) is not None for lon, lat in sample)
    elapsed = time.perf_counter() - started
    vertices = sum(len(json.dumps(r[5]["coordinates"])) for r in rows)  # a size proxy, printed as KB of JSON
    return {
        "regions": len(rows),
        "json_kb": round(vertices / 1024),
        "build_ms": round(build * 1000, 1),
        "per_second": round(points / elapsed),
        "us_per_locate": round(elapsed / points * 1e6, 1),
        "inside": round(found / points, 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--vertices", type=int, default=4_000, help="vertices per outline in the dense case")
    args = parser.parse_args()
    result = {
        "demo": measure(demo_rows(), args.points),
        "dense": measure(demo_rows(args.vertices), args.points),
    }
    for name, figures in result.items():
        print(
            f"{name}: {figures['regions']} regions ({figures['json_kb']} KB of coordinates), index built in "
            f"{figures['build_ms']} ms, {figures['per_second']:,} locates/s ({figures['us_per_locate']} µs each), "
            f"{figures['inside']:.0%} of the points inside the county"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
