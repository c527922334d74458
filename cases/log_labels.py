"""What the action log's codes mean, in the reader's language: the staff pages show these
labels; the log itself keeps the codes (they are part of its hash chain)."""

from django.utils.translation import gettext_lazy as _

from .models import State

ACTION_LABELS = {
    "notice_received": _("Notice received"),
    "notice_joined": _("Notice joined to this case"),
    "cases_linked": _("Linked to a related case"),
    "match_verified": _("Photos compared"),
    "claim": _("Claimed"),
    "release": _("Claim released"),
    "uphold": _("Upheld"),
    "reject": _("Rejected"),
    "request_info": _("Information requested"),
    "provide_info": _("Information provided"),
    "withdraw": _("Withdrawn by the complainant"),
    "close": _("Closed"),
    "close_no_action": _("Closed: content already removed"),
    "measure_applied": _("Measure applied"),
    "measure_failed": _("Measure failed"),
    "measure_retry": _("Measure retried"),
    "content_restored": _("Content restored"),
    "uploader_notified": _("Uploader notified"),
    "uploader_told_appeal_outcome": _("Uploader told the appeal's outcome"),
    "counter_notice": _("Counter-notice received"),
    "legal_action_proof": _("Proof of legal action received"),
    "restore": _("Restoring after the waiting period"),
    "restore_expired": _("A waiting period ended"),
    "maintain": _("Measure maintained after the dispute"),
    "restore_after_dispute": _("Measure lifted after the dispute"),
    "expire_measure": _("Temporary measure ended"),
    "uploader_told_dispute_outcome": _("Uploader told the outcome of the dispute"),
    "appeal": _("Appeal filed"),
    "deadline_missed": _("Deadline missed"),
    "evidence_viewed": _("Evidence viewed"),
    "evidence_erased": _("Evidence erased at the complainant's request"),
    "evidence_purged": _("Evidence deleted at the end of its retention period"),
    "hashes_purged": _("Hashes deleted at the end of their retention period"),
    "repeat_infringer_flagged": _("Uploader flagged as a repeat infringer"),
    "account_measure_applied": _("Measure on the uploader's account"),
    "uploader_told_account_measure": _("Uploader sent the reasons for the account measure"),
    "repeat_infringer_warned": _("Repeat infringer warned before any account measure"),
    "repeat_infringer_measure_due": _("Decision after the warning: the account measure is due"),
    "account_measure_period_ended": _("The account measure's period ended"),
    "account_measure_refused": _("The platform refused the account measure"),
    "repeat_infringer_cleared": _("Repeat-infringer flag cleared after a reversal"),
    "account_measure_lifted": _("Measure on the uploader's account lifted"),
    "account_measure_lift_refused": _(
        "The platform refused to lift the account measure: lift it on the platform by hand"
    ),
    "uploader_told_account_measure_lifted": _("Uploader told the account measure was lifted"),
    "notifier_warned": _("Notifier warned"),
    "notifier_suspended": _("Notifier suspended"),
}

# Who acted, when it was not a member of staff (staff are shown by their user name).
ACTOR_LABELS = {
    "system": _("system"),
    "complainant": _("complainant"),
    "uploader": _("uploader"),
}

# How a match was found (cases/imagematch.py's methods; "_mirrored": on the flipped copy).
METHOD_LABELS = {
    "pdq": _("PDQ hash"),
    "pdq_mirrored": _("PDQ hash, mirrored"),
    "pdq_quality": _("PDQ hash"),
    "phash": _("perceptual hash"),
    "phash_mirrored": _("perceptual hash, mirrored"),
    "dhash": _("difference hash"),
    "dhash_mirrored": _("difference hash, mirrored"),
    "keypoints": _("local features"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def actor_label(label: str) -> str:
    return str(ACTOR_LABELS.get(label, label))


def state_label(code: str) -> str:
    return str(State(code).label) if code in State.values else code


def method_label(code: str) -> str:
    return str(METHOD_LABELS.get(code, code))
