"""The keyword queries the store and web benchmarks time: 2-3 words typical of the field,
a few of them "phrases", fixed so that runs compare."""

from __future__ import annotations

#: 2-3 word queries typical of the field, a few of them "phrases"; fixed, so runs compare.
#: Some are rare or absent in the corpus ("bycatch"), some match thousands of paragraphs
#: ("Conference of the Parties"): the latter are the slow ones, ranking every match.
QUERIES: tuple[str, ...] = (
    "invasive alien species", "climate change", "bycatch", "national reports",
    "capacity building", "Scientific Council", "migratory birds", "resources permitting",
    '"ecological connectivity"', "renewable energy", "marine debris", "wildlife trade",
    "financial resources", "technical assistance", "indigenous peoples", "protected areas",
    "wetland management", "Standing Committee", "sustainable use", "genetic resources",
    "Biosafety Clearing-House", "traditional knowledge", "persistent organic pollutants",
    "hazardous wastes", "environmentally sound management", "action plan",
    "voluntary contributions", "Executive Secretary", "ecosystem services", "habitat loss",
    '"Conference of the Parties"', "requests the Secretariat", "invites Parties",
    "programme of work", "marine turtles", '"national focal points"', "range States",
    "biodiversity loss", "trade in specimens", "Ramsar sites",
)
