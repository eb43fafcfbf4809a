"""`make fuzz`: schemathesis against the OpenAPI schema, as every role and anonymously.

Builds a throw-away database (SQLite in a temporary folder, or the PostgreSQL database named by
FUZZ_DATABASE_URL), loads a small demo so ids in paths hit real rows, gives each role's demo user an API
token, serves the project with gunicorn on a free loopback port, then runs `schemathesis run` once per
role. Fails on any 5xx or any response that does not match the schema, and when fewer than FUZZ_MIN
requests were sent in total. Last line: one JSON object with the counts.

Environment: FUZZ_EXAMPLES (max examples per operation and role, default 4), FUZZ_MIN (default 1000),
FUZZ_SEED, FUZZ_ROLES (comma-separated subset), FUZZ_COVERAGE_ROLES (roles that also run schemathesis'
coverage phase — boundary values of every field, thousands of requests; default admin and resident),
FUZZ_DATABASE_URL (postgres://…; dropped and recreated).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# One demo user per role (gongzhi.demo.loader.build_users); None: no credentials at all.
ROLES = {
    "anonymous": None,
    "resident": "resident1",
    "operator": "operator1",
    "dispatcher": "dispatcher1",
    "handler": "handler1",
    "supervisor": "supervisor1",
    "grid_worker": "gridworker1",
    "community_staff": "staff1",
    "party_member": "partymember1",
    "credit_officer": "credit1",
    "leader": "leader1",
    "admin": "admin",
}
CHECKS = "not_a_server_error,response_schema_conformance"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gongzhi(env, *args):
    subprocess.run([str(BIN / "gongzhi"), *args], env=env, check=True, cwd=ROOT)


def prepare_database(env) -> None:
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    gongzhi(env, "migrate", "--noinput", "-v0")
    gongzhi(env, "createcachetable")
    gongzhi(env, "load_demo", "--limit", os.environ.get("FUZZ_DEMO_APPEALS", "30"), "-v0")


def issue_tokens(env) -> dict[str, str]:
    code = (
        "import json; from rest_framework.authtoken.models import Token; from gongzhi.core.models import User\n"
        f"names = {[u for u in ROLES.values() if u]!r}\n"
        "print(json.dumps({u.username: Token.objects.get_or_create(user=u)[0].key "
        "for u in User.objects.filter(username__in=names)}))"
    )
    out = subprocess.run(
        [str(BIN / "gongzhi"), "shell", "-c", code],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=60).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def count_requests(ndjson: Path) -> int:
    """Each ScenarioFinished event of the NDJSON report carries the recorded interactions of one scenario."""
    total = 0
    for line in ndjson.read_text().splitlines():
        event = json.loads(line)
        if "ScenarioFinished" in event:
            total += len(event["ScenarioFinished"].get("recorder", {}).get("interactions", {}))
    return total


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="gongzhi-fuzz-"))
    env = {
        **os.environ,
        "GONGZHI_SQLITE_PATH": str(work / "fuzz.sqlite3"),
        "GONGZHI_MEDIA_ROOT": str(work / "media"),
        "GONGZHI_NOTIFICATION_BACKEND": "gongzhi.core.notifications.DatabaseConsoleBackend",
        "GONGZHI_LOG_LEVEL": "WARNING",
        "GONGZHI_DEBUG": "1",
    }
    env.pop("DATABASE_URL", None)
    if os.environ.get("FUZZ_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["FUZZ_DATABASE_URL"]
    print(
        f"fuzz: preparing {'PostgreSQL' if env.get('DATABASE_URL') else 'SQLite'} database in {work}",
        flush=True,
    )
    prepare_database(env)
    tokens = issue_tokens(env)
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "gongzhi.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "--error-logfile",
            str(work / "gunicorn.log"),
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    results, failed = {}, []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/api/schema/")
        # Fetch the schema once: generating it takes seconds, and every schemathesis run would ask again.
        schema = work / "schema.json"
        with urllib.request.urlopen(f"{base}/api/schema/?format=json", timeout=120) as response:
            schema.write_bytes(response.read())
        roles = [r for r in os.environ.get("FUZZ_ROLES", ",".join(ROLES)).split(",") if r]
        coverage_roles = set(os.environ.get("FUZZ_COVERAGE_ROLES", "admin,resident").split(","))
        for role in roles:
            username = ROLES[role]
            report = work / f"{role}.ndjson"
            cmd = [
                str(BIN / "schemathesis"),
                "run",
                str(schema),
                "--url",
                base,
                "--checks",
                CHECKS,
                "--max-examples",
                os.environ.get("FUZZ_EXAMPLES", "4"),
                "--workers",
                "2",
                "--phases",
                "examples,coverage,fuzzing" if role in coverage_roles else "examples,fuzzing",
                "--generation-database",
                "none",
                "--suppress-health-check",
                "all",
                "--request-timeout",
                "30",
                "--no-color",
                "--report",
                "ndjson",
                "--report-ndjson-path",
                str(report),
            ]
            if os.environ.get("FUZZ_SEED"):
                cmd += ["--seed", os.environ["FUZZ_SEED"]]
            if username:
                cmd += ["--header", f"Authorization: Token {tokens[username]}"]
            print(f"fuzz: {role} ({username or 'no credentials'})", flush=True)
            proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
            sent = count_requests(report) if report.exists() else 0
            results[role] = {"requests": sent, "exit": proc.returncode}
            print(f"fuzz: {role}: {sent} requests, exit {proc.returncode}", flush=True)
            if proc.returncode != 0:
                failed.append(role)
                (work / f"{role}.log").write_text(proc.stdout + proc.stderr)
                print(proc.stdout[-6000:], proc.stderr[-2000:], sep="\n", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    total = sum(r["requests"] for r in results.values())
    minimum = int(os.environ.get("FUZZ_MIN", "1000"))
    ok = not failed and total >= minimum
    if ok and not os.environ.get("FUZZ_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    elif not ok:
        print(f"fuzz: logs kept in {work}", flush=True)
    if total < minimum:
        print(f"fuzz: only {total} requests sent, fewer than {minimum}", flush=True)
    print(
        json.dumps(
            {
                "requests": total,
                "roles": len(results),
                "failed_roles": failed,
                "ok": ok,
                "by_role": {k: v["requests"] for k, v in results.items()},
            },
            ensure_ascii=False,
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
