"""Reference data: boroughs, agencies, wards, reason codes."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint(
    "reference",
    __name__,
    url_prefix="/api/v1",
    description="Reference data: boroughs, agencies, wards, reason codes",
)
