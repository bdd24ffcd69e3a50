"""What changed between two versions of a text: paragraphs paired and classified
(``align``), word-level changes with spans (``words``), and the comparison as Markdown or
HTML (``render``). Pure: it reads parsed ``Document``s and ``data/diff.toml``, nothing else."""

from mealink.versions.align import DocumentDiff, ParagraphChange, Side, compare
from mealink.versions.render import html_document, html_fragment, markdown
from mealink.versions.words import Run, word_runs

__all__ = ["DocumentDiff", "ParagraphChange", "Run", "Side", "compare", "html_document",
           "html_fragment", "markdown", "word_runs"]
