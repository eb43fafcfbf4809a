"""How soon the operator's screen shows a ringing call after the CTI posts it (来电弹屏, docs/deploy.md).

    .venv/bin/python bench/screen_pop.py [--calls 30] [--port 0]

A temporary SQLite database is migrated and given an operator with a seat and a CTI key; the development server
runs it in its own process. A real browser (Debian's chromium) signs in as the operator and opens the intake page,
whose screen-pop htmx polls every second. Each round POSTs a `ringing` event for a new caller and times, in this
process, from just before the POST until the caller's masked number is on the screen; then `ended`. Rounds start
at a random moment of the poll's second (else each would ring just after a poll and wait a whole second).

The wait is the poll's phase (0–1 s, uniform) plus one request; the target is every call on screen within 2 s,
p50 near 0.5 s. Prints the figures; the last line is JSON.
"""

import argparse
import json
import os
import random
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-screen-pop-1"

SEED = """
import json
from gongzhi.calls.models import CtiKey, Seat
from gongzhi.core.choices import Role
from gongzhi.core.testing import make_user
user = make_user("operator_bench", Role.OPERATOR)
user.set_password(PASSWORD)
user.save()
Seat.objects.create(agent_id="9001", user=user)
_key, raw = CtiKey.issue("bench")
print("SEED" + json.dumps({"key": raw}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gongzhi(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "gongzhi"), *args], env=env, cwd=ROOT, check=True, **kwargs)


def post_event(url: str, key: str, event: dict) -> None:
    request = urllib.request.Request(
        f"{url}/api/v1/cti/calls/",
        data=json.dumps(event).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201), response.status


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory(prefix="screen_pop-")
    env = {
        **os.environ,
        "GONGZHI_DEBUG": "1",  # the development server serves the static files (htmx) itself
        "GONGZHI_2FA_ROLES": "",  # the bench signs in with a password only
        "GONGZHI_SQLITE_PATH": str(Path(folder.name) / "screen_pop.sqlite3"),
        "GONGZHI_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
    }
    env.pop("DATABASE_URL", None)
    gongzhi(env, "migrate", "--verbosity", "0")
    seeded = gongzhi(
        env, "shell", "-c", SEED.replace("PASSWORD", repr(PASSWORD)), capture_output=True, text=True
    )
    key = json.loads(seeded.stdout.rsplit("SEED", 1)[1].splitlines()[0])["key"]

    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gongzhi"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    waits: list[float] = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/accounts/login/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_context(base_url=url, locale="zh-CN").new_page()
            page.goto("/accounts/login/")
            page.fill("#id_username", "operator_bench")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda address: "/accounts/login/" not in address)
            page.goto("/appeals/staff/new/")
            page.wait_for_selector("#screen-pop:has-text('暂无来电')")
            for n in range(args.calls):
                caller = f"1380013{n:04d}"
                time.sleep(random.uniform(0, 1))  # a call rings at any moment of the poll's second
                began = time.perf_counter()
                post_event(
                    url,
                    key,
                    {"event": "ringing", "call_id": f"B{n}", "caller": caller, "operator_id": "9001"},
                )
                page.wait_for_selector(f"#caller-number:has-text('138****{n:04d}')", timeout=10_000)
                waits.append(time.perf_counter() - began)
                post_event(
                    url, key, {"event": "ended", "call_id": f"B{n}", "caller": caller, "operator_id": "9001"}
                )
                page.wait_for_selector("#screen-pop:has-text('通话已结束')", timeout=10_000)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        folder.cleanup()

    load = os.getloadavg()[0]
    figures = {
        "calls": len(waits),
        "p50_s": round(percentile(waits, 0.5), 3),
        "p95_s": round(percentile(waits, 0.95), 3),
        "max_s": round(max(waits), 3),
        "within_2s": sum(w < 2.0 for w in waits),
        "load_average": round(load, 2),
    }
    print(
        f"{figures['calls']} calls: on screen p50 {figures['p50_s']} s, p95 {figures['p95_s']} s, "
        f"max {figures['max_s']} s; {figures['within_2s']} within 2 s (load average {figures['load_average']})"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
