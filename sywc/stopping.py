"""A cooperative stop for long scheduled jobs.

SIGTERM asks the scheduler process to stop, and a job under way is not killed: a thread
cannot be, and a job cut anywhere would record nothing of what it did. A job that works
in chunks, each committed on its own (the audit walk, the statistics refresh, the purge
of old job runs), is given `stopping` instead, checks it between two chunks and, once it
says stop, ends there and raises `Interrupted` with how far it got; its run is recorded
`interrupted`. The alert scan is one transaction, all or nothing, and runs to its end
(seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Asked between two chunks: has the process been asked to stop?
Stopping = Callable[[], bool]


class Interrupted(Exception):
    """A job stopped between two chunks because its process is stopping."""

    def __init__(self, counts: dict[str, Any]) -> None:
        super().__init__("stopped between two chunks")
        self.counts = counts
