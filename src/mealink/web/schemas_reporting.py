"""The shapes of the API's national reporting (templates, answers and coverage), as its
OpenAPI description publishes them (beside ``schemas``, which holds the corpus's, the
mandates' and search's)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReportTemplateSummary(BaseModel):
    id: str
    conventions: list[str]
    as_of: str | None
    questions: int


class ReportMandate(BaseModel):
    mandate: str
    convention: str
    document: str
    paragraph: str | None


class ReportQuestion(BaseModel):
    id: str
    number: int
    topic: str
    text: str
    wording: list[str]
    answer_type: str = Field(description="yes/no/partly, text, date, number, species, sites")
    why: str = Field(description="the rule that chose the kind of answer, and the words")
    addressees: list[str]
    conventions: list[str]
    mandates: list[ReportMandate]
    merged_because: list[str] = Field(
        description="why its mandates are one question: one paragraph asking several "
                    "addressees, an overlap (with its cosine), a merge asked for")


class ReportMayMerge(BaseModel):
    """Two questions close in meaning but below the overlap threshold: not merged."""

    questions: list[str]
    mandates: list[str]
    similarity: float


class ReportTemplate(BaseModel):
    """A national-report questionnaire; its id is a hash of its questions."""

    template: str
    conventions: list[str]
    as_of: str | None
    questions: list[ReportQuestion]
    may_ask_the_same: list[ReportMayMerge] = Field(
        description="pairs of questions that may ask the same work, for whoever builds the "
                    "template to read and merge (empty for a kept template)")


class ReportMandateCoverage(BaseModel):
    mandate: str
    convention: str
    document: str
    paragraph: str | None
    cycle: str
    question: int
    parties: int
    answers: dict[str, int]


class ReportPartyCoverage(BaseModel):
    party: str
    cycle: str
    template: str
    questions: int
    answered: int
    unanswered: list[int]


class ReportCoverage(BaseModel):
    mandates: list[ReportMandateCoverage]
    parties: list[ReportPartyCoverage]


class ReportImport(BaseModel):
    """What an import stored."""

    party: str
    cycle: str
    template: str
    answers_added: int
    answers_unchanged: int
    progress_entries: int
    unanswered: int
