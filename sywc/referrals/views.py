"""Referrals between agencies."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint(
    "referrals", __name__, url_prefix="/api/v1", description="Referrals between agencies"
)
