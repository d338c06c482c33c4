"""The SQL floor: captured statements replayed with bare psycopg, and their plans.

Each replay runs the statements in order in one transaction that is rolled back, after
setting every sequence back to its value at capture time, so the inserts get the same
ids the captured request got and later statements that name those ids still match.
The timing covers the statements only; the commit (a WAL flush for a write) is left out,
so the floor is a lower bound.
"""

from __future__ import annotations

import re
import time
from typing import Any

import psycopg
from psycopg import sql

from tests.benchmarks.sqlcapture import SequenceState, Statement
from tests.benchmarks.stats import summarize

_EXPLAINABLE = re.compile(
    r"^\s*(SELECT|WITH|UPDATE|DELETE|INSERT\s+INTO\s+\S+\s*\([^)]*\)\s*SELECT)", re.I | re.S
)
_TRIVIAL = re.compile(
    r"^\s*SELECT\s+(1\b|(pg_\w+|set_config|current_setting|version|current_schema)\s*\()", re.I
)


def reset_sequences(conn: psycopg.Connection, sequences: list[SequenceState]) -> None:
    """Give every sequence back its state at capture time (setval is not transactional)."""
    if not sequences:
        return
    calls = sql.SQL(", ").join(
        sql.SQL("setval({}, {}, {})").format(
            sql.Literal(name), sql.Literal(value), sql.Literal(called)
        )
        for name, value, called in sequences
    )
    conn.execute(sql.SQL("SELECT {}").format(calls))


def _execute(cur: psycopg.Cursor, statement: Statement) -> None:
    if statement.many:
        cur.executemany(statement.sql, statement.params)
        return
    cur.execute(statement.sql, statement.params or None)
    if cur.description is not None:
        cur.fetchall()


def replay(
    dsn: str,
    statements: list[Statement],
    sequences: list[SequenceState],
    *,
    seconds: float,
    max_iterations: int = 5000,
    min_iterations: int = 3,
    isolation: str | None = None,
) -> dict[str, Any]:
    """Time the statements as one transaction, repeatedly; return the latency summary."""
    latencies: list[float] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline = time.perf_counter() + seconds
        while len(latencies) < max_iterations and (
            len(latencies) < min_iterations or time.perf_counter() < deadline
        ):
            reset_sequences(conn, sequences)
            with conn.cursor() as cur:
                started = time.perf_counter()
                cur.execute(_begin(isolation))
                for statement in statements:
                    _execute(cur, statement)
                latencies.append((time.perf_counter() - started) * 1000)
                cur.execute("ROLLBACK")
        reset_sequences(conn, sequences)
    result = summarize(latencies, wall_seconds=sum(latencies) / 1000)
    result["statements"] = len(statements)
    return result


def _begin(isolation: str | None) -> str:
    levels = {"READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"}
    return f"BEGIN ISOLATION LEVEL {isolation}" if isolation in levels else "BEGIN"


def explain(
    dsn: str,
    statements: list[Statement],
    sequences: list[SequenceState],
    isolation: str | None = None,
) -> list[dict[str, Any]]:
    """Run the statements in order, rolled back, with EXPLAIN (ANALYZE, BUFFERS) on each query."""
    plans: list[dict[str, Any]] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        reset_sequences(conn, sequences)
        with conn.cursor() as cur:
            cur.execute(_begin(isolation))
            for statement in statements:
                if (
                    statement.many
                    or not _EXPLAINABLE.match(statement.sql)
                    or _TRIVIAL.match(statement.sql)
                ):
                    _execute(cur, statement)
                    continue
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params or None)
                lines = [row[0] for row in cur.fetchall()]
                plans.append(_plan_summary(statement.sql, lines))
            cur.execute("ROLLBACK")
        reset_sequences(conn, sequences)
    return plans


_EXEC = re.compile(r"Execution Time: ([\d.]+) ms")
_SEQ = re.compile(r"Seq Scan on (\w+)")


def _plan_summary(sql: str, lines: list[str]) -> dict[str, Any]:
    text = "\n".join(lines)
    found = _EXEC.search(text)
    return {
        "sql": " ".join(sql.split()),
        "plan": text,
        "execution_ms": float(found.group(1)) if found else None,
        "seq_scans": sorted(set(_SEQ.findall(text))),
    }
