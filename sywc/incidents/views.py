"""Serious incidents."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint("incidents", __name__, url_prefix="/api/v1", description="Serious incidents")
