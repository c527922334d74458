"""Statement-of-reasons templates for the usual grounds of a decision.

A reviewer picks one in the decision form (on the case page or for a bulk decision); it fills
the statement of reasons, which stays editable. Each template names the ground it goes with (a
key of settings.TAKEDOWN_DECISION_GROUNDS, where the grounds themselves are defined) or, for a
request for information, no ground. The texts are sent to the parties, so they are translated.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ReasonTemplate:
    key: str
    outcome: str  # uphold, reject or request_info
    ground: str  # a key of TAKEDOWN_DECISION_GROUNDS; "" for a request for information
    label: Promise
    text: Promise


REASON_TEMPLATES = [
    ReasonTemplate(
        "portrait_commercial",
        "uphold",
        "portrait_right",
        _("Portrait used commercially without consent"),
        _(
            "The reported content uses the complainant's portrait to advertise or sell a "
            "product or service, without their consent. Using a person's portrait for profit "
            "requires their consent (PRC Civil Code arts. 1018-1019), and none of the "
            "exceptions of art. 1020 applies. We have restricted the content as requested."
        ),
    ),
    ReasonTemplate(
        "portrait_no_consent",
        "uphold",
        "portrait_right",
        _("Portrait published without consent"),
        _(
            "The reported content shows the complainant's portrait, published without their "
            "consent, in a use that no exception of PRC Civil Code art. 1020 covers (news "
            "reporting, research, public interest). We have restricted the content."
        ),
    ),
    ReasonTemplate(
        "impersonation",
        "uphold",
        "impersonation_terms",
        _("Impersonation"),
        _(
            "The reported content uses the complainant's photos to present itself as the "
            "complainant, which our terms of service forbid. We have restricted the content."
        ),
    ),
    ReasonTemplate(
        "not_the_complainant",
        "reject",
        "not_the_complainant",
        _("The person shown is not the complainant"),
        _(
            "We compared the reported content with the reference photos you sent and could not "
            "establish that it shows you. If you have further evidence, you may send a new "
            "notice or appeal this decision."
        ),
    ),
    ReasonTemplate(
        "lawful_use",
        "reject",
        "lawful_use",
        _("Lawful use (news, public interest)"),
        _(
            "The reported content uses the portrait in a way the law allows without consent "
            "(PRC Civil Code art. 1020), such as news reporting or the public interest. We are "
            "therefore not taking action against it."
        ),
    ),
    ReasonTemplate(
        "insufficient_evidence",
        "reject",
        "insufficient_evidence",
        _("Identity or evidence not shown"),
        _(
            "The notice does not include the evidence the law requires (PRC Civil Code art. "
            "1195): we could not verify your identity or your right to act for the person "
            "shown. You may send a new notice with the missing evidence."
        ),
    ),
    ReasonTemplate(
        "info_identity",
        "request_info",
        "",
        _("Ask for a readable identity document"),
        _(
            "We could not read the identity document you sent. Please send a clear photo or "
            "scan of a valid identity document so that we can continue reviewing your notice."
        ),
    ),
    ReasonTemplate(
        "info_reference",
        "request_info",
        "",
        _("Ask for a clearer reference photo"),
        _(
            "The reference photos you sent do not let us compare them with the reported "
            "content. Please send a photo in which your face is clearly visible."
        ),
    ),
]


def reason_templates(outcomes=("uphold", "reject", "request_info")) -> list[ReasonTemplate]:
    """The templates for these outcomes whose ground is configured on this installation."""
    grounds = settings.TAKEDOWN_DECISION_GROUNDS
    return [
        template
        for template in REASON_TEMPLATES
        if template.outcome in outcomes and (not template.ground or template.ground in grounds)
    ]
