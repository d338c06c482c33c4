"""`flask sywc demo-data --youths N --seed S`, in a fresh process, timed step by step.

Each step of `sywc.demo.commands.STEPS` is wrapped to time itself and the flush of its
rows; the command itself runs unchanged, so what is timed is what an operator runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from typing import Any

from sywc import create_app
from sywc.demo import commands


def _timed(step: Callable[[Any], None], timings: list[dict[str, Any]]) -> Callable[[Any], None]:
    def wrapper(ctx: Any) -> None:
        started = time.perf_counter()
        step(ctx)
        built = time.perf_counter()
        ctx.session.flush()
        timings.append(
            {
                "step": f"{step.__module__.rsplit('.', 1)[-1]}.{step.__name__}",
                "seconds": round(time.perf_counter() - started, 2),
                "flush_seconds": round(time.perf_counter() - built, 2),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--youths", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    timings: list[dict[str, Any]] = []
    commands.STEPS = tuple(_timed(step, timings) for step in commands.STEPS)
    app = create_app()
    started = time.perf_counter()
    # As `flask sywc demo-data` does: the command runs inside an application context.
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=[
                "sywc",
                "demo-data",
                "--youths",
                str(args.youths),
                "--seed",
                str(args.seed),
                # The benchmark serves its own throwaway database with production settings.
                "--into-production",
            ]
        )
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(
            f"demo-data failed ({result.exit_code}): {result.output}\n{result.exception!r}"
        )
    created = next(
        (
            json.loads(line)["created"]
            for line in result.output.splitlines()
            if line.startswith("{")
        ),
        {},
    )
    steps_total = sum(t["seconds"] for t in timings)
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "steps": timings,
                "commit_seconds": round(max(seconds - steps_total, 0.0), 2),
                "created": created,
            }
        )
    )


if __name__ == "__main__":
    main()
