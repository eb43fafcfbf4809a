"""Reads that may lag go to a streaming standby; everything that must be fresh goes to the primary.

Active only when `DATABASE_REPLICA_URL` is set (settings add the "replica" alias, this router and the
middleware). A read goes to the standby only when all of these hold:

- it happens while serving a safe request (GET/HEAD/OPTIONS): the middleware opens that window, so the task
  worker, the scheduler and management commands, which read-then-act, always read the primary;
- the client wrote nothing in the last few seconds: every unsafe request (a submission, an action) sets a
  short-lived cookie that pins the client's following reads to the primary, so a resident sees the appeal just
  submitted even if the standby has not replayed it yet (read-your-writes);
- no transaction is open on the primary (a read inside `atomic()` belongs to that transaction);
- the model is not one whose every read must be fresh (rate-limit counters, the task queue).

Writes always go to the primary; migrations run only there (the standby replays them).
"""

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "gongzhi_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Counters and queues are read to decide a write: never from a copy that may lag.
PRIMARY_ONLY_APPS = frozenset({"django_cache", "django_tasks_database"})

_replica_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "gongzhi_replica_allowed", default=False
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads(allowed: bool = True) -> Iterator[None]:
    """Let the reads in this block (outside transactions) go to the standby, or forbid it with False."""
    token = _replica_allowed.set(allowed)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if (
            _replica_allowed.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            and not connections[PRIMARY].in_atomic_block
            and replica_configured()
        ):
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the standby holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


class ReplicaReadsMiddleware:
    """Opens the standby-read window for safe requests of clients that wrote nothing recently."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.pin_seconds = int(getattr(settings, "GONGZHI_REPLICA_PIN_SECONDS", 10))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        safe = request.method in SAFE_METHODS
        with replica_reads(safe and PIN_COOKIE not in request.COOKIES):
            response = self.get_response(request)
        if not safe:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=self.pin_seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
