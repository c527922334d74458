"""Statements of reasons for the EU DSA Transparency Database (DSA art. 24(5)).

One statement per restriction: every platform measure that was applied (delete, disconnect
link, block) on a decision gives one submission, built from the decision's statement of reasons,
and so does every account measure applied to a repeat infringer. Each is checked against
`cases.dsa_schema` before anything leaves the system. Submissions must carry no personal data:
no names, e-mail addresses, phone numbers, identity numbers, contact details or links to the
content (the database's optional `decision_ground_reference_url`, `source_identity`,
`content_id` and `content_language` are left out); what looks like personal data, and every
detail the case knows of its parties, is removed from the free text, and the check refuses a
statement that still holds any.

Each export is recorded (`StatementExport`): the database refuses a puid it already holds, so
an export leaves out the statements an earlier one handed out unless asked to export them again.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from notices.models import ReportedItem

from . import dsa_schema as schema
from .errors import Conflict
from .models import Case, Decision, PlatformMeasure, RepeatInfringer, StatementExport
from .personal_data import (
    ADDRESS,
    EMAIL_ADDRESS,
    HANDLE,
    NAME,
    PHONE_NUMBER,
    Party,
    findings,
    scrub,
)

# Our measures and the visibility restriction each one is in the schema's words. Blocking
# makes the content unreachable while keeping it, as disconnecting its link does: both are
# "Disabling access to content".
VISIBILITY_FOR_MEASURE = {
    "delete": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "disconnect_link": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "block": "DECISION_VISIBILITY_CONTENT_DISABLED",
}
# Account measures (TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE) in the schema's words. Another
# measure has no statement the schema accepts: its record fails validation, by name.
ACCOUNT_DECISION_FOR_MEASURE = {
    "suspend": "DECISION_ACCOUNT_SUSPENDED",
    "terminate": "DECISION_ACCOUNT_TERMINATED",
}
ACCOUNT_MEASURE_WORDS = {"suspend": "suspended", "terminate": "terminated"}

ELLIPSIS = "…"
# Free-text fields: personal data is removed from them, and looked for again before export.
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

COMPLAINANT, UPLOADER, ORGANISATION = "complainant", "uploader", "filing organisation"


# --- Selecting -----------------------------------------------------------------------------


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _in_period(queryset, moment: str, since, until):
    """``since`` and ``until`` are inclusive days."""
    if since is not None:
        queryset = queryset.filter(**{f"{moment}__gte": _start_of(since)})
    if until is not None:
        end = _start_of(until + datetime.timedelta(days=1))
        queryset = queryset.filter(**{f"{moment}__lt": end})
    return queryset


def exportable_measures(since: datetime.date | None = None, until: datetime.date | None = None):
    """Applied restrictions that answer a decision, oldest first; `since` and `until` are
    inclusive days of application (the measure's completion)."""
    measures = PlatformMeasure.objects.filter(
        status=PlatformMeasure.Status.APPLIED,
        measure__in=list(VISIBILITY_FOR_MEASURE),
        decision__isnull=False,
        completed_at__isnull=False,
    )
    measures = _in_period(measures, "completed_at", since, until)
    return measures.select_related("decision", "item", "case__notice__filed_by").order_by(
        "completed_at", "pk"
    )


def exportable_account_measures(
    since: datetime.date | None = None, until: datetime.date | None = None
):
    """Account measures the platform applied to repeat infringers, oldest first; `since` and
    `until` are inclusive days of application."""
    infringers = RepeatInfringer.objects.filter(account_measure_at__isnull=False).exclude(
        account_measure=""
    )
    return _in_period(infringers, "account_measure_at", since, until).order_by(
        "account_measure_at", "pk"
    )


# --- Identifying ---------------------------------------------------------------------------


def _puid_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def puid_for(measure: PlatformMeasure) -> str:
    """Unique per statement and stable: the case reference, the item and the measure, none of
    which ever changes (an item restricted again after a restore is a new measure, so a second
    statement)."""
    reference = _puid_part(measure.case.notice.reference)
    return f"{reference}-item{measure.item_id}-measure{measure.pk}"[: schema.PUID_MAX_LENGTH]


def account_puid_for(infringer: RepeatInfringer) -> str:
    """One account measure per flagged uploader: the flag's id and the measure. Never the
    uploader's handle, which is personal data."""
    measure = _puid_part(infringer.account_measure)
    return f"repeat-infringer{infringer.pk}-account-{measure}"[: schema.PUID_MAX_LENGTH]


def record_label(measure: PlatformMeasure) -> str:
    return (
        f"case {measure.case.notice.reference}, item {measure.item_id}, "
        f"{measure.measure} measure {measure.pk}, decision {measure.decision_id}"
    )


def account_record_label(infringer: RepeatInfringer) -> str:
    return f"repeat infringer {infringer.pk}, account measure {infringer.account_measure}"


# --- The parties ---------------------------------------------------------------------------


def notifier_parties(notice) -> list[Party]:
    """What the notice tells of who sent it: the complainant, and an organisation filing it."""
    parties = [
        Party(COMPLAINANT, NAME, notice.notifier_name),
        Party(COMPLAINANT, NAME, notice.signature),
        Party(COMPLAINANT, EMAIL_ADDRESS, notice.notifier_email),
        Party(COMPLAINANT, PHONE_NUMBER, notice.notifier_phone),
    ]
    if notice.filed_by_id:
        parties += [
            Party(ORGANISATION, NAME, notice.filed_by.name),
            Party(ORGANISATION, EMAIL_ADDRESS, notice.filed_by.contact_email),
        ]
    return parties


def _uploader(item: ReportedItem) -> list[Party]:
    return [Party(UPLOADER, NAME, item.uploader_name), Party(UPLOADER, HANDLE, item.uploader_id)]


def parties_of_case(case: Case) -> tuple[Party, ...]:
    """Every detail the case knows of a person: the complainant (and of notices joined to the
    case), the organisation that filed it, the uploaders and what they gave in a
    counter-notice."""
    notice = case.notice
    parties = notifier_parties(notice)
    for joined in case.joined_notices.select_related("notice__filed_by"):
        parties += notifier_parties(joined.notice)
    for item in notice.items.all():
        parties += _uploader(item)
    for access in case.uploader_accesses.all():
        parties.append(Party(UPLOADER, NAME, access.uploader_name))
    for counter in case.counter_notices.all():
        parties += [
            Party(UPLOADER, NAME, counter.name),
            Party(UPLOADER, NAME, counter.signature),
            Party(UPLOADER, EMAIL_ADDRESS, counter.email),
            Party(UPLOADER, PHONE_NUMBER, counter.phone),
            Party(UPLOADER, ADDRESS, counter.address),
        ]
    return tuple(p for p in parties if p.value and p.value.strip())


def parties_of_infringer(infringer: RepeatInfringer) -> tuple[Party, ...]:
    parties = [
        Party(UPLOADER, NAME, infringer.uploader_name),
        Party(UPLOADER, HANDLE, infringer.uploader_id),
    ]
    return tuple(p for p in parties if p.value and p.value.strip())


# --- Building ------------------------------------------------------------------------------


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


def cap(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def content_date_for(item: ReportedItem | None, notice) -> str:
    """When the content was posted, as the platform said when it was fetched. When it did not
    say, the day the notice about it was received: the nearest date known for certain (the
    content existed then)."""
    if item is not None and item.posted_at is not None:
        return timezone.localdate(item.posted_at).isoformat()
    return timezone.localdate(notice.received_at).isoformat()


def _ground_fields(statement: dict, dsa: dict, reference: str, explanation: str) -> None:
    """decision_ground, category and the fields the ground asks for."""
    if dsa.get("decision_ground"):
        statement["decision_ground"] = dsa["decision_ground"]
    if dsa.get("category"):
        statement["category"] = dsa["category"]
    if dsa.get("category_specification"):
        statement["category_specification"] = list(dsa["category_specification"])
    if statement.get("decision_ground") == schema.DECISION_GROUND_ILLEGAL_CONTENT:
        statement["illegal_content_legal_ground"] = cap(reference, 500)
        statement["illegal_content_explanation"] = cap(explanation, 2000)
    elif statement.get("decision_ground") == schema.DECISION_GROUND_INCOMPATIBLE_CONTENT:
        statement["incompatible_content_ground"] = cap(reference, 500)
        statement["incompatible_content_explanation"] = cap(explanation, 2000)


def _without_personal_data(statement: dict, parties) -> dict:
    """Personal data removed from every free-text field, within the field's length."""
    for name in FREE_TEXT_FIELDS:
        if isinstance(statement.get(name), str):
            statement[name] = cap(scrub(statement[name], parties), schema.FIELDS[name].max_length)
    return statement


def statement_for(measure_or_decision, parties=None) -> dict:
    """One submission for one restricted item (a `PlatformMeasure`, or a `Decision` that
    restricted exactly one item). Fields the data cannot fill are left out, so that
    `validate_statement` names them. `parties` defaults to the case's."""
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
    if parties is None:
        parties = parties_of_case(measure.case)
    statement: dict = {}

    visibility = VISIBILITY_FOR_MEASURE.get(measure.measure)
    if visibility:
        statement["decision_visibility"] = [visibility]
    if decision.ends_on:
        statement["end_date_visibility_restriction"] = decision.ends_on.isoformat()

    ground = settings.TAKEDOWN_DECISION_GROUNDS.get(decision.ground) if decision.ground else None
    # The reference as recorded with the decision; the configured one if it was not.
    reference = decision.ground_reference or (ground or {}).get("reference", "")
    explanation = (ground or {}).get("explanation", "")
    _ground_fields(statement, (ground or {}).get("dsa") or {}, reference, explanation)

    statement["decision_facts"] = cap(decision.reasons, 5000)
    statement["content_type"] = ["CONTENT_TYPE_IMAGE"]
    statement["territorial_scope"] = territorial_scope_for(decision)
    statement["content_date"] = content_date_for(measure.item, notice)
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
    return _without_personal_data(statement, parties)


def account_content_item(infringer: RepeatInfringer) -> ReportedItem | None:
    """The content whose upheld notice made the uploader a repeat infringer: their latest
    reported item from before the flag."""
    return (
        ReportedItem.objects.filter(
            uploader_id=infringer.uploader_id, notice__received_at__lte=infringer.flagged_at
        )
        .select_related("notice")
        .order_by("-notice__received_at", "-pk")
        .first()
    )


def account_facts(infringer: RepeatInfringer) -> str:
    """The facts of an account measure, without anything that identifies the account."""
    done = ACCOUNT_MEASURE_WORDS.get(
        infringer.account_measure, f"restricted ({infringer.account_measure})"
    )
    return (
        f"The account was {done} under the platform's repeat-infringer policy: notices that its "
        f"content used a person's portrait unlawfully were upheld in {infringer.upheld_cases} "
        f"cases within {settings.TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS} days. Each of those "
        "decisions was taken by a person; the account measure followed automatically "
        + (
            "at the next upheld decision after a prior warning."
            if infringer.warned_at
            else "once the policy's threshold was reached."
        )
    )


def account_statement_for(infringer: RepeatInfringer, parties=None) -> dict:
    """The submission for an account measure on a repeat infringer."""
    if parties is None:
        parties = parties_of_infringer(infringer)
    statement: dict = {}
    decision = ACCOUNT_DECISION_FOR_MEASURE.get(infringer.account_measure)
    if decision:
        statement["decision_account"] = decision
    ground = settings.TAKEDOWN_REPEAT_INFRINGER_GROUND
    _ground_fields(
        statement,
        ground.get("dsa") or {},
        ground.get("reference", ""),
        ground.get("explanation", ""),
    )
    statement["decision_facts"] = account_facts(infringer)
    statement["content_type"] = ["CONTENT_TYPE_IMAGE"]
    # An account is suspended everywhere.
    statement["territorial_scope"] = list(schema.EUROPEAN_COUNTRY_CODES)
    item = account_content_item(infringer)
    if item is not None:
        statement["content_date"] = content_date_for(item, item.notice)
    statement["application_date"] = timezone.localdate(infringer.account_measure_at).isoformat()
    if infringer.account_measure_ends_at is not None:
        statement["end_date_account_restriction"] = timezone.localdate(
            infringer.account_measure_ends_at
        ).isoformat()
    # No notice asked for the account measure: the platform's policy applied it.
    statement["source_type"] = schema.SOURCE_VOLUNTARY
    statement["automated_detection"] = "No"
    statement["automated_decision"] = "AUTOMATED_DECISION_FULLY"
    statement["puid"] = account_puid_for(infringer)
    return _without_personal_data(statement, parties)


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


def validate_statement(statement: dict, parties=()) -> list[str]:
    """Every way the submission breaks the schema's rules, one message each; empty when valid.
    Free text that still holds personal data is refused: what looks like it, and any detail of
    the given `parties` (the message names the kind, never the data)."""
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
            for found in findings(value, parties):
                problems.append(f"{name}: contains {found} (personal data).")
    return problems


# --- Export --------------------------------------------------------------------------------


@dataclass
class InvalidRecord:
    """A record that fails validation: its puid, which record it is, and each problem as
    "field: reason"."""

    puid: str
    record: str
    problems: list[str]


@dataclass
class Export:
    statements: list[dict] = field(default_factory=list)
    invalid: list[InvalidRecord] = field(default_factory=list)
    # puids among the statements that an earlier export already handed out.
    reexported: list[str] = field(default_factory=list)
    # Left out: handed out by an earlier export (include_exported puts them back), and
    # restrictions limited to countries outside the EU/EEA (not reported to the database).
    already_exported: int = 0
    outside_europe: int = 0
    # Whether the valid statements go out even though some records are invalid.
    skip_invalid: bool = False

    @property
    def ok(self) -> bool:
        return not self.invalid

    @property
    def refused(self) -> bool:
        """Nothing may go out: some records are invalid and skipping them was not asked for."""
        return bool(self.invalid) and not self.skip_invalid

    def skipped(self) -> dict:
        """How many records were left out, and why: none is dropped silently."""
        return {
            "invalid": len(self.invalid),
            "already_exported": self.already_exported,
            "outside_europe": self.outside_europe,
        }

    def batches(self, size: int = schema.BATCH_MAX) -> list[dict]:
        """The API's batch format: {"statements": [...]}, at most `size` per batch."""
        return [
            {"statements": self.statements[i : i + size]}
            for i in range(0, len(self.statements), size)
        ]


def exported_puids(puids) -> set[str]:
    """Which of these puids an export already handed out."""
    puids = list(puids)
    found: set[str] = set()
    for start in range(0, len(puids), 500):
        chunk = puids[start : start + 500]
        found.update(StatementExport.objects.filter(puid__in=chunk).values_list("puid", flat=True))
    return found


def _records(since, until):
    """(puid, label, build) for every restriction of the period that the database hears of,
    oldest first, and how many were left out as restricted only outside the EU/EEA."""
    records = []
    outside = 0
    parties_by_case: dict[int, tuple[Party, ...]] = {}
    for measure in exportable_measures(since, until):
        if not applies_in_europe(measure):
            outside += 1
            continue

        def build(measure=measure):
            if measure.case_id not in parties_by_case:
                parties_by_case[measure.case_id] = parties_of_case(measure.case)
            parties = parties_by_case[measure.case_id]
            return statement_for(measure, parties), parties

        records.append((measure.completed_at, puid_for(measure), record_label(measure), build))
    for infringer in exportable_account_measures(since, until):

        def build(infringer=infringer):
            parties = parties_of_infringer(infringer)
            return account_statement_for(infringer, parties), parties

        records.append(
            (
                infringer.account_measure_at,
                account_puid_for(infringer),
                account_record_label(infringer),
                build,
            )
        )
    records.sort(key=lambda record: record[0])
    return [record[1:] for record in records], outside


def export_statements(
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    *,
    include_exported: bool = False,
    skip_invalid: bool = False,
) -> Export:
    """Build and check every statement of the period, leaving out those an earlier export
    handed out unless `include_exported`. Invalid records are listed with their problems; unless
    `skip_invalid`, they hold back the whole export (`refused`, and no statement is returned).
    Nothing invalid is ever returned as a statement."""
    records, outside = _records(since, until)
    export = Export(outside_europe=outside, skip_invalid=skip_invalid)
    earlier = exported_puids(puid for puid, _, _ in records)
    seen: dict[str, str] = {}
    for puid, label, build in records:
        if puid in earlier and not include_exported:
            export.already_exported += 1
            continue
        statement, parties = build()
        problems = validate_statement(statement, parties)
        if puid in seen:
            problems.append(f"puid: {puid} is already used by {seen[puid]}.")
        seen[puid] = label
        if problems:
            export.invalid.append(InvalidRecord(puid=puid, record=label, problems=problems))
            continue
        export.statements.append(statement)
        if puid in earlier:
            export.reexported.append(puid)
    if export.refused:
        export.statements, export.reexported = [], []
    return export


def record_export(export: Export, *, channel: str, user=None) -> uuid.UUID | None:
    """Record every statement the export hands out, in one batch; call it inside the
    transaction that hands them out, so that a failure records nothing. A statement handed
    out for the first time by another export meanwhile is a Conflict: export again."""
    if export.refused:
        raise ValueError("A refused export hands nothing out: there is nothing to record.")
    if not export.statements:
        return None
    batch = uuid.uuid4()
    now = timezone.now()
    reexported = set(export.reexported)
    rows = [
        StatementExport(
            puid=statement["puid"],
            batch=batch,
            exported_at=now,
            exported_by=user,
            channel=channel,
            reexport=statement["puid"] in reexported,
        )
        for statement in export.statements
    ]
    try:
        with transaction.atomic():
            StatementExport.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict(
            gettext(
                "Another export handed out some of these statements meanwhile: nothing was "
                "exported. Export again to get the rest."
            )
        ) from None
    return batch
