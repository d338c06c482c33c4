"""Demo referrals: filled in by the referrals domain."""

from sywc.demo import DemoContext


def build(ctx: DemoContext) -> None:
    """Add this domain's demo rows."""
