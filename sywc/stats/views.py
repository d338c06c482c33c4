"""Statistics for the reduction board."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint(
    "stats", __name__, url_prefix="/api/v1", description="Statistics for the reduction board"
)
