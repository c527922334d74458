"""The intake contract: the fields a complainant sends, validated in one place for the API
and the web form alike."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import APIException

from cases.platforms import InvalidContentReference, PlatformError, get_adapter

from .models import Measure, Notice, Relationship, UseType
from .uploads import UploadRejected, clean_document, clean_image


class PlatformUnavailable(APIException):
    """The platform could not be asked whether the reported content exists: try later."""

    status_code = 503
    default_detail = gettext_lazy(
        "The platform could not be reached to check the reported URLs. Nothing was stored; "
        "please try again in a few minutes."
    )
    default_code = "platform_unavailable"
    wait = 60  # becomes the Retry-After header


class NotifierSuspended(APIException):
    """The notifier is suspended for sending manifestly unfounded notices (DSA art. 23)."""

    status_code = 403
    default_code = "notifier_suspended"

    def __init__(self, sanction):
        until = (
            gettext("until %(time)s UTC") % {"time": f"{sanction.ends_at:%Y-%m-%d %H:%M}"}
            if sanction.ends_at
            else gettext("until further notice")
        )
        super().__init__(
            gettext(
                "Notices from this e-mail address are suspended %(until)s, because earlier "
                "notices from it were manifestly unfounded (EU DSA art. 23). Nothing was "
                "stored. If you believe this is wrong, reply to the message that told you of "
                "the suspension."
            )
            % {"until": until}
        )


class ReportedUrlsField(serializers.ListField):
    """Repeated field, or one per line in a single value."""

    child = serializers.CharField(max_length=2000)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [data]
        lines = []
        for value in data:
            if not isinstance(value, str):
                raise serializers.ValidationError(gettext("Each reported URL must be text."))
            lines += [line.strip() for line in value.splitlines() if line.strip()]
        return super().to_internal_value(lines)


class MustBeTrueField(serializers.BooleanField):
    def __init__(self, statement: str, **kwargs):
        self.statement = statement
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value is not True:
            raise serializers.ValidationError(
                gettext("You must confirm: %(statement)s") % {"statement": self.statement}
            )
        return value


class NoticeIntakeSerializer(serializers.Serializer):
    notifier_name = serializers.CharField(max_length=200)
    notifier_email = serializers.EmailField()
    notifier_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    authorization_document = serializers.FileField(required=False, allow_empty_file=True)
    identity_document = serializers.FileField(
        allow_empty_file=True,
        help_text="The right holder's identity document (photo, scan or PDF).",
    )
    reported_urls = ReportedUrlsField(
        allow_empty=False,
        help_text="Platform URLs or content ids: repeat the field, or one per line.",
    )
    reference_photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        allow_empty=False,
        help_text="1 to 5 photos of the person in the photo (repeat the field).",
    )
    use_type = serializers.ChoiceField(choices=UseType.choices)
    description = serializers.CharField(max_length=5000)
    requested_measure = serializers.ChoiceField(choices=Measure.choices)
    good_faith = MustBeTrueField(
        gettext_lazy("I believe in good faith that this use of the photo is not authorised.")
    )
    accuracy = MustBeTrueField(gettext_lazy("The information in this notice is accurate."))
    signature = serializers.CharField(max_length=200, help_text="Your full name, typed.")
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES],
        required=False,
        help_text="The language of the e-mails about this notice (en or zh-hans); by default "
        "the request's (Accept-Language).",
    )

    def validate_notifier_email(self, email):
        from .services import normalise_email, notifier_suspension

        email = normalise_email(email)
        sanction = notifier_suspension(email)
        if sanction is not None:
            # Refused outright, before any file is read: a 403, not a field error.
            raise NotifierSuspended(sanction)
        return email

    def validate_reference_photos(self, files):
        limit = settings.TAKEDOWN_MAX_REFERENCE_PHOTOS
        if len(files) > limit:
            raise serializers.ValidationError(
                gettext("Attach at most %(limit)s reference photos.") % {"limit": limit}
            )
        try:
            return [clean_image(upload) for upload in files]
        except UploadRejected as error:
            raise serializers.ValidationError(str(error)) from None

    def validate_identity_document(self, upload):
        return _clean(clean_document, upload)

    def validate_authorization_document(self, upload):
        return _clean(clean_document, upload)

    def validate_reported_urls(self, values):
        limit = settings.TAKEDOWN_MAX_REPORTED_ITEMS
        if len(values) > limit:
            raise serializers.ValidationError(
                gettext("Report at most %(limit)s items in one notice.") % {"limit": limit}
            )
        adapter = get_adapter()
        resolved, errors, seen = [], [], set()
        for text in values:
            try:
                ref = adapter.resolve(text)
            except InvalidContentReference as error:
                errors.append(str(error))
                continue
            except PlatformError as error:
                if not error.transient:
                    errors.append(
                        gettext("%(url)s: the platform refused to look it up (%(error)s).")
                        % {"url": text, "error": error}
                    )
                    continue
                raise PlatformUnavailable() from error
            if ref.content_id not in seen:
                seen.add(ref.content_id)
                resolved.append((text, ref))
        if errors:
            raise serializers.ValidationError(errors)
        return resolved

    def validate(self, attrs):
        organisation = self.context.get("organisation")
        if (
            organisation is not None
            and organisation.kind == organisation.Kind.AGENT
            and attrs["relationship"] != Relationship.AGENT
        ):
            raise serializers.ValidationError(
                {
                    "relationship": [
                        gettext(
                            "An agent organisation files for its principal: relationship must "
                            "be 'agent', the notifier fields describe the principal, and the "
                            "principal's authorisation is attached."
                        )
                    ]
                }
            )
        if attrs["relationship"] == Relationship.AGENT and not attrs.get("authorization_document"):
            raise serializers.ValidationError(
                {
                    "authorization_document": [
                        gettext("An agent must attach the right holder's authorisation to act.")
                    ]
                }
            )
        return attrs

    def file_notice(self, *, idempotency_key: str | None = None, language: str | None = None):
        """File the notice. Its e-mails go in ``language``: the API's ``language`` field, else
        the one given (the web form's page), else the request's active language."""
        from .services import notice_file

        data = dict(self.validated_data)
        fields = {
            name: data[name]
            for name in (
                "notifier_name",
                "notifier_email",
                "relationship",
                "use_type",
                "description",
                "requested_measure",
                "good_faith",
                "accuracy",
                "signature",
            )
        }
        fields["notifier_phone"] = data.get("notifier_phone", "")
        fields["language"] = translation.get_supported_language_variant(
            data.get("language") or language or translation.get_language() or settings.LANGUAGE_CODE
        )
        return notice_file(
            fields=fields,
            identity_document=data["identity_document"],
            authorization_document=data.get("authorization_document"),
            reference_photos=data["reference_photos"],
            reported=data["reported_urls"],
            idempotency_key=idempotency_key,
            filed_by=self.context.get("organisation"),
        )


def _clean(cleaner, upload):
    try:
        return cleaner(upload)
    except UploadRejected as error:
        raise serializers.ValidationError(str(error)) from None


class FiledNoticeSerializer(serializers.Serializer):
    reference = serializers.CharField()
    tracking_token = serializers.CharField()
    status = serializers.CharField()
    tracking_url = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    event = serializers.CharField()
    description = serializers.CharField()


class TrackedItemSerializer(serializers.Serializer):
    url = serializers.CharField()
    measure = serializers.CharField()
    outcome = serializers.CharField()


class TrackedDecisionSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    reasons = serializers.CharField()
    decided_at = serializers.DateTimeField()
    ground = serializers.CharField(help_text="The legal or policy ground, with its reference.")
    territorial_scope = serializers.ListField(
        child=serializers.CharField(),
        help_text="ISO 3166-1 alpha-2 codes of where the measure applies; empty: everywhere.",
    )
    ends_on = serializers.DateField(
        allow_null=True, help_text="The last day a temporary measure applies; null: indefinite."
    )
    redress = serializers.CharField(help_text="The redress open to you.")
    on_appeal = serializers.BooleanField(help_text="Taken on appeal: final within the platform.")


class AppealRightSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why no appeal is open, when none is.")
    closes_at = serializers.DateTimeField(allow_null=True)


class TrackedCounterNoticeSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField()
    waiting_period_ends_at = serializers.DateTimeField(
        help_text="Send proof of a complaint or lawsuit before this, or the content is restored."
    )
    policy_basis = serializers.CharField()
    status = serializers.CharField()


class TrackedNoticeSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    requested_measure = serializers.CharField()
    items = TrackedItemSerializer(many=True)
    decision = TrackedDecisionSerializer(allow_null=True)
    appeal = AppealRightSerializer()
    counter_notice = TrackedCounterNoticeSerializer(allow_null=True)
    timeline = TimelineEntrySerializer(many=True)
    handled_with = serializers.CharField(
        allow_null=True,
        help_text="For a notice joined to an earlier notice's case: that notice's reference.",
    )


class OrganisationNoticeItemSerializer(serializers.Serializer):
    url = serializers.CharField()
    content_id = serializers.CharField()
    outcome = serializers.CharField()


class OrganisationNoticeSerializer(serializers.Serializer):
    """One row of an organisation's notices."""

    reference = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    principal_name = serializers.CharField(help_text="The person the notice was filed for.")
    relationship = serializers.CharField()
    items = OrganisationNoticeItemSerializer(many=True)
    latest_decision = serializers.CharField(
        allow_null=True, help_text="uphold, reject or request_info; null before any decision."
    )
    handled_with = serializers.CharField(allow_null=True)


__all__ = ["NoticeIntakeSerializer", "Notice"]
