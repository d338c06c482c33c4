"""Partner systems: clients and client-credentials tokens."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint(
    "partners",
    __name__,
    url_prefix="/api/v1",
    description="Partner systems: clients and client-credentials tokens",
)
