"""The database schema: one SQLAlchemy 2 model per table, the same on SQLite and PostgreSQL.

Alembic migrations (``store/migrations``) create and change these tables; a test checks
that the migrated database and these models agree on both engines. Full-text search
structures (an FTS5 table on SQLite, a tsvector column on PostgreSQL) are created by the
migrations only, because they differ per engine.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import JSON


class Base(DeclarativeBase):
    """Base of every mealink table."""


class DocumentRow(Base):
    """A resolution or decision: read from a file, or a stub known only from citations."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    work_id: Mapped[str] = mapped_column(String(200), index=True)
    convention: Mapped[str | None] = mapped_column(String(60), index=True)
    type: Mapped[str] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(80))
    revision: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(300))
    symbol: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(Text)
    adopted_at: Mapped[str | None] = mapped_column(Text)
    meeting: Mapped[int | None] = mapped_column(Integer)
    adopted_on: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8), default="en")
    is_stub: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    source: Mapped[str | None] = mapped_column(Text, index=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    parser_version: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30), default="in force")
    status_by: Mapped[str | None] = mapped_column(String(200))
    #: known to be in force (False also when it cannot be told: a text known only from
    #: citations is "no repeal known"; the status says which)
    in_force: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    #: who adopted it ("adopted", "subsidiary body", "draft", "other body", "unknown"), the
    #: body as named, and what says so
    adoption: Mapped[str | None] = mapped_column(String(20))
    adopted_by: Mapped[str | None] = mapped_column(Text)
    adoption_evidence: Mapped[str | None] = mapped_column(Text)
    #: where its symbol came from ("its header", "its file name (cms-res-11.28.txt)" ...)
    identified_by: Mapped[str | None] = mapped_column(Text)
    #: what its status rests on: a JSON list of {kind, text, document_id, paragraph_id}
    status_evidence: Mapped[str | None] = mapped_column(Text)
    #: what the page it was copied from says of its status ("Retired sections: paragraph 1.")
    page_status: Mapped[str | None] = mapped_column(Text)
    #: the stored text this row is another language's expression of (None: a text of its
    #: own, the one its work's mandates, lineage and counts come from), and why they are one
    #: work
    expression_of: Mapped[str | None] = mapped_column(String(200), index=True)
    expression_evidence: Mapped[str | None] = mapped_column(Text)


class DocumentKeyRow(Base):
    """Every key a document answers to ('Decisions 14.10-14.12' answers to three)."""

    __tablename__ = "document_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)


class SourceRow(Base):
    """The original bytes of an ingested file, kept so it can be parsed again."""

    __tablename__ = "sources"

    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: what was known of the text from outside it (sidecar, ``ingest --as``), as JSON
    meta: Mapped[str | None] = mapped_column(Text)


class ParagraphRow(Base):
    """A heading, preamble or operative paragraph, with its stable id."""

    __tablename__ = "paragraphs"
    __table_args__ = (Index("ix_paragraphs_document_seq", "document_id", "seq"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(260), unique=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12), index=True)
    number: Mapped[str | None] = mapped_column(String(40))
    parent_id: Mapped[str | None] = mapped_column(String(260))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    lead: Mapped[str | None] = mapped_column(String(120))
    verb: Mapped[str | None] = mapped_column(String(60), index=True)
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[str | None] = mapped_column(Text)
    in_force: Mapped[bool] = mapped_column(Boolean, default=True)
    # the document's, copied so that search filters and facets need not join documents
    convention: Mapped[str | None] = mapped_column(String(60))
    meeting: Mapped[int | None] = mapped_column(Integer)
    text_hash: Mapped[str | None] = mapped_column(String(64))
    #: in another language's expression, the paragraph of the text it expresses that this
    #: one is, and the rule that paired them ("number", "order and length" ...)
    aligned_to: Mapped[str | None] = mapped_column(String(260), index=True)
    aligned_by: Mapped[str | None] = mapped_column(String(200))


class ActorRow(Base):
    """An actor a paragraph addresses, as written and by its canonical name."""

    __tablename__ = "paragraph_actors"
    __table_args__ = (Index("ix_paragraph_actors_canonical", "canonical"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paragraph_pk: Mapped[int] = mapped_column(
        ForeignKey("paragraphs.pk", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    canonical: Mapped[str | None] = mapped_column(String(200))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)


class CitationRow(Base):
    """A reference in a paragraph and the text it names, once linked."""

    __tablename__ = "citations"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    paragraph_pk: Mapped[int] = mapped_column(
        ForeignKey("paragraphs.pk", ondelete="CASCADE"), index=True)
    written: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20))
    identifier: Mapped[str] = mapped_column(Text)
    relation: Mapped[str] = mapped_column(String(20))
    target_key: Mapped[str | None] = mapped_column(String(200), index=True)
    target_label: Mapped[str | None] = mapped_column(String(300))
    target_id: Mapped[str | None] = mapped_column(String(200), index=True)
    paragraphs: Mapped[str | None] = mapped_column(Text)
    in_footnote: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the title the citation gives the cited text ('Resolution 10.25 on "Enhancing ..."'),
    #: and the same in lower case with spaces collapsed, to find a text by its title
    title: Mapped[str | None] = mapped_column(Text)
    title_key: Mapped[str | None] = mapped_column(String(300), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)


class EdgeRow(Base):
    """A lineage edge: ``source_id`` repeals, retires, supersedes, consolidates, revises,
    recalls or cites the target (all of it, or the listed ``paragraphs``)."""

    __tablename__ = "edges"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    paragraph_id: Mapped[str | None] = mapped_column(String(260))
    relation: Mapped[str] = mapped_column(String(20), index=True)
    target_key: Mapped[str | None] = mapped_column(String(200), index=True)
    target_label: Mapped[str | None] = mapped_column(String(300))
    target_id: Mapped[str | None] = mapped_column(String(200), index=True)
    paragraphs: Mapped[str | None] = mapped_column(Text)
    written: Mapped[str] = mapped_column(Text)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)


class TopicRow(Base):
    """A topic of the controlled vocabulary (filled by a later stage)."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    broader: Mapped[str | None] = mapped_column(String(120))


class ParagraphTopicRow(Base):
    """A topic found in a paragraph, with its score."""

    __tablename__ = "paragraph_topics"

    paragraph_pk: Mapped[int] = mapped_column(
        ForeignKey("paragraphs.pk", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[str] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[str | None] = mapped_column(Text)


class MandateRow(Base):
    """One actor's part of one operative paragraph, re-derived whenever its document is
    stored; ``derived_status`` comes from the lineage and the meetings, ``status`` is what
    holds once people's progress entries are counted."""

    __tablename__ = "mandates"
    # few indexes: each costs every ingest; lists filter by actor (and status), and deleting
    # a document deletes its mandates
    __table_args__ = (Index("ix_mandates_actor_status", "actor", "status"),)

    id: Mapped[str] = mapped_column(String(400), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    paragraph_id: Mapped[str] = mapped_column(String(260))
    seq: Mapped[int] = mapped_column(Integer)
    # copied from the document and the paragraph, so that lists and digests read one table
    convention: Mapped[str | None] = mapped_column(String(60))
    document_label: Mapped[str] = mapped_column(String(300))
    document_title: Mapped[str | None] = mapped_column(Text)
    paragraph_number: Mapped[str | None] = mapped_column(String(40))
    paragraph_seq: Mapped[int] = mapped_column(Integer)
    in_force: Mapped[bool] = mapped_column(Boolean, default=True)
    actor: Mapped[str] = mapped_column(String(300))
    written: Mapped[str] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(String(60))
    verb: Mapped[str] = mapped_column(String(60))
    strength: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(Text)
    deadline: Mapped[str | None] = mapped_column(Text)
    deadline_kind: Mapped[str | None] = mapped_column(String(10))
    deadline_convention: Mapped[str | None] = mapped_column(String(60))
    deadline_body: Mapped[str | None] = mapped_column(String(20))
    deadline_number: Mapped[int | None] = mapped_column(Integer)
    deadline_after: Mapped[int | None] = mapped_column(Integer)
    deadline_on: Mapped[date | None] = mapped_column(Date)
    deadline_implied: Mapped[bool] = mapped_column(Boolean, default=False)
    condition: Mapped[str | None] = mapped_column(Text)
    reporting_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_bound: Mapped[bool] = mapped_column(Boolean, default=False)
    derived_status: Mapped[str] = mapped_column(String(20), default="active")
    derived_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="active")


class ProgressRow(Base):
    """A progress entry on a mandate: who, when, what status, a note and evidence.

    Append-only: triggers in the migration refuse UPDATE and DELETE, and ``seq`` is unique
    per mandate, so two people writing at once cannot both be "entry 3" (the second is told
    to reload). Entries are keyed by the mandate's stable id, so they outlive re-ingesting.
    """

    __tablename__ = "progress"
    __table_args__ = (UniqueConstraint("mandate_id", "seq", name="uq_progress_mandate_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mandate_id: Mapped[str] = mapped_column(String(400), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)


class MandateCarryRow(Base):
    """Where a mandate of an earlier version of a work went in the next stored version: the
    mandate of the aligned paragraph with the same actor (``how``: unchanged, renumbered or
    reworded), or none (``superseded``) with the revising text's label as evidence. Set
    when the corpus is linked; a mandate's history follows these rows."""

    __tablename__ = "mandate_carries"

    mandate_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    later_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    to_mandate_id: Mapped[str | None] = mapped_column(String(400), index=True)
    how: Mapped[str] = mapped_column(String(20))
    by_label: Mapped[str] = mapped_column(String(300))


class UserRow(Base):
    """Someone who signs in to the web application: a reader, an editor or an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiTokenRow(Base):
    """A machine client's token: only its SHA-256 is kept, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionRow(Base):
    """A signed-in browser: the cookie holds a random id, only its SHA-256 is kept here, so
    ending a session (sign-out, a new password, a shut-out user) is deleting its row."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    data: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class SignInFailureRow(Base):
    """Recent failed sign-ins under one key (a user name or a client address), shared by
    every worker process: how many, the last one, and until when the key is locked."""

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AppSettingRow(Base):
    """A value the application keeps for itself, such as the key that signs sessions."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class EmbeddingRow(Base):
    """A text's sentence vector, keyed by the model and the text's SHA-256, so an unchanged
    paragraph keeps its vector when its document is stored again (only new text is embedded)."""

    __tablename__ = "embeddings"

    model: Mapped[str] = mapped_column(String(60), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class AssessmentRow(Base):
    """An assessment whose findings are matched with mandates (an IPBES assessment)."""

    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(String(60))
    year: Mapped[int | None] = mapped_column(Integer)
    symbol: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text, index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class FindingRow(Base):
    """One labelled finding of an assessment ("B.3"), with its span in the source text."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("assessment_id", "label", name="uq_findings_label"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[str] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40))
    section: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[str | None] = mapped_column(String(60))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)


class WorkPlanRow(Base):
    """A joint work plan between conventions, imported from a file or drafted."""

    __tablename__ = "workplans"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ActivityRow(Base):
    """An activity of a work plan, as its file last gave it; ``removed`` when a later import
    of the plan no longer holds it (kept, with its progress, never deleted)."""

    __tablename__ = "workplan_activities"
    __table_args__ = (UniqueConstraint("workplan_id", "activity_id",
                                       name="uq_workplan_activities_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workplan_id: Mapped[str] = mapped_column(
        ForeignKey("workplans.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[str] = mapped_column(String(120))
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    lead: Mapped[str | None] = mapped_column(String(200))
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    timetable: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)


class ActivityMandateRow(Base):
    """A reference by which an activity cites its mandate, as written, and the stored
    paragraph (or whole text) it resolved to; unresolved when both are NULL."""

    __tablename__ = "workplan_mandates"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activity_pk: Mapped[int] = mapped_column(
        ForeignKey("workplan_activities.pk", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    written: Mapped[str] = mapped_column(Text)
    document_id: Mapped[str | None] = mapped_column(String(200))
    paragraph_id: Mapped[str | None] = mapped_column(String(260), index=True)
    problem: Mapped[str | None] = mapped_column(Text)


class ActivityProgressRow(Base):
    """A progress entry on a work plan's activity: append-only like ``ProgressRow`` (the
    migration's triggers refuse UPDATE and DELETE), keyed by the plan's and the activity's
    ids, so that it outlives a new import of the plan."""

    __tablename__ = "workplan_progress"
    __table_args__ = (UniqueConstraint("workplan_id", "activity_id", "seq",
                                       name="uq_workplan_progress_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workplan_id: Mapped[str] = mapped_column(String(120), index=True)
    activity_id: Mapped[str] = mapped_column(String(120))
    seq: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)


class ReportTemplateRow(Base):
    """A national-report questionnaire as it was built: its id is a hash of its questions,
    so an answered copy is checked against exactly what was sent out."""

    __tablename__ = "report_templates"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conventions: Mapped[list[str]] = mapped_column(JSON, default=list)
    as_of: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportQuestionRow(Base):
    """One question of a template: its topic, wording (a JSON list), kind of answer."""

    __tablename__ = "report_questions"

    template_id: Mapped[str] = mapped_column(
        ForeignKey("report_templates.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    wording: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer_type: Mapped[str] = mapped_column(String(20))
    why: Mapped[str] = mapped_column(Text)
    addressees: Mapped[list[str]] = mapped_column(JSON, default=list)
    basis: Mapped[list[str] | None] = mapped_column(JSON)  # why its mandates are one question


class ReportQuestionMandateRow(Base):
    """A mandate a question answers, with where it is asked (kept as built, so a template
    still reads the same after its texts are stored again)."""

    __tablename__ = "report_question_mandates"

    template_id: Mapped[str] = mapped_column(
        ForeignKey("report_templates.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    mandate_id: Mapped[str] = mapped_column(String(400), primary_key=True, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    convention: Mapped[str] = mapped_column(String(60))
    document: Mapped[str] = mapped_column(String(300))
    paragraph: Mapped[str | None] = mapped_column(String(40))


class ReportAnswerRow(Base):
    """A Party's answer to a question in a reporting cycle. The same answer imported again
    is the same row (unique on party, cycle, question and the answer's hash)."""

    __tablename__ = "report_answers"
    __table_args__ = (UniqueConstraint("party", "cycle", "question_id", "answer_hash",
                                       name="uq_report_answers"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    template_id: Mapped[str] = mapped_column(
        ForeignKey("report_templates.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(40))
    party: Mapped[str] = mapped_column(String(200), index=True)
    cycle: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    answer_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
