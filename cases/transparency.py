"""Statements of reasons for the EU DSA Transparency Database (DSA art. 24(5)).

One statement per restricted item: every platform measure that was applied (delete, disconnect
link, block) on a decision gives one submission, built from the decision's statement of reasons
and checked against `cases.dsa_schema` before anything leaves the system. Submissions must carry
no personal data: no names, e-mail addresses, contact details or links to the content (the
database's optional `decision_ground_reference_url`, `source_identity`, `content_id` and
`content_language` are left out), and known names, e-mail addresses and links are removed from
the facts.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from . import dsa_schema as schema
from .models import Decision, PlatformMeasure

# Our measures and the visibility restriction each one is in the schema's words. Blocking
# makes the content unreachable while keeping it, as disconnecting its link does: both are
# "Disabling access to content".
VISIBILITY_FOR_MEASURE = {
    "delete": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "disconnect_link": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "block": "DECISION_VISIBILITY_CONTENT_DISABLED",
}

REMOVED = "[removed]"
ELLIPSIS = "…"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Free-text fields checked for what looks like personal data before export.
FREE_TEXT_FIELDS = (
    "decision_facts",
    "illegal_content_legal_ground",
    "illegal_content_explanation",
    "incompatible_content_ground",
    "incompatible_content_explanation",
    "decision_visibility_other",
    "decision_monetary_other",
    "content_type_other",
    "category_specification_other",
    "source_identity",
)


# --- Building ------------------------------------------------------------------------------


def exportable_measures(since: datetime.date | None = None, until: datetime.date | None = None):
    """Applied restrictions that answer a decision, oldest first; `since` and `until` are
    inclusive days of application (the measure's completion)."""
    measures = PlatformMeasure.objects.filter(
        status=PlatformMeasure.Status.APPLIED,
        measure__in=list(VISIBILITY_FOR_MEASURE),
        decision__isnull=False,
        completed_at__isnull=False,
    )
    if since is not None:
        measures = measures.filter(completed_at__gte=_start_of(since))
    if until is not None:
        measures = measures.filter(completed_at__lt=_start_of(until + datetime.timedelta(days=1)))
    return measures.select_related("decision", "item", "case__notice__filed_by").order_by(
        "completed_at", "pk"
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def puid_for(measure: PlatformMeasure) -> str:
    """Unique per statement: the case reference, the item and the measure (an item restricted
    again after a restore gets a second statement)."""
    reference = re.sub(r"[^A-Za-z0-9_-]", "_", measure.case.notice.reference)
    return f"{reference}-item{measure.item_id}-measure{measure.pk}"[: schema.PUID_MAX_LENGTH]


def territorial_scope_for(decision: Decision) -> list[str]:
    """The decision's countries that the database knows (EU/EEA); no countries recorded means
    everywhere, so every EU/EEA country."""
    if not decision.territorial_scope:
        return list(schema.EUROPEAN_COUNTRY_CODES)
    codes = {str(code).upper() for code in decision.territorial_scope}
    return sorted(codes & set(schema.EUROPEAN_COUNTRY_CODES))


def applies_in_europe(measure: PlatformMeasure) -> bool:
    """A restriction limited to countries outside the EU/EEA is not reported to the database."""
    return bool(territorial_scope_for(measure.decision))


def scrub(text: str, names=()) -> str:
    """The text without e-mail addresses, links and the given names of the parties."""
    text = _EMAIL.sub(REMOVED, text)
    text = _URL.sub(REMOVED, text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) > 2}, key=len)[::-1]:
        text = re.sub(re.escape(name), REMOVED, text, flags=re.IGNORECASE)
    return text


def cap(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _party_names(measure: PlatformMeasure) -> list[str]:
    notice = measure.case.notice
    names = [notice.notifier_name, notice.signature, measure.item.uploader_name]
    if notice.filed_by_id:
        names.append(notice.filed_by.name)
    return names


def statement_for(measure_or_decision) -> dict:
    """One submission for one restricted item (a `PlatformMeasure`, or a `Decision` that
    restricted exactly one item). Fields the data cannot fill are left out, so that
    `validate_statement` names them."""
    measure = measure_or_decision
    if isinstance(measure_or_decision, Decision):
        measures = list(exportable_measures().filter(decision=measure_or_decision))
        if len(measures) != 1:
            raise ValueError(
                f"Decision {measure_or_decision.pk} restricted {len(measures)} items; "
                "build one statement per applied measure."
            )
        measure = measures[0]
    decision = measure.decision
    notice = measure.case.notice
    statement: dict = {}

    visibility = VISIBILITY_FOR_MEASURE.get(measure.measure)
    if visibility:
        statement["decision_visibility"] = [visibility]
    if decision.ends_on:
        statement["end_date_visibility_restriction"] = decision.ends_on.isoformat()

    ground = settings.TAKEDOWN_DECISION_GROUNDS.get(decision.ground) if decision.ground else None
    dsa = (ground or {}).get("dsa") or {}
    if dsa.get("decision_ground"):
        statement["decision_ground"] = dsa["decision_ground"]
    if dsa.get("category"):
        statement["category"] = dsa["category"]
    if dsa.get("category_specification"):
        statement["category_specification"] = list(dsa["category_specification"])
    # The reference as recorded with the decision; the configured one if it was not.
    reference = decision.ground_reference or (ground or {}).get("reference", "")
    explanation = (ground or {}).get("explanation", "")
    if statement.get("decision_ground") == schema.DECISION_GROUND_ILLEGAL_CONTENT:
        statement["illegal_content_legal_ground"] = cap(reference, 500)
        statement["illegal_content_explanation"] = cap(explanation, 2000)
    elif statement.get("decision_ground") == schema.DECISION_GROUND_INCOMPATIBLE_CONTENT:
        statement["incompatible_content_ground"] = cap(reference, 500)
        statement["incompatible_content_explanation"] = cap(explanation, 2000)

    statement["decision_facts"] = cap(scrub(decision.reasons, _party_names(measure)), 5000)
    statement["content_type"] = ["CONTENT_TYPE_IMAGE"]
    statement["territorial_scope"] = territorial_scope_for(decision)
    # We are not told when the content was posted: the day the notice about it was received
    # is the nearest date we know for certain (the content existed then).
    statement["content_date"] = timezone.localdate(notice.received_at).isoformat()
    statement["application_date"] = timezone.localdate(measure.completed_at).isoformat()

    trusted = notice.filed_by_id is not None and notice.filed_by.is_trusted_flagger
    statement["source_type"] = (
        schema.SOURCE_TRUSTED_FLAGGER if trusted else schema.SOURCE_ARTICLE_16
    )
    statement["automated_detection"] = "Yes" if decision.automated_detection else "No"
    # A person always takes the decision here; automated means can only have helped.
    statement["automated_decision"] = (
        "AUTOMATED_DECISION_PARTIALLY"
        if decision.automated_decision
        else "AUTOMATED_DECISION_NOT_AUTOMATED"
    )
    statement["puid"] = puid_for(measure)
    return statement


# --- Checking ------------------------------------------------------------------------------


def _present(value) -> bool:
    return value not in (None, "", [], {})


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _date_problem(name: str, value, spec: schema.Field) -> str | None:
    if not isinstance(value, str) or not schema.DATE_PATTERN.match(value):
        return f"{name}: {value!r} is not a date in the format {schema.DATE_FORMAT}."
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return f"{name}: {value!r} is not a real date."
    if spec.min_date and value < spec.min_date:
        return f"{name}: {value} is before {spec.min_date}."
    if spec.max_date and value > spec.max_date:
        return f"{name}: {value} is after {spec.max_date}."
    return None


def _field_problems(name: str, value, spec: schema.Field) -> list[str]:
    if spec.kind == schema.ENUM:
        if not isinstance(value, str) or value not in spec.values:
            return [f"{name}: {value!r} is not one of {', '.join(spec.values)}."]
        return []
    if spec.kind == schema.ENUM_ARRAY:
        if not isinstance(value, list):
            return [f"{name}: must be a list."]
        problems = [
            f"{name}: {item!r} is not one of {', '.join(spec.values)}."
            for item in value
            if not isinstance(item, str) or item not in spec.values
        ]
        if len(set(map(str, value))) != len(value):
            problems.append(f"{name}: a value is repeated.")
        return problems
    if spec.kind == schema.DATE:
        problem = _date_problem(name, value, spec)
        return [problem] if problem else []
    if spec.kind == schema.MAPPING:
        if not isinstance(value, dict):
            return [f'{name}: must be an object such as {{"EAN-13": "0123456789123"}}.']
        problems = []
        for key, item in value.items():
            pattern = schema.CONTENT_ID_KEYS.get(key)
            if pattern is None:
                problems.append(f"{name}: key {key!r} is not accepted (only EAN-13).")
            elif not isinstance(item, str) or not pattern.match(item):
                problems.append(f"{name}: {key} must be 13 digits.")
        return problems
    # TEXT and URL
    if not isinstance(value, str):
        return [f"{name}: must be text."]
    problems = []
    if spec.max_length is not None and len(value) > spec.max_length:
        problems.append(f"{name}: {len(value)} characters, at most {spec.max_length} allowed.")
    if spec.kind == schema.URL and not re.match(r"^https?://\S+$", value):
        problems.append(f"{name}: must be an http(s) URL.")
    if spec.pattern is not None and not spec.pattern.match(value):
        if name == "puid":
            problems.append(
                "puid: only letters, digits, hyphens and underscores are allowed "
                "(no spaces, new lines or other characters)."
            )
        else:
            problems.append(f"{name}: {value!r} is not in the expected form.")
    return problems


def validate_statement(statement: dict) -> list[str]:
    """Every way the submission breaks the schema's rules, one message each; empty when valid."""
    if not isinstance(statement, dict):
        return ["A statement must be a JSON object."]
    problems: list[str] = []
    for name in statement:
        if name not in schema.FIELDS:
            problems.append(f"{name}: not a field of the Transparency Database schema.")
    for name, spec in schema.FIELDS.items():
        value = statement.get(name)
        if not _present(value):
            if spec.required:
                problems.append(f"{name}: required.")
            continue
        problems.extend(_field_problems(name, value, spec))

    if not any(_present(statement.get(name)) for name in schema.AT_LEAST_ONE_DECISION):
        problems.append(
            "decision: at least one of " + ", ".join(schema.AT_LEAST_ONE_DECISION) + " is required."
        )
    for name, (other, value) in schema.REQUIRED_WHEN.items():
        chosen = value in _as_list(statement.get(other))
        if chosen and not _present(statement.get(name)):
            problems.append(f"{name}: required when {other} is {value}.")
        elif not chosen and _present(statement.get(name)):
            problems.append(f"{name}: only given when {other} is {value}.")
    for name, (other, value) in schema.ONLY_WHEN.items():
        if _present(statement.get(name)) and value not in _as_list(statement.get(other)):
            problems.append(f"{name}: only given when {other} is {value}.")
    if (
        _present(statement.get("source_identity"))
        and statement.get("source_type") == schema.SOURCE_IDENTITY_IGNORED_FOR
    ):
        problems.append(f"source_identity: not taken into account for {schema.SOURCE_VOLUNTARY}.")

    applied = statement.get("application_date")
    if isinstance(applied, str) and schema.DATE_PATTERN.match(applied):
        for name in schema.END_DATES:
            end = statement.get(name)
            if isinstance(end, str) and schema.DATE_PATTERN.match(end) and end < applied:
                problems.append(f"{name}: {end} is before the application_date {applied}.")
        posted = statement.get("content_date")
        if isinstance(posted, str) and schema.DATE_PATTERN.match(posted) and posted > applied:
            problems.append(f"content_date: {posted} is after the application_date {applied}.")

    for name in FREE_TEXT_FIELDS:
        value = statement.get(name)
        if isinstance(value, str):
            if _EMAIL.search(value):
                problems.append(f"{name}: contains an e-mail address (personal data).")
            if _URL.search(value):
                problems.append(f"{name}: contains a link (it may identify a person).")
    return problems


# --- Export --------------------------------------------------------------------------------


@dataclass
class Export:
    statements: list[dict] = field(default_factory=list)
    # (which record, its problems) for every record that fails validation.
    problems: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def batches(self, size: int = schema.BATCH_MAX) -> list[dict]:
        """The API's batch format: {"statements": [...]}, at most `size` per batch."""
        return [
            {"statements": self.statements[i : i + size]}
            for i in range(0, len(self.statements), size)
        ]


def record_label(measure: PlatformMeasure) -> str:
    return (
        f"case {measure.case.notice.reference}, item {measure.item_id}, "
        f"{measure.measure} measure {measure.pk}, decision {measure.decision_id}"
    )


def export_statements(
    since: datetime.date | None = None, until: datetime.date | None = None
) -> Export:
    """Build and check every statement in the period. If any fails, the export carries the
    problems and must not be sent; nothing invalid is ever returned as a statement."""
    export = Export()
    seen: dict[str, str] = {}
    for measure in exportable_measures(since, until):
        if not applies_in_europe(measure):
            continue
        statement = statement_for(measure)
        label = record_label(measure)
        problems = validate_statement(statement)
        puid = statement.get("puid")
        if puid in seen:
            problems.append(f"puid: {puid} is already used by {seen[puid]}.")
        seen[puid] = label
        if problems:
            export.problems.append((label, problems))
        else:
            export.statements.append(statement)
    if export.problems:
        export.statements = []
    return export
