"""What the commands that run a scheduler's job by hand share: the wait for the lock and
how a run that did not succeed is reported."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from sywc.alerts.enums import JobOutcome
from sywc.alerts.models import JobRun

# A run by hand waits this long for the scheduler's job under way: the longest, the
# statistics refresh, took 75 to 107 s at 1,000,000 young people in benchmark runs.
WAIT_SECONDS = 300

F = TypeVar("F", bound=Callable[..., Any])


def wait_option(command: F) -> F:
    """`--wait SECONDS`: how long to wait for a job under way before giving up."""
    return click.option(
        "--wait",
        "wait",
        type=click.IntRange(min=0),
        default=WAIT_SECONDS,
        show_default=True,
        help="Seconds to wait for a job under way (a scan, a statistics refresh) to end; "
        "0: do not wait.",
    )(command)


def finish(what: str, run: JobRun, *, wait: int) -> None:
    """Say on stderr why a run was skipped; exit 1 unless it succeeded."""
    if run.outcome == JobOutcome.SKIPPED:
        waited = f", after a wait of {wait} s" if wait else ""
        click.echo(
            f"{what} not run: another scheduler process holds the lock (a scan or a "
            f"statistics refresh under way){waited}; run it again later, or with a longer "
            "--wait",
            err=True,
        )
    if run.outcome != JobOutcome.SUCCEEDED:
        sys.exit(1)
