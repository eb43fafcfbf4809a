"""The check a pooled PostgreSQL connection passes before a request or a task gets it (settings.py, the pool's
`check`).

psycopg_pool's own `ConnectionPool.check_connection` runs an empty query: a round trip to the server on every
checkout, i.e. on every request and every task. A connection the server has closed (a restart: each backend
sends "terminating connection" and closes its socket; a crash recovery does the same) becomes readable, while an
idle healthy connection never has anything to read (the site uses no LISTEN). So only a readable or closed
connection gets the full check, which then raises and makes the pool replace it before use: a restarted server
still costs no request, without the round trip per checkout.
"""

import select
from typing import Any

from psycopg_pool import ConnectionPool


def check_pooled_connection(conn: Any) -> None:
    """Raise if `conn` is unusable (the pool then discards it and hands out another)."""
    if conn.closed:
        ConnectionPool.check_connection(conn)  # raises on a closed connection
        return
    readable, _w, _x = select.select([conn.pgconn.socket], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)
