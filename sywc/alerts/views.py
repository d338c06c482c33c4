"""Alerts raised by the scheduler."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint(
    "alerts", __name__, url_prefix="/api/v1", description="Alerts raised by the scheduler"
)
