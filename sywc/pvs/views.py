"""Partnership Violence Suppression meetings and actions."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint(
    "pvs",
    __name__,
    url_prefix="/api/v1",
    description="Partnership Violence Suppression meetings and actions",
)
