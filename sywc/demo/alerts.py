"""Demo alerts: filled in by the alerts domain."""

from sywc.demo import DemoContext


def build(ctx: DemoContext) -> None:
    """Add this domain's demo rows."""
