"""What `gongzhi recompute_dues` costs (issue 20 item 6): the demo's appeals replayed into a temporary SQLite
database, a time limit edited, then the recompute run twice (the second changes nothing).

    .venv/bin/python bench/recompute_dues.py [appeals=400] [days=8]

Few days for many appeals, so that many are still open. Prints the figures; the last line is JSON.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GONGZHI_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ["GONGZHI_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "recompute.sqlite3")
os.environ.pop("DATABASE_URL", None)


def main(appeals: int, days: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from gongzhi.appeals.choices import LimitProfile, LimitUnit, Step
    from gongzhi.appeals.deadlines import recompute_open_dues
    from gongzhi.appeals.models import TimeLimit
    from gongzhi.demo.loader import load_demo

    load_demo(limit=appeals, days=days)
    TimeLimit.objects.create(
        category=None, profile=LimitProfile.NORMAL, step=Step.REPLY, amount=5, unit=LimitUnit.WORKING_DAYS
    )
    runs = []
    for _ in range(2):
        began = time.perf_counter()
        result = recompute_open_dues()
        runs.append(
            {
                "checked": result.checked,
                "changed": result.changed,
                "seconds": round(time.perf_counter() - began, 3),
            }
        )
    first = runs[0]
    per_second = round(first["checked"] / first["seconds"]) if first["seconds"] else None
    print(
        f"open appeals {first['checked']}: first run changed {first['changed']} in {first['seconds']} s "
        f"({per_second} appeals/s); second run changed {runs[1]['changed']} in {runs[1]['seconds']} s"
    )
    print(json.dumps({"appeals": appeals, "days": days, "runs": runs, "appeals_per_second": per_second}))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*(args + [400, 8][len(args) :]))
