"""Young people of the cohort, their RAG assessments."""

from sywc.openapi import SywcBlueprint

blp = SywcBlueprint(
    "youths",
    __name__,
    url_prefix="/api/v1",
    description="Young people of the cohort, their RAG assessments",
)
