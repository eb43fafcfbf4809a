"""The local production cluster (scripts/cluster.sh): two gunicorn web nodes, the worker and the scheduler over a
PostgreSQL primary and a streaming standby made with Debian's binaries. One test, because starting the cluster is
the slow part (about 30 s on an idle 2-core machine): it proves that the standby replicates, that pages' reads go
to the standby, and that a client's reads right after its own write go to the primary.
"""

import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")),
        reason="needs Debian's PostgreSQL server binaries (apt-get install postgresql)",
    ),
]

SETUP = """
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from gongzhi.core.models import Region, User
region = Region.objects.create(code="990001", name="集群测试社区", level="community")
user = User.objects.create_user(username="cluster-resident", password="x-cluster-pass-1", phone="13900009999")
user.groups.add(Group.objects.get(name="resident"))
print("CREATED", Token.objects.create(user=user).key, region.code)
"""


def call(method: str, url: str, token: str, body: dict | None = None, cookie: str = ""):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Content-Type", "application/json")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), exc.headers


def wait_for(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def cluster():
    if os.environ.get(
        "GONGZHI_TEST_CLUSTER_DIR"
    ):  # a cluster already started by hand (while working on this test)
        root = Path(os.environ["GONGZHI_TEST_CLUSTER_DIR"])
        yield root, json.loads((root / "cluster.json").read_text())
        return
    # Not under pytest's tmp_path: that is private to root, and the servers run as the postgres user.
    root = Path(tempfile.mkdtemp(prefix="gongzhi-cluster-test-"))
    script = REPO / "scripts" / "cluster.sh"
    started = subprocess.run(
        [str(script), "start", "--dir", str(root)], capture_output=True, text=True, cwd=REPO
    )
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        state = json.loads((root / "cluster.json").read_text())
        yield root, state
    finally:
        subprocess.run([str(script), "stop", "--dir", str(root)], capture_output=True, cwd=REPO)


def test_cluster_replicates_and_routes_reads_to_the_standby(cluster):
    root, state = cluster
    env = {**os.environ, **state["env"]}
    web1, web2 = (f"http://127.0.0.1:{port}" for port in state["web_ports"])
    psql = [
        next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/psql")))),
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        "gongzhi",
        "-tAX",
        "-p",
    ]

    def standby(sql: str) -> str:
        out = subprocess.run(
            [*psql, str(state["pg_ports"]["standby"]), "-c", sql], capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    # Both nodes read through the router from a server in recovery (the standby) and write to the primary.
    for node in (web1, web2):
        with urllib.request.urlopen(f"{node}/healthz", timeout=10) as response:
            health = json.loads(response.read())
        assert health["primary"]["in_recovery"] is False
        assert health["reads"] == {**health["reads"], "alias": "replica", "in_recovery": True}
    assert standby("SELECT pg_is_in_recovery()") == "t"

    made = subprocess.run(
        [str(REPO / ".venv" / "bin" / "gongzhi"), "shell", "-c", SETUP],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    token, region = made.stdout.split("CREATED")[-1].split()
    # The standby replays what the primary committed.
    assert wait_for(lambda: standby("SELECT count(*) FROM authtoken_token") == "1")

    # Hold the standby's replay: a new appeal then exists only on the primary.
    standby("SELECT pg_wal_replay_pause()")
    try:
        body = {
            "kind": "complaint",
            "title": "集群测试：路灯不亮",
            "content": "小区东门的路灯已经坏了一周，晚上很黑。",
            "region": region,
            "client_key": "cluster-test-1",
        }
        status, appeal, headers = call("POST", f"{web1}/api/v1/appeals/", token, body)
        assert status == 201, appeal
        pin = headers["Set-Cookie"].split(";")[0]
        assert pin.startswith("gongzhi_primary=")
        # The same client, right after its write, reads its appeal on the other node from the primary...
        status, fresh, _ = call("GET", f"{web2}/api/v1/appeals/{appeal['id']}/", token, cookie=pin)
        assert (status, fresh["number"]) == (200, appeal["number"])
        # ...while a read without the pin goes to the standby, which has not replayed it yet.
        status, _, _ = call("GET", f"{web2}/api/v1/appeals/{appeal['id']}/", token)
        assert status == 404
    finally:
        standby("SELECT pg_wal_replay_resume()")
    # Once replayed, the standby serves it too, with its audit event.
    assert wait_for(lambda: call("GET", f"{web2}/api/v1/appeals/{appeal['id']}/", token)[0] == 200)
    assert (
        standby(
            f"SELECT count(*) FROM appeals_appealevent WHERE appeal_id = {appeal['id']} AND action = 'submit'"
        )
        == "1"
    )
    # The task worker, the scheduler and both nodes are still up.
    status = subprocess.run(
        [str(REPO / "scripts" / "cluster.sh"), "status", "--dir", str(root)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert status.returncode == 0, status.stdout
    assert "streaming" in json.loads(status.stdout)["replication"]


ANONYMOUS_SETUP = """
from gongzhi.core.models import Region
print("CREATED", Region.objects.get_or_create(code="990002", defaults={"name": "限流测试社区", "level": "community"})[0].code)
"""


def submit_anonymously(node: str, region: str, n: int) -> int:
    body = {
        "kind": "help",
        "title": f"限流测试 {n}",
        "content": "楼道灯坏了，老人上下楼不方便，请尽快修理。",
        "region": region,
        "appellant_name": "周奶奶",
        "appellant_phone": "13655556666",
        "client_key": f"throttle-{node}-{n}",
    }
    request = urllib.request.Request(
        f"{node}/api/v1/appeals/",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def assert_one_limit_across_nodes(stack_env: dict, web_urls: list[str]) -> None:
    """Anonymous submissions from one address alternate between two web nodes (separate processes): the limit
    (AnonymousSubmitThrottle, 30/hour) is one count in the shared database cache, not one per node."""
    made = subprocess.run(
        [str(REPO / ".venv" / "bin" / "gongzhi"), "shell", "-c", ANONYMOUS_SETUP],
        env=stack_env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    region = made.stdout.split("CREATED")[-1].split()[0]
    statuses = [submit_anonymously(web_urls[n % 2], region, n) for n in range(32)]
    assert statuses[:30] == [201] * 30, statuses
    assert statuses[30:] == [429, 429], statuses  # refused by both nodes


def test_anonymous_intake_limit_holds_across_nodes_on_postgresql(cluster):
    _root, state = cluster
    assert_one_limit_across_nodes(
        {**os.environ, **state["env"]}, [f"http://127.0.0.1:{port}" for port in state["web_ports"]]
    )


def test_anonymous_intake_limit_holds_across_nodes_on_sqlite():
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    from cluster import Stack

    stack = Stack(Path(tempfile.mkdtemp(prefix="gongzhi-throttle-test-")))
    stack.verbose = False
    try:
        stack.create(db="sqlite", standby=False, web=2, web_workers=1, web_threads=2)
        assert_one_limit_across_nodes(stack.env, stack.web_urls)
    finally:
        stack.stop(remove=True)
