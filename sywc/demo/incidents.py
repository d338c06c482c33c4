"""Demo incidents: filled in by the incidents domain."""

from sywc.demo import DemoContext


def build(ctx: DemoContext) -> None:
    """Add this domain's demo rows."""
