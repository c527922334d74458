"""The web form's widgets and its five steps. Validation is the API's: NoticeIntakeSerializer
checks both."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Measure, Relationship, UseType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class NoticeForm(forms.Form):
    notifier_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    notifier_email = forms.EmailField(
        label=_("Your e-mail"),
        help_text=_("We send your receipt and every update here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    notifier_phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    relationship = forms.ChoiceField(
        label=_("Who is in the photo?"), choices=Relationship.choices, widget=forms.RadioSelect
    )
    authorization_document = forms.FileField(
        label=_("Authorisation to act (agents only)"),
        required=False,
        help_text=_("A signed letter or mandate from the person in the photo: PDF or a photo."),
    )
    reported_urls = forms.CharField(
        label=_("Where is the photo used?"),
        widget=forms.Textarea(attrs={"rows": 3, "autocapitalize": "off", "spellcheck": "false"}),
        help_text=_(
            "Post URLs on this platform or content ids (like post-12), one per line. "
            "Copy them from your browser's address bar or the post's Share button."
        ),
    )
    reference_photos = forms.FileField(
        label=_("Reference photos of the person in the photo (1 to 5)"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_(
            "Clear photos of the person in the photo, such as the original selfie. Used only to "
            "check the match; kept private."
        ),
    )
    identity_document = forms.FileField(
        label=_("Identity document of the person in the photo"),
        help_text=_(
            "A photo, scan or PDF. The law asks for the right holder's real identity; only our "
            "trust-and-safety staff see it."
        ),
    )
    use_type = forms.ChoiceField(label=_("How is the photo used?"), choices=UseType.choices)
    description = forms.CharField(
        label=_("Explain why this use is not allowed"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: who you are, that you never agreed to this use, and since when."),
    )
    requested_measure = forms.ChoiceField(label=_("What should we do?"), choices=Measure.choices)
    good_faith = forms.BooleanField(
        label=_("I believe in good faith that this use of the photo is not authorised.")
    )
    accuracy = forms.BooleanField(
        label=_(
            "The information in this notice is accurate, and I know a wrong notice makes me "
            "liable for the harm it causes."
        )
    )
    signature = forms.CharField(
        label=_("Signature (type your full name)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


# The guided flow: each step's title and its fields, in the order the form shows them.
STEPS = (
    (
        "who",
        _("Who you are"),
        ("notifier_name", "notifier_email", "notifier_phone", "relationship"),
        ("authorization_document",),
    ),
    ("where", _("Where the photos are"), ("reported_urls",), ()),
    ("photos", _("Your reference photos"), ("reference_photos", "identity_document"), ()),
    (
        "what",
        _("What happened and what you ask for"),
        ("use_type", "description", "requested_measure"),
        (),
    ),
    ("sign", _("Statements and signature"), ("good_faith", "accuracy", "signature"), ()),
)
# Fields that group choices, shown as a fieldset with a legend rather than one label.
GROUPED = {"relationship"}


def form_steps(form: NoticeForm, errors: dict) -> list[dict]:
    """The steps as the template renders them: each field with its help and its errors, and the
    ARIA attributes that tie them together (the same ids the page's script uses)."""
    steps = []
    for number, (slug, title, names, agent_only) in enumerate(STEPS, start=1):
        fields = []
        for name in (*names, *agent_only):
            bound = form[name]
            attrs = bound.field.widget.attrs
            described = []
            if bound.help_text:
                described.append(f"help-{name}")
            described.append(f"error-{name}")
            attrs["aria-describedby"] = " ".join(described)
            if bound.field.required:
                attrs["aria-required"] = "true"
                attrs["data-required"] = "true"
            if errors.get(name):
                attrs["aria-invalid"] = "true"
            fields.append(
                {
                    "bound": bound,
                    "name": name,
                    "errors": errors.get(name, []),
                    "grouped": name in GROUPED,
                    "checkbox": bound.field.widget.input_type == "checkbox"
                    if hasattr(bound.field.widget, "input_type")
                    else False,
                    "agent_only": name in agent_only,
                }
            )
        steps.append({"number": number, "slug": slug, "title": title, "fields": fields})
    return steps


def max_reference_photos() -> int:
    return settings.TAKEDOWN_MAX_REFERENCE_PHOTOS


class TrackForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference (e.g. TD-2026-000123)"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    token = forms.CharField(
        label=_("Tracking token (from your receipt)"),
        widget=forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false"}),
    )
