"""Shared plumbing: database URLs, subprocess environments, gunicorn servers, the machine."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
GUNICORN_CONF = REPO / "config" / "gunicorn.conf.py"


def say(message: str) -> None:
    """Print a progress line on stderr (the tables go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    """The benchmark cannot go on (a step failed); the message says which and why."""


def server_url() -> str:
    """Return the SQLAlchemy URL of the PostgreSQL server's maintenance database."""
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SERVER_URL


def database_url(name: str) -> str:
    """Return the SQLAlchemy URL of database `name` on the benchmark server."""
    return sa.make_url(server_url()).set(database=name).render_as_string(hide_password=False)


def conninfo(url: str) -> str:
    """Turn a SQLAlchemy URL into a libpq connection string for bare psycopg."""
    parsed = sa.make_url(url)
    parts = {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database or "postgres",
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v is not None})


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(conninfo(server_url()), autocommit=True)


def database_exists(name: str) -> bool:
    with admin_connection() as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def create_database(name: str) -> None:
    """Drop `name` if it exists (a previous run's) and create it empty."""
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_environment(url: str, **extra: str) -> dict[str, str]:
    """Return the environment of every sywc process of a run: production settings."""
    env = {
        **os.environ,
        "SYWC_ENV": "production",
        "DATABASE_URL": url,
        "JWT_SECRET_KEY": os.environ.get("BENCH_JWT_SECRET") or secrets.token_urlsafe(48),
        # Every client of the run logs in from 127.0.0.1: the per-address limit would
        # otherwise refuse the benchmark's own logins.
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra)
    return env


def run_python(
    args: list[str], env: dict[str, str], *, timeout: float, what: str, log: Path | None = None
) -> tuple[str, float, int]:
    """Run `python args...` in the repository; return stdout, seconds and peak RSS (KiB).

    The peak is the child's own (`wait4`), not the maximum over every child so far. The
    child's stderr is appended to `log` when given.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
            [sys.executable, *args], cwd=REPO, env=env, stdout=out, stderr=err
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise BenchError(f"{what}: no result after {timeout:.0f}s")
            time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if log is not None:
        with log.open("a") as handle:
            handle.write(f"--- {what}: {' '.join(args)}\n{stderr}")
    if process.returncode != 0:
        raise BenchError(f"{what} failed (exit {process.returncode}):\n{stderr[-4000:]}")
    return stdout, seconds, usage.ru_maxrss


def last_json_line(text: str) -> dict[str, Any]:
    """Return the last line of `text` that parses as a JSON object."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                return json.loads(line)
    raise BenchError(f"no JSON result in the output:\n{text[-2000:]}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, *, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


def exceptions_since(log: Path, offset: int) -> dict[str, int]:
    """Count the server's logged exceptions after `offset`, by their final error line."""
    counts: dict[str, int] = {}
    with log.open("rb") as handle:
        handle.seek(offset)
        for raw in handle:
            if b'"exception"' not in raw:
                continue
            try:
                trace = json.loads(raw)["exception"]
            except (ValueError, KeyError):
                continue
            errors = [
                ln for ln in trace.splitlines() if ln and not ln[0].isspace() and "Error" in ln
            ]
            key = (errors[-1] if errors else trace.strip().splitlines()[-1])[:240]
            counts[key] = counts.get(key, 0) + 1
    return counts


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path


@contextlib.contextmanager
def gunicorn(
    app: str, env: dict[str, str], *, workers: int, log: Path, ready_path: str = "/readyz"
) -> Iterator[Server]:
    """Serve `app` with the production gunicorn settings on a free loopback port."""
    port = free_port()
    server_env = {**env, "WEB_CONCURRENCY": str(workers), "BIND": f"127.0.0.1:{port}"}
    args = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), app]
    with log.open("ab") as handle:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
            args, cwd=REPO, env=server_env, stdout=handle, stderr=handle, start_new_session=True
        )
    server = Server(port, process, log)
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, path: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"gunicorn exited ({server.process.returncode}); see {server.log}")
        try:
            status, body = http_get(server.port, path, timeout=5)
            if status == 200:
                return
            last = f"{status} {body[:200]!r}"
        except OSError as error:
            last = str(error)
        time.sleep(0.25)
    raise BenchError(f"gunicorn not ready after {timeout:.0f}s ({last}); see {server.log}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        # The master did not stop its workers in time: end the group this run started.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def machine() -> dict[str, Any]:
    """Describe the machine and the database server the figures come from."""
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }
    with admin_connection() as conn:
        info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        info["postgresql_settings"] = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "synchronous_commit",
                "max_connections",
            )
        }
    return info


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"
