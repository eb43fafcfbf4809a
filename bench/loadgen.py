"""The load generator of bench/load.py and bench/faults.py: a separate process that submits appeals through the
API on an open-loop schedule.

Appeal i is due at t0 + i/rate whether or not earlier ones have been answered, and its latency is measured from
that due time, so a stalled server shows up in the latency instead of slowing the client down (no coordinated
omission). Each appeal carries its own client key; a failed attempt (refused connection, reset, timeout, 5xx) is
retried with the same key on the next web node, so the server's idempotency, not luck, keeps it from being
entered twice. Connections are kept alive and reused (a pool per node). Writes one JSON line per appeal to
--out, then exits.

    python bench/loadgen.py --spec spec.json --out results.jsonl
"""

import argparse
import asyncio
import json
import random
import time
from urllib.parse import urlsplit

TITLES = [
    "小区路灯不亮",
    "楼道堆放杂物",
    "噪音扰民",
    "道路坑洼积水",
    "垃圾清运不及时",
    "停车位被占用",
    "自来水水压低",
    "电梯经常故障",
    "绿化带被毁",
    "油烟扰民",
    "井盖缺失",
    "违章搭建",
    "供暖温度不达标",
    "公交站牌损坏",
]
PLACES = [
    "东门",
    "西门",
    "3号楼",
    "7号楼",
    "菜市场旁",
    "幼儿园门口",
    "主干道",
    "地下车库",
    "北侧小路",
    "广场",
]


def appeal_body(run: str, i: int, region: str) -> dict:
    rng = random.Random(f"{run}-{i}")
    title = rng.choice(TITLES)
    place = rng.choice(PLACES)
    return {
        "kind": rng.choice(["complaint", "help", "suggestion", "consultation"]),
        "title": f"{place}{title}（压测 {run}-{i}）",
        "content": f"{place}附近{title}，已经持续{rng.randint(2, 30)}天，影响居民生活，请尽快处理。",
        "region": region,
        "client_key": f"{run}-{i}",
    }


class ConnectionPool:
    """Keep-alive HTTP/1.1 connections per node, reused across requests: the generator shares the cores with the
    server, and a TCP handshake plus a fresh socket per appeal cost it (and gunicorn) more than the request."""

    def __init__(self):
        self.idle: dict[str, list] = {}

    async def _open(self, url: str, timeout: float):
        parts = urlsplit(url)
        return await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), timeout)

    async def post(self, url: str, path: str, body: bytes, token: str, timeout: float) -> tuple[int, bytes]:
        idle = self.idle.setdefault(url, [])
        while (
            idle
        ):  # a connection the server closed meanwhile (its keep-alive timeout) fails before any answer
            conn = idle.pop()
            try:
                return await self._exchange(url, conn, path, body, token, timeout)
            except (asyncio.IncompleteReadError, ConnectionError):
                continue
        return await self._exchange(url, await self._open(url, timeout), path, body, token, timeout)

    async def _exchange(self, url, conn, path, body, token, timeout) -> tuple[int, bytes]:
        reader, writer = conn
        keep = False
        try:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\nContent-Type: application/json\r\n"
                f"Accept: application/json\r\nAuthorization: Token {token}\r\nContent-Length: {len(body)}\r\n"
                "\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
            status, payload, keep = await asyncio.wait_for(self._response(reader), timeout)
            return status, payload
        finally:
            if keep:
                self.idle[url].append(conn)
            else:
                writer.close()

    @staticmethod
    async def _response(reader) -> tuple[int, bytes, bool]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status_line = lines[0].split()
        if len(status_line) < 2:
            raise ConnectionError("malformed response")
        headers = {
            k.strip().lower(): v.strip() for k, _sep, v in (line.partition(":") for line in lines[1:] if line)
        }
        keep = headers.get("connection", "").lower() != "close"
        if "content-length" in headers:
            payload = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunks.append(await reader.readexactly(size + 2))
                if size == 0:
                    break
            payload = b"".join(c[:-2] for c in chunks)
        else:
            payload, keep = await reader.read(), False
        return int(status_line[1]), payload, keep


POOL = ConnectionPool()


async def submit(i: int, due: float, spec: dict, out: list) -> None:
    urls, tokens = spec["urls"], spec["tokens"]
    body = json.dumps(appeal_body(spec["run"], i, spec["regions"][i % len(spec["regions"])])).encode()
    token = tokens[i % len(tokens)]
    attempts, failures, node = 0, [], i % len(urls)
    give_up = due + spec.get("give_up_s", 90)
    status, appeal_id = 0, None
    while True:
        attempts += 1
        try:
            # A long timeout: under overload, retrying a request the server still holds only doubles its work.
            status, payload = await POOL.post(
                urls[node], "/api/v1/appeals/", body, token, spec.get("timeout_s", 30)
            )
            if status in (200, 201):
                appeal_id = json.loads(payload).get("id")
                break
            if status < 500 and status != 429:
                break  # refused on its merits: retrying would not change the answer
            failures.append([time.time(), f"http {status}"])
        except (
            OSError,
            TimeoutError,
            ConnectionError,
            ValueError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ) as exc:
            failures.append([time.time(), type(exc).__name__])
        if time.monotonic() > give_up:
            break
        node = (node + 1) % len(urls)  # fail over; with one node, wait for it to come back
        await asyncio.sleep(min(0.05 * 2 ** min(attempts, 5), 1.0))
    out.append(
        {
            "i": i,
            "key": f"{spec['run']}-{i}",
            "status": status,
            "ack": appeal_id is not None,
            "id": appeal_id,
            "attempts": attempts,
            "failures": failures,
            "due": spec["t0_wall"] + (due - spec["t0"]),
            "latency_ms": (time.monotonic() - due) * 1000,
        }
    )


async def run(spec: dict) -> list:
    total = int(spec["rate"] * spec["duration"])
    out: list = []
    spec["t0"], spec["t0_wall"] = time.monotonic() + 0.2, time.time() + 0.2
    tasks = []
    for i in range(total):
        due = spec["t0"] + i / spec["rate"]
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(submit(i, due, spec, out)))
    await asyncio.gather(*tasks)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.spec) as f:
        spec = json.load(f)
    results = asyncio.run(run(spec))
    with open(args.out, "w") as f:
        for row in sorted(results, key=lambda r: r["i"]):
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
