"""The web form's widgets. Validation is the API's: NoticeIntakeSerializer checks both."""

from django import forms

from .models import Measure, Relationship, UseType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class NoticeForm(forms.Form):
    notifier_name = forms.CharField(label="Your full name")
    notifier_email = forms.EmailField(label="Your e-mail")
    notifier_phone = forms.CharField(label="Phone (optional)", required=False)
    relationship = forms.ChoiceField(choices=Relationship.choices, widget=forms.RadioSelect)
    identity_document = forms.FileField(
        label="Identity document of the person in the photo",
        help_text="A photo, scan or PDF. The law asks for the right holder's real identity.",
    )
    authorization_document = forms.FileField(
        label="Authorisation to act (agents only)", required=False
    )
    reported_urls = forms.CharField(
        label="Where is the photo used?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Post URLs on this platform or content ids (like post-12), one per line.",
    )
    reference_photos = forms.FileField(
        label="Reference photos of the person (1 to 5)",
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text="Used only to check the match; kept private.",
    )
    use_type = forms.ChoiceField(label="How is the photo used?", choices=UseType.choices)
    description = forms.CharField(
        label="Explain why this use is not allowed", widget=forms.Textarea(attrs={"rows": 4})
    )
    requested_measure = forms.ChoiceField(label="What should we do?", choices=Measure.choices)
    good_faith = forms.BooleanField(
        label="I believe in good faith that this use of the photo is not authorised."
    )
    accuracy = forms.BooleanField(
        label="The information in this notice is accurate, and I know a wrong notice makes me "
        "liable for the harm it causes."
    )
    signature = forms.CharField(label="Signature (type your full name)")


class TrackForm(forms.Form):
    reference = forms.CharField(label="Reference (e.g. TD-2026-000123)")
    token = forms.CharField(label="Tracking token (from your receipt)")
