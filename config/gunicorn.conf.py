"""Production gunicorn settings: `gunicorn -c config/gunicorn.conf.py wsgi:app`.

Sync workers behind a reverse proxy (nginx or the platform's load balancer), which
buffers slow clients and terminates TLS; each worker serves one request at a time, so
a slow statement never stalls another worker's requests. The environment tunes it:

- `WEB_CONCURRENCY`: workers (default 2 per core plus one);
- `BIND`: comma-separated addresses (default `127.0.0.1:8000`, only the proxy talks to us);
- `GUNICORN_TIMEOUT`: seconds before a stuck worker is replaced (default 30);
- `GUNICORN_GRACEFUL_TIMEOUT`: seconds a worker has to finish its request on a restart
  or stop before it is killed (default 30);
- `GUNICORN_MAX_REQUESTS`: recycle a worker after this many requests (default 0: never);
- `GUNICORN_BACKLOG`: connections the socket queues while every worker is busy (default
  2048);
- `GUNICORN_LOG_LEVEL`: gunicorn's own error log on stderr (default `warning`);
- `GUNICORN_ACCESS_LOG`: `json` for gunicorn's own access lines on stdout (default off:
  the application already logs every request as JSON with its request id, and never
  the query string, which can hold a young person's name);
- `FORWARDED_ALLOW_IPS`: the proxy's addresses (default `127.0.0.1`).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


wsgi_app = "wsgi:app"
bind = [address.strip() for address in os.environ.get("BIND", "127.0.0.1:8000").split(",")]
worker_class = "sync"
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# No preload: each worker imports the app after the fork, so every SQLAlchemy engine and
# its pooled connections belong to one process; a connection shared across a fork would
# interleave two workers' statements on one socket.
preload_app = False
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 2
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
backlog = _int("GUNICORN_BACKLOG", 2048)
# Heartbeat files on tmpfs: a worker on a slow or full disk is not killed as stuck.
_SHM = "/dev/shm"  # noqa: S108 (gunicorn's documented choice; heartbeat files, no data)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100

errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() == "json":
    accesslog = "-"
    # Path only (`%(U)s`), never the query string (`%(q)s`): it can carry a name.
    access_log_format = (
        '{"time": "%(t)s", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
        '"bytes": "%(B)s", "duration_us": %(D)s, "request_id": "%({x-request-id}o)s"}'
    )
else:
    accesslog = None
proc_name = "sywc"


def post_worker_init(_worker: Any) -> None:
    """Keep the collector off what the worker's import of the app left for good.

    The modules, mappers, schemas and routes (some 160,000 objects) live as long as the
    worker; without this the first full collection walks them all, a pause of 0.2 to 0.4
    seconds in each new worker under load, and every later one walks them again. What is
    already garbage is collected first, so nothing dead is kept.
    """
    gc.collect()
    gc.freeze()
