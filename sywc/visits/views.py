"""Visits and the visit worklist."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint(
    "visits", __name__, url_prefix="/api/v1", description="Visits and the visit worklist"
)
