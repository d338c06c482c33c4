"""Demo youths: filled in by the youths domain."""

from sywc.demo import DemoContext


def build(ctx: DemoContext) -> None:
    """Add this domain's demo rows."""
