"""How well 精准对接 works on the demo county (issue O item 2): how many of the needs heard on visits and read from
appeals find someone to meet them, and how fast the requests the community worker sends are met.

    .venv/bin/python bench/community_matching.py

Builds the community demo in a temporary SQLite database (through the real services, as `make run` does) and
prints the figures; the last line is JSON.
"""

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GONGZHI_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ["GONGZHI_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "matching.sqlite3")
os.environ.pop("DATABASE_URL", None)


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from gongzhi.community import selectors
    from gongzhi.community.demo import load_community_demo
    from gongzhi.community.models import HelpRequest
    from gongzhi.core.services import ensure_role_groups

    ensure_role_groups()
    load_community_demo()
    needs = selectors.matches(None, limit=500)
    matched = [n for n in needs if n.suggestions]
    by_type: dict[str, int] = {}
    for need in matched:
        for kind in {s["type"] for s in need.suggestions}:
            by_type[kind] = by_type.get(kind, 0) + 1
    requests = list(HelpRequest.objects.all())
    done = [r for r in requests if r.done_at]
    answered = [r for r in requests if r.answered_at]
    days_to_done = [(r.done_at - r.asked_at).total_seconds() / 86400 for r in done]
    hours_to_answer = [(r.answered_at - r.asked_at).total_seconds() / 3600 for r in answered]
    unmet = selectors.unmet_needs(needs)
    result = {
        "needs": len(needs),
        "matched": len(matched),
        "matched_share": round(len(matched) / len(needs), 3) if needs else None,
        "matched_by_type": by_type,
        "requests": len(requests),
        "accepted_or_done": sum(r.state in ("accepted", "done") for r in requests),
        "declined": sum(r.state == "declined" for r in requests),
        "done": len(done),
        "median_hours_to_answer": round(statistics.median(hours_to_answer), 1) if hours_to_answer else None,
        "median_days_to_done": round(statistics.median(days_to_done), 1) if days_to_done else None,
        "unmet_rows": len(unmet),
        "unmet_needs": sum(u["count"] for u in unmet),
    }
    print(
        f"needs identified: {result['needs']}; with someone to meet them: {result['matched']} "
        f"({100 * (result['matched_share'] or 0):.0f}%) — by kind of helper {by_type}"
    )
    print(
        f"requests sent: {result['requests']}; accepted or done: {result['accepted_or_done']}; declined: "
        f"{result['declined']}; done: {result['done']}; median time to answer {result['median_hours_to_answer']} h, "
        f"to done {result['median_days_to_done']} days"
    )
    print(f"needs nobody can meet: {result['unmet_needs']} in {result['unmet_rows']} community × kind rows")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
