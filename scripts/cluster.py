"""A local production stack on loopback ports, for tests and benchmarks (no Docker: plain processes).

    python scripts/cluster.py start [--web 2] [--db private|sqlite|URL] [--no-standby] [--dir DIR]
    python scripts/cluster.py status | stop [--dir DIR]

`--db private` (the default) makes a PostgreSQL primary with Debian's binaries (initdb, pg_ctl) and a streaming
standby cloned from it with `pg_basebackup -R`, each on a free port, data in the stack's directory; `sqlite` uses
one SQLite file; a postgres:// URL uses that existing database. Then it migrates, collects the static files
(DEBUG off, whitenoise's manifest) and starts N gunicorn web nodes, one task worker and the scheduler, each in its
own process group, and waits until every node answers /healthz. The state (ports, pids, URLs) is kept in
DIR/cluster.json and, as shell exports, in DIR/cluster.env. The benchmarks import `Stack` from here.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("GONGZHI_VENV_BIN", REPO / ".venv" / "bin"))
DEFAULT_DIR = Path(
    os.environ.get("GONGZHI_CLUSTER_DIR", Path(tempfile.gettempdir()) / f"gongzhi-cluster-{os.getuid()}")
)


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def pg_bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        sys.exit(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
    return found[-1].parent


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


class PgServer:
    """One PostgreSQL server of ours. As root, its commands run as the `postgres` user (initdb refuses root)."""

    def __init__(self, root: Path, name: str, port: int):
        self.root, self.name, self.port = root / "pg", name, port  # owned by the server's user, logs too
        self.data = self.root / name
        self.log = self.root / f"{name}.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(pg_bindir() / args[0]), *args[1:]]
        if not self.root.exists():
            self.root.mkdir(mode=0o755)
            if os.getuid() == 0:
                shutil.chown(self.root, "postgres", "postgres")
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True)
        if check and done.returncode:
            raise RuntimeError(
                f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip() or done.stdout}"
            )
        return done

    def url(self, db: str = "gongzhi") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def init_primary(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )  # a throwaway cluster: the server itself still fsyncs every commit
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"""
listen_addresses = '127.0.0.1'
port = {self.port}
unix_socket_directories = '{self.root}'
max_connections = 200
shared_buffers = 128MB
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
hot_standby = on
""")

    def clone_standby_of(self, primary: "PgServer") -> None:
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\n")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "120", "restart"
        )

    def sql(self, query: str, db: str = "postgres") -> str:
        out = subprocess.run(
            [
                str(pg_bindir() / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-tAX",
                "-c",
                query,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()


class Stack:
    """The processes of one local production stack; its state lives in `root/cluster.json`."""

    def __init__(self, root: Path = DEFAULT_DIR):
        self.root = Path(root)
        self.state_file = self.root / "cluster.json"
        self.state = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        self.verbose = True

    # ---------------------------------------------------------------- state

    def save(self) -> None:
        self.state_file.write_text(json.dumps(self.state, indent=2))
        env = self.state.get("env", {})
        lines = [
            f"export {k}={v!r}" for k, v in env.items() if v and k.startswith(("DATABASE", "GONGZHI_SQLITE"))
        ]
        lines += [f"export GONGZHI_WEB{i + 1}={u!r}" for i, u in enumerate(self.web_urls)]
        (self.root / "cluster.env").write_text("\n".join(lines) + "\n")

    @property
    def env(self) -> dict:
        merged = {**os.environ, **self.state["env"]}
        return {k: v for k, v in merged.items() if v is not None}

    @property
    def web_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.state.get("web_ports", [])]

    def pg(self, name: str) -> PgServer | None:
        port = self.state.get("pg_ports", {}).get(name)
        return PgServer(self.root, name, port) if port else None

    # ---------------------------------------------------------------- setup

    def create(
        self,
        *,
        db: str = "private",
        standby: bool = True,
        web: int = 2,
        web_workers: int = 2,
        web_threads: int = 4,
        extra_env: dict | None = None,
    ) -> None:
        if self.state_file.exists():
            sys.exit(f"a stack already runs in {self.root} (stop it first)")
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)  # the postgres user must reach its data directories
        self._t = time.monotonic()
        self.state = {"pids": {}, "web_ports": free_ports(web), "pg_ports": {}}
        env = {
            "GONGZHI_DEBUG": "0",
            "GONGZHI_SECRET_KEY": secrets.token_urlsafe(32),
            "GONGZHI_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GONGZHI_SECURE_COOKIES": "0",  # plain http on loopback
            "GONGZHI_SSL_REDIRECT": "0",
            "GONGZHI_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",  # no mail server on loopback
            "GONGZHI_STATIC_ROOT": str(self.root / "static"),
            "GONGZHI_MEDIA_ROOT": str(self.root / "media"),
            "GONGZHI_LOG_LEVEL": "WARNING",
            "GONGZHI_WEB_WORKERS": str(web_workers),
            "GONGZHI_WEB_THREADS": str(web_threads),
        }
        if db == "sqlite":
            env["GONGZHI_SQLITE_PATH"] = str(self.root / "gongzhi.sqlite3")
            env["DATABASE_URL"] = (
                None  # removed from the processes' environment: the settings' SQLite default
            )
        else:
            env["GONGZHI_DB_POOL_MAX_SIZE"] = str(web_threads)
            if db == "private":
                ports = free_ports(2)
                primary = PgServer(self.root, "primary", ports[0])
                self.state["pg_ports"]["primary"] = primary.port
                self.save_partial(env)
                primary.init_primary()
                primary.start()
                primary.sql("CREATE DATABASE gongzhi")
                env["DATABASE_URL"] = primary.url()
                if standby:
                    replica = PgServer(self.root, "standby", ports[1])
                    self.state["pg_ports"]["standby"] = replica.port
                    self.save_partial(env)
                    replica.clone_standby_of(primary)
                    replica.start()
                    env["DATABASE_REPLICA_URL"] = replica.url()
            else:
                env["DATABASE_URL"] = db
        env.update(extra_env or {})
        self.save_partial(env)
        self.step("database servers")
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["createcachetable"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            self.manage(*command)
            self.step(command[0])
        for i in range(web):
            self.start_web(i)
        self.start_worker()
        self.start_scheduler()
        self.wait_healthy()
        self.step("web nodes healthy")

    def step(self, what: str) -> None:
        now = time.monotonic()
        self._t = getattr(self, "_t", now)
        if self.verbose:
            print(f"[cluster] {what}: {now - self._t:.1f} s", file=sys.stderr, flush=True)
        self._t = now

    def save_partial(self, env: dict) -> None:
        self.state["env"] = env
        self.save()

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(BIN / "gongzhi"), *args], env=self.env, cwd=REPO, capture_output=True, text=True
        )
        if check and done.returncode:
            raise RuntimeError(f"gongzhi {' '.join(args)} failed: {done.stderr[-3000:]}")
        return done

    # ---------------------------------------------------------------- processes

    def _spawn(self, name: str, cmd: list[str], env: dict | None = None) -> int:
        # PGAPPNAME (read by libpq) names the process's PostgreSQL sessions, so pg_stat_activity, the server's log
        # and bench/load.py's per-component database CPU can tell the web nodes, the worker and the scheduler apart.
        env = {"PGAPPNAME": f"gongzhi-{name}", **(env or {})}
        with open(self.root / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                cmd,
                env={**self.env, **env},
                cwd=REPO,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.state["pids"][name] = proc.pid
        self.save()
        return proc.pid

    def start_web(self, i: int) -> int:
        port = self.state["web_ports"][i]
        return self._spawn(
            f"web{i + 1}",
            [str(BIN / "gunicorn"), "-c", "python:gongzhi.gunicorn_conf", "gongzhi.wsgi"],
            {"GONGZHI_BIND": f"127.0.0.1:{port}"},
        )

    def start_worker(self) -> int:
        # Below the web nodes in CPU priority (GONGZHI_WORKER_NICE, default 10): when the cores are short, an
        # appeal is acknowledged first and analysed a little later, never the other way round.
        nice = ["nice", "-n", os.environ.get("GONGZHI_WORKER_NICE", "10")]
        return self._spawn(
            "worker",
            [
                *nice,
                str(BIN / "gongzhi"),
                "db_worker",
                "--queue-name",
                "*",
                "--interval",
                "0.5",
                "--no-startup-delay",
                "--no-reload",
            ],
            {"GONGZHI_DB_SYNCHRONOUS_COMMIT": os.environ.get("GONGZHI_WORKER_SYNCHRONOUS_COMMIT", "off")},
        )

    def start_scheduler(self) -> int:
        return self._spawn("scheduler", [str(BIN / "gongzhi"), "scheduler"])

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the component's whole process group (a gunicorn master and its workers die together)."""
        pid = self.state["pids"].get(name)
        if pid:
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                pass
            if sig == signal.SIGKILL:
                _reap(pid)

    def alive(self, name: str) -> bool:
        pid = self.state["pids"].get(name)
        return bool(pid) and pid_alive(pid)

    def wait_healthy(self, urls: list[str] | None = None, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for url in urls or self.web_urls:
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} not healthy after {timeout} s; see the logs in {self.root}")
                time.sleep(0.2)

    def stop(self, remove: bool = True) -> None:
        pids = self.state.get("pids", {})
        for name in pids:
            self.kill(name, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, pid in pids.items():
            while pid_alive(pid) and time.monotonic() < deadline:
                _reap(pid, block=False)
                time.sleep(0.1)
            if pid_alive(pid):
                self.kill(name, signal.SIGKILL)
        for name in ("standby", "primary"):
            server = self.pg(name)
            if server:
                server.stop()
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def status(self) -> dict:
        out = {
            name: ("running" if pid_alive(pid) else "dead")
            for name, pid in self.state.get("pids", {}).items()
        }
        for url in self.web_urls:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5) as r:
                    out[url] = json.loads(r.read())
            except OSError as exc:
                out[url] = f"unreachable: {exc}"
        primary = self.pg("primary")
        if primary:
            try:
                out["replication"] = primary.sql(
                    "SELECT coalesce(string_agg(application_name || ' ' || state || ' ' || sync_state, ', '), 'none')"
                    " FROM pg_stat_replication"
                )
            except subprocess.CalledProcessError as exc:
                out["replication"] = f"primary unreachable: {exc.stderr.strip()}"
        return out


def _reap(pid: int, block: bool = True) -> None:
    """Collect our own child's exit status so it does not linger as a zombie (no-op for others)."""
    try:
        os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--db", default="private", help="private (default), sqlite, or a postgres:// URL")
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--no-standby", action="store_true")
    args = parser.parse_args(argv)
    stack = Stack(args.dir)
    if args.command == "start":
        try:
            stack.create(db=args.db, standby=not args.no_standby, web=args.web)
        except BaseException:
            stack.stop(remove=False)
            raise
        print(
            json.dumps(
                {
                    "dir": str(stack.root),
                    "web": stack.web_urls,
                    **{k: v for k, v in stack.state["env"].items() if k.startswith("DATABASE")},
                },
                indent=2,
            )
        )
    elif args.command == "stop":
        if not stack.state:
            print(f"no stack in {stack.root}")
            return
        stack.stop()
        print("stopped")
    else:
        if not stack.state:
            print(f"no stack in {stack.root}")
            sys.exit(1)
        status = stack.status()
        print(json.dumps(status, indent=2, ensure_ascii=False))
        if any(v == "dead" for v in status.values()):
            sys.exit(1)


if __name__ == "__main__":
    main()
