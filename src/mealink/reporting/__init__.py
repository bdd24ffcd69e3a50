"""Harmonised national reporting: one questionnaire for several conventions, built from the
mandates addressed to Parties (pure; ``store.reporting`` reads and stores it)."""

from mealink.reporting.questions import Ask, MandateRef, Question, Template, build_template
from mealink.reporting.rules import ReportingRules, reporting_rules

__all__ = ["Ask", "MandateRef", "Question", "ReportingRules", "Template", "build_template",
           "reporting_rules"]
