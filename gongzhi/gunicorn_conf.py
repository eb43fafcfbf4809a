"""gunicorn settings for the web nodes: `gunicorn -c python:gongzhi.gunicorn_conf gongzhi.wsgi`.

Every value comes from the environment (docs/deploy.md), so one file serves a laptop, one machine and a fleet
behind a load balancer. Threaded workers (gthread): a request mostly waits on the database, so a few threads per
process keep the cores busy without the memory of more processes; each process shares one connection pool
(GONGZHI_DB_POOL_MAX_SIZE, set it to the thread count) on PostgreSQL.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GONGZHI_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("GONGZHI_WEB_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("GONGZHI_WEB_THREADS", "4"))
# A submission takes milliseconds; a report export may take seconds. Past this a stuck worker is replaced.
timeout = int(os.environ.get("GONGZHI_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in any library cannot grow without bound.
max_requests = int(os.environ.get("GONGZHI_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Behind a load balancer the client address comes from X-Forwarded-For; trust only the balancer's.
forwarded_allow_ips = os.environ.get("GONGZHI_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GONGZHI_ACCESS_LOG") or None
errorlog = os.environ.get("GONGZHI_ERROR_LOG", "-")
loglevel = os.environ.get("GONGZHI_LOG_LEVEL", "info").lower()
proc_name = "gongzhi-web"
# Load the app in each worker, not in the master: a worker that crashes or is recycled starts clean, and no
# database connection or pool is ever shared across a fork.
preload_app = False
# gunicorn's control socket defaults to one path per user, which a second node on the same machine would take
# over; give each node its own (GONGZHI_CONTROL_SOCKET) or none.
control_socket_disable = not os.environ.get("GONGZHI_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GONGZHI_CONTROL_SOCKET"]


def post_worker_init(worker):
    """Load the URLconf, and with it every view's modules (numpy, scikit-learn, jieba…), before this worker takes
    its first request. Django loads it lazily, so the first request after each start and each recycle
    (max_requests) waited ≈ 1.7 s for it, and every request queued behind that one waited too. Also the tasks a
    submission defers, which insight's signal handler imports on first use (lazily, to keep app loading free of
    cycles): the first submission of a worker took 40–50 ms, 27–39 ms with them loaded."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the property imports the modules)
    import gongzhi.insight.tasks  # noqa: F401

    # What is loaded now lives as long as the worker: out of the garbage collector's sight (gc.freeze), a full
    # collection no longer walks its ≈ 170,000 objects, which took ≈ 100 ms and stalled every thread of the worker.
    gc.freeze()
