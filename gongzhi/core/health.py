"""`GET /healthz`: what a load balancer asks before it sends a web node traffic.

200 when the node can write (the primary answers) and read (through the router, as a page would); the body
says where reads went and, on PostgreSQL, whether that server is a standby and how long ago it replayed the last
transaction (which also grows while the primary is idle).
503 when the primary does not answer. No login, no session, nothing personal.
"""

import logging
from typing import Any

from django.db import DatabaseError, connections, router
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from .models import User

logger = logging.getLogger("gongzhi.health")


def _probe(alias: str) -> dict[str, Any]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT 1")
            return {"alias": alias, "vendor": connection.vendor}
        cursor.execute(
            "SELECT pg_is_in_recovery(), "
            "CASE WHEN pg_is_in_recovery() THEN EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        in_recovery, lag = cursor.fetchone()
    return {
        "alias": alias,
        "vendor": "postgresql",
        "in_recovery": in_recovery,
        "last_replay_age_s": None if lag is None else round(float(lag), 3),
    }


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    body: dict[str, object] = {"status": "ok"}
    try:
        body["primary"] = _probe(router.db_for_write(User))
    except DatabaseError as exc:
        logger.warning("health: primary unavailable: %s", exc)
        return JsonResponse({"status": "unavailable", "error": "primary"}, status=503)
    try:
        body["reads"] = _probe(router.db_for_read(User))
    except (
        DatabaseError
    ) as exc:  # the node still takes writes; the router's reads fail until the standby is back
        logger.warning("health: reads unavailable: %s", exc)
        body.update(status="degraded", reads={"error": str(exc)[:200]})
    return JsonResponse(body)
