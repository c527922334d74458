"""The case history each party is entitled to, in plain language.

Staff see every log entry with who acted. The complainant sees the entries written for them
(``public_summary``). The uploader sees only what concerns their own content, from the
measure on: never the complainant's identity, evidence or staff names.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from .models import ActionLog, Case, UploaderAccess

COMPLAINANT = "complainant"
UPLOADER = "uploader"
STAFF = "staff"
AUDIENCES = (COMPLAINANT, UPLOADER, STAFF)

# What the uploader is told of each kind of entry; entries not listed are not theirs to see.
UPLOADER_TEXT = {
    "measure_applied": gettext_lazy(
        "The platform applied the measure ({measure}) to your content {url}."
    ),
    "uploader_notified": gettext_lazy("You were sent the notice and the statement of reasons."),
    "uploader_told_restored": gettext_lazy("You were told your content {url} was restored."),
    "counter_notice": gettext_lazy(
        "A counter-notice was received and forwarded to the complainant."
    ),
    "legal_action_proof": gettext_lazy(
        "The complainant showed that they complained to the authorities or went to court: "
        "the measure stays while the dispute is reviewed."
    ),
    "restore": gettext_lazy(
        "The waiting period ended without proof of a complaint or lawsuit: the content is "
        "being restored."
    ),
    "restore_expired": gettext_lazy(
        "A waiting period ended without proof of a complaint or lawsuit: the contested "
        "content is being restored."
    ),
    "content_restored": gettext_lazy("Your content {url} was restored on the platform."),
    "maintain": gettext_lazy("After review of the dispute, the measure stays in place."),
    "expire_measure": gettext_lazy(
        "The measure was temporary and its end date has passed: the content is being restored."
    ),
    "restore_after_dispute": gettext_lazy(
        "After review of the dispute, the measure is lifted and the content is being restored."
    ),
    "uploader_told_dispute_outcome": gettext_lazy(
        "You were told the outcome of the review of the dispute."
    ),
    "appeal": gettext_lazy(
        "An appeal was filed; a reviewer other than the one who decided will decide it."
    ),
    "uphold": gettext_lazy("A reviewer decided that the measure is justified."),
    "reject": gettext_lazy("A reviewer decided that the notice is not upheld."),
    "uploader_told_appeal_outcome": gettext_lazy("You were told the outcome of the appeal."),
}
# The complainant's entries whose stored summary carries the case's own values: worded again
# from the entry's details at reading time. Every other stored summary is a fixed English
# sentence (marked with gettext_noop where it is written) and is translated as it is read.
COMPLAINANT_TEXT = {
    "measure_applied": gettext_lazy("{measure} applied to {url}."),
    "content_restored": gettext_lazy("{url} was restored on the platform."),
    "notice_joined": gettext_lazy(
        "Another notice from you about the same content ({notice}) was received and is "
        "handled in this case."
    ),
}
# Entries about one item: shown to the uploader only if that item is theirs.
ITEM_ACTIONS = {"measure_applied", "content_restored", "uploader_notified"}


def _uploader_entry(entry: ActionLog, content_ids: set[str]) -> str | None:
    details = entry.details or {}
    action = entry.action
    if action == "uploader_notified" and details.get("measure") == "restore":
        action = "uploader_told_restored"
    text = UPLOADER_TEXT.get(action)
    if text is None:
        return None
    if entry.action in ITEM_ACTIONS and details.get("content_id") not in content_ids:
        return None
    from .measures import MEASURE_LABELS

    measure = details.get("measure", "")
    # Worded at reading time, in the reader's language.
    return str(text).format(
        measure=MEASURE_LABELS.get(measure, measure), url=details.get("url", "")
    )


def _complainant_entry(entry: ActionLog) -> str:
    """The entry's public summary in the reader's language. The log keeps the English text it
    was written with (it is part of the hash chain); only its reading is translated."""
    text = COMPLAINANT_TEXT.get(entry.action)
    if text is None:
        return gettext(entry.public_summary)
    from .measures import MEASURE_LABELS

    details = entry.details or {}
    measure = details.get("measure", "")
    return str(text).format(
        measure=MEASURE_LABELS.get(measure, measure),
        url=details.get("url", ""),
        notice=details.get("notice", ""),
    )


def case_timeline(case: Case, audience: str, access: UploaderAccess | None = None) -> list[dict]:
    """``[{"at", "event", "description"}...]`` oldest first; ``actor`` for staff only."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    entries = case.log.order_by("pk")
    if audience == STAFF:
        return [
            {
                "at": e.created_at,
                "event": e.action,
                "actor": e.actor_label,
                "description": e.public_summary or e.reasons or e.action.replace("_", " "),
            }
            for e in entries
        ]
    if audience == COMPLAINANT:
        return [
            {"at": e.created_at, "event": e.action, "description": _complainant_entry(e)}
            for e in entries.exclude(public_summary="")
        ]
    from .redress import uploader_items

    content_ids = set(uploader_items(access).values_list("content_id", flat=True))
    started = False
    timeline = []
    for entry in entries:
        # Nothing before the measure on their content: that is the complainant's business.
        if entry.action == "measure_applied" and entry.details.get("content_id") in content_ids:
            started = True
        if not started:
            continue
        description = _uploader_entry(entry, content_ids)
        if description:
            timeline.append(
                {"at": entry.created_at, "event": entry.action, "description": description}
            )
    return timeline
