"""The benchmark's report: Markdown tables, the targets of issue 8 as met or missed, plans."""

from __future__ import annotations

from typing import Any

READ_KINDS = ("read", "stats")
SCAN_MEMORY_GROWTH_LIMIT = 1.25
# A sequential scan of a table this large in a hot query is flagged in the plans.
BIG_TABLE_ROWS = 10_000


def _n(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _ratio(a: Any, b: Any) -> float | None:
    return (a / b) if a is not None and b else None


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _rounds(meta: dict[str, Any]) -> str:
    rounds = meta.get("rounds", 1)
    each = f"{meta['warmup']} s warm-up and {meta['duration']} s measured on the endpoint"
    if rounds == 1:
        return f"{each}, then the same on its floor"
    return (
        f"{rounds} rounds per endpoint, each {each}, then the same on its floor; the "
        "ratio to the floor is the median of the rounds' ratios"
    )


def floor_ratio(e: dict[str, Any]) -> float | None:
    """An endpoint's throughput over its Flask floor's: the median of the rounds' ratios
    when it was measured in rounds, else the ratio of the one run's."""
    if "floor_ratio" in e:
        return e["floor_ratio"]["median"]
    return _ratio((e.get("app") or {}).get("rps"), (e.get("flask_floor") or {}).get("rps"))


def _floor_ratio_text(e: dict[str, Any]) -> str:
    text = _x(floor_ratio(e))
    rounds = (e.get("floor_ratio") or {}).get("rounds") or []
    if len(rounds) > 1:
        text += f" ({min(rounds):.2f} to {max(rounds):.2f})"
    return text


def header(meta: dict[str, Any]) -> str:
    m = meta["machine"]
    pg = ", ".join(f"{k}={v}" for k, v in m["postgresql_settings"].items())
    return "\n".join(
        [
            f"# sywc benchmark ({meta['started']})",
            "",
            f"- Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, {m['os']}",
            f"- PostgreSQL {m['postgresql']} ({pg}); Python {m['python']}",
            f"- gunicorn sync workers: {meta['workers']}; load clients: {meta['clients']} "
            f"processes on the same machine; {_rounds(meta)}; "
            f"SQL replay {meta['replay_seconds']} s per endpoint",
            f"- Command: `{meta['command']}`",
            "- Floors: *Flask floor* = `tests/benchmarks/floor_app.py` under the same gunicorn "
            "settings, measured straight after its endpoint (reads run the endpoint's own "
            "data queries, writes one INSERT plus an audit-like INSERT); *SQL floor* = every "
            "statement the endpoint sent (captured in-process), replayed with bare psycopg in "
            "one transaction that is rolled back (the commit's WAL flush is left out: see "
            "each scale's commit cost).",
        ]
    )


def scale_section(result: dict[str, Any]) -> str:
    """The tables of one scale: data load, endpoints beside their floors, the scan."""
    n = result["scale"]
    lines = [f"## {n:,} young people", ""]
    load = result.get("load") or {}
    if load.get("reused"):
        lines.append("Data: an existing database, reused as it was (`--reuse-db`).")
    elif load:
        steps = ", ".join(f"{s['step']} {s['seconds']} s" for s in load.get("steps", []))
        lines.append(
            f"Data: `flask sywc demo-data` {_n(load.get('seconds'))} s ({steps}; commit and "
            f"the rest {_n(load.get('commit_seconds'))} s; peak RSS "
            f"{_n(load.get('peak_rss_mib'), 0)} MiB), "
            f"migrations {_n(load.get('migrate_seconds'))} s, "
            f"VACUUM ANALYZE and CHECKPOINT {_n(load.get('vacuum_seconds'))} s."
        )
    if "database_mib" in result:
        lines.append(
            f"Database {_n(result['database_mib'], 0)} MiB; one durable commit (WAL flush) "
            f"{_n(result.get('commit_ms'), 2)} ms."
        )
    rollups = result.get("rollups") or {}
    if rollups:
        lines.append(
            "Statistics rollups: `flask sywc stats-refresh` counted "
            f"{_n(rollups.get('refreshed'))} in {_n(rollups.get('job_seconds'), 2)} s "
            f"(process {_n(rollups.get('seconds'), 2)} s, "
            f"peak RSS {_n(rollups.get('peak_rss_mib'), 0)} MiB) before the load; statistics "
            "requests read them, and their SQL floor is the counting aggregate they stand for."
        )
    rows = result.get("rows") or {}
    if rows:
        shown = ", ".join(f"{t} {c:,}" for t, c in sorted(rows.items(), key=lambda i: -i[1])[:10])
        lines.append(f"Rows: {shown}.")
    lines += ["", _endpoint_table(result), ""]
    served = [
        f"{e['label']} {_n((e.get('served_sql') or {}).get('p50_ms'), 2)} ms"
        for e in result["endpoints"].values()
        if e.get("served_sql")
    ]
    if served:
        lines += ["Bare SQL of reading the rollup (p50): " + "; ".join(served) + ".", ""]
    hot = _hot_queries(result)
    if hot:
        lines += ["Slowest queries (EXPLAIN ANALYZE execution time; plans at the end):", *hot, ""]
    scan = result.get("scan")
    if scan:
        lines += [_scan_table(scan), ""]
    for problem in result.get("problems", []):
        lines.append(f"- **{problem}**")
    return "\n".join(lines)


def _endpoint_table(result: dict[str, Any]) -> str:
    head = (
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | Flask floor req/s | "
        "floor p50 ms | req/s ÷ floor | SQL floor p50 ms | statements | p50 ÷ SQL p50 |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = []
    for e in result["endpoints"].values():
        if e.get("skipped"):
            rows.append(f"| {e['label']} | skipped: {e['skipped']} |||||||||||")
            continue
        app, floor, sql = e.get("app") or {}, e.get("flask_floor") or {}, e.get("sql_floor") or {}
        rows.append(
            f"| {e['label']} | {_n(app.get('rps'))} | {_n(app.get('p50_ms'))} | "
            f"{_n(app.get('p95_ms'))} | {_n(app.get('p99_ms'))} | {_n(app.get('errors'), 0)} | "
            f"{_n(floor.get('rps'))} | {_n(floor.get('p50_ms'))} | "
            f"{_floor_ratio_text(e)} | {_n(sql.get('p50_ms'), 2)} | "
            f"{_n(sql.get('statements'), 0)} | {_x(_ratio(app.get('p50_ms'), sql.get('p50_ms')))} |"
        )
    return "\n".join([head, *rows])


def _hot_queries(result: dict[str, Any], top: int = 6) -> list[str]:
    rows = result.get("rows") or {}
    found = [
        (plan["execution_ms"] or 0.0, e["label"], plan)
        for e in result["endpoints"].values()
        for plan in e.get("plans") or []
    ]
    found += [
        (p["execution_ms"] or 0.0, "scan", p) for p in (result.get("scan") or {}).get("plans", [])
    ]
    lines = []
    for ms, label, plan in sorted(found, key=lambda item: -item[0])[:top]:
        big = [t for t in plan["seq_scans"] if rows.get(t, 0) >= BIG_TABLE_ROWS]
        scans = f" (**Seq Scan on {', '.join(big)}**)" if big else ""
        lines.append(f"- {label}: {ms:,.1f} ms{scans}: `{plan['sql'][:110]}...`")
    return lines


def _scan_table(scan: dict[str, Any]) -> str:
    sql = scan.get("sql") or {}
    sql_s = sql.get("p50_ms") / 1000 if sql.get("p50_ms") is not None else None
    return "\n".join(
        [
            "| scan | seconds (command) | seconds (process) | peak RSS MiB | RSS before MiB | "
            "SQL floor s | statements | time ÷ SQL |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| `flask sywc scan --as-of {scan.get('as_of')}` | {_n(scan.get('seconds'), 2)} | "
            f"{_n(scan.get('wall_seconds'), 2)} | {_n(scan.get('peak_rss_mib'), 0)} | "
            f"{_n(scan.get('baseline_rss_mib'), 0)} | {_n(sql_s, 2)} | "
            f"{_n(sql.get('statements'), 0)} | "
            f"{_x(_ratio(scan.get('seconds'), sql_s))} |",
        ]
    )


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Judge the targets of issue 8 on the scales that ran (100,000 is the reference)."""
    if not results:
        return []
    by_scale = {r["scale"]: r for r in results}
    ref_scale = 100_000 if 100_000 in by_scale else max(by_scale)
    ref = by_scale[ref_scale]
    verdicts: list[dict[str, Any]] = []
    for e in ref["endpoints"].values():
        if e.get("skipped") or e["kind"] == "baseline":
            continue
        ratio = floor_ratio(e)
        need = 0.5 if e["kind"] in READ_KINDS else 1 / 3
        verdicts.append(
            _verdict(
                f"{e['label']}: req/s ≥ {need:.2f} x Flask floor",
                ratio,
                ratio is not None and ratio >= need,
                ref_scale,
            )
        )
        if e["kind"] == "stats":
            sql_ratio = _ratio(
                (e.get("app") or {}).get("p50_ms"), (e.get("sql_floor") or {}).get("p50_ms")
            )
            verdicts.append(
                _verdict(
                    f"{e['label']}: p50 ≤ 2 x bare SQL aggregate",
                    sql_ratio,
                    sql_ratio is not None and sql_ratio <= 2,
                    ref_scale,
                )
            )
    scan = ref.get("scan") or {}
    sql_ms = (scan.get("sql") or {}).get("p50_ms")
    scan_ratio = _ratio(scan.get("seconds"), sql_ms / 1000 if sql_ms else None)
    verdicts.append(
        _verdict(
            "scan time ≤ 2 x its bare SQL",
            scan_ratio,
            scan_ratio is not None and scan_ratio <= 2,
            ref_scale,
        )
    )
    verdicts += _growth_targets(by_scale)
    return verdicts


def _growth_targets(by_scale: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    scales = sorted(s for s in by_scale if s >= 10_000)
    if len(scales) < 2:
        return [
            {
                "target": "growth from 10,000 to 1,000,000",
                "verdict": "not measured",
                "ratio": None,
                "scale": None,
            }
        ]
    low, high = by_scale[scales[0]], by_scale[scales[-1]]
    span = f"{scales[0]:,} → {scales[-1]:,}"
    full = scales[0] == 10_000 and scales[-1] == 1_000_000
    verdicts = []
    for name, e in high["endpoints"].items():
        before = low["endpoints"].get(name) or {}
        if e.get("skipped") or before.get("skipped") or e["kind"] == "baseline":
            continue
        growth = _ratio((e.get("app") or {}).get("p95_ms"), (before.get("app") or {}).get("p95_ms"))
        verdicts.append(
            _verdict(
                f"{e['label']}: p95 grows < 2x ({span})",
                growth,
                growth is not None and growth < 2,
                None,
                partial=not full,
            )
        )
    low_mem, high_mem = _scan_memory(low), _scan_memory(high)
    growth = _ratio(high_mem, low_mem)
    verdicts.append(
        _verdict(
            f"scan memory above start-up does not grow ({span})",
            growth,
            growth is not None and growth <= SCAN_MEMORY_GROWTH_LIMIT,
            None,
            partial=not full,
        )
    )
    if 1_000_000 in by_scale:
        top = by_scale[1_000_000]["endpoints"]
        record = (top.get("youth_record") or {}).get("app") or {}
        for e in top.values():
            if e["kind"] == "stats" and not e.get("skipped"):
                ratio = _ratio((e.get("app") or {}).get("p95_ms"), record.get("p95_ms"))
                verdicts.append(
                    _verdict(
                        f"{e['label']}: p95 ≤ 10 x record p95",
                        ratio,
                        ratio is not None and ratio <= 10,
                        1_000_000,
                    )
                )
    return verdicts


def _scan_memory(result: dict[str, Any]) -> float | None:
    scan = result.get("scan") or {}
    if scan.get("peak_rss_mib") is None or scan.get("baseline_rss_mib") is None:
        return None
    return max(scan["peak_rss_mib"] - scan["baseline_rss_mib"], 1.0)


def _verdict(
    target: str, ratio: float | None, ok: bool, scale: int | None, *, partial: bool = False
) -> dict[str, Any]:
    verdict = "not measured" if ratio is None else ("met" if ok else "MISSED")
    if partial and ratio is not None:
        verdict += " (partial span)"
    return {"target": target, "ratio": ratio, "verdict": verdict, "scale": scale}


def targets_section(verdicts: list[dict[str, Any]]) -> str:
    lines = [
        "## Targets (issue 8)",
        "",
        "| target | at | measured | verdict |",
        "|---|---:|---:|---|",
    ]
    for v in verdicts:
        at = f"{v['scale']:,}" if v["scale"] else "scales"
        lines.append(f"| {v['target']} | {at} | {_x(v['ratio'])} | {v['verdict']} |")
    return "\n".join(lines)


def plans_section(results: list[dict[str, Any]]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every captured query, per scale and endpoint."""
    lines = [
        "## Query plans (EXPLAIN ANALYZE, BUFFERS)",
        "",
        f"Sequential scans of tables over {BIG_TABLE_ROWS:,} rows are flagged in bold.",
        "",
    ]
    for result in results:
        lines.append(f"### {result['scale']:,} young people")
        rows = result.get("rows") or {}
        groups = [(e["label"], e.get("plans") or []) for e in result["endpoints"].values()]
        groups.append(("scan", (result.get("scan") or {}).get("plans") or []))
        for label, plans in groups:
            if not plans:
                continue
            lines.append(f"#### {label}")
            for plan in plans:
                big = [t for t in plan["seq_scans"] if rows.get(t, 0) >= BIG_TABLE_ROWS]
                seq = f" - **Seq Scan on {', '.join(big)}**" if big else ""
                lines += [
                    f"<details><summary>{_n(plan['execution_ms'], 3)} ms{seq}: "
                    f"<code>{_html(plan['sql'][:160])}</code></summary>",
                    "",
                    "```sql",
                    plan["sql"],
                    "```",
                    "```",
                    plan["plan"],
                    "```",
                    "</details>",
                    "",
                ]
    return "\n".join(lines)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown(meta: dict[str, Any], results: list[dict[str, Any]], *, plans: bool) -> str:
    parts = [header(meta), *(scale_section(r) for r in results), targets_section(targets(results))]
    if plans:
        parts.append(plans_section(results))
    return "\n\n".join(parts) + "\n"
