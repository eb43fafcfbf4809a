"""A real HTTP receiver for outbox tests: http.server on 127.0.0.1:0 in a thread. It verifies the HMAC signature,
deduplicates on the Idempotency-Key header (receiver-side exactly-once), and fails on demand."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gongzhi.core import outbox


class Receiver:
    def __init__(self, secrets: dict[str, str] | None = None):
        self.secrets = secrets or {}  # path → secret; unknown paths accept any signature
        self.requests: list[dict] = []  # every request, duplicates included
        self.processed: dict[str, dict] = {}  # idempotency key → the message, once
        self.fail_next = 0  # answer 500 to the next N requests
        self.status_after_record = None  # e.g. 500: record the message, then answer with this (lost answer)
        self.delay = 0.0
        self.confirm = True  # answer {"status": "confirmed"} (else 202 accepted, confirmation later)
        self.lock = threading.Lock()

    def __enter__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                key = self.headers.get(outbox.KEY_HEADER, "")
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "key": key, "headers": dict(self.headers)})
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        return self._answer(500, {"error": "down"})
                secret = receiver.secrets.get(self.path)
                if secret is not None and not outbox.verify_signature(
                    secret,
                    self.headers.get(outbox.TIMESTAMP_HEADER, ""),
                    body,
                    self.headers.get(outbox.SIGNATURE_HEADER, ""),
                ):
                    return self._answer(401, {"error": "bad signature"})
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    if key not in receiver.processed:
                        receiver.processed[key] = json.loads(body)
                if receiver.status_after_record:
                    return self._answer(receiver.status_after_record, {"error": "lost answer"})
                if receiver.confirm:
                    return self._answer(200, {"status": "confirmed"})
                return self._answer(202, {"status": "accepted"})

            def _answer(self, status, data):
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def keys_for(self, path: str) -> list[str]:
        return [r["key"] for r in self.requests if r["path"] == path]
