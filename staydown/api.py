"""POST /api/v1/screen/: is this upload (or these hashes) in the staydown bank?"""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from PIL import Image
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import imagematch
from cases.errors import InvalidInput
from cases.matching import pdq as pdq_hash
from takedown.parsers import JSONParser

from . import services
from .index import MAX_INDEXED_RADIUS
from .permissions import CanScreen
from .throttles import ScreeningThrottle

MAX_HASHES = 16


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": "One PDQ hash: 64 hex digits."},
            {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "maxItems": MAX_HASHES,
                "description": "Up to 16 PDQ hashes.",
            },
        ]
    }
)
class PdqHashesField(serializers.ListField):
    """One hash, or a list of them (the schema says both)."""


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": 100},
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 100},
                "minItems": 1,
                "maxItems": MAX_HASHES,
            },
        ],
        "description": "PDQ quality of the given hashes (0-100): one for all, or one per hash.",
    }
)
class QualitiesField(serializers.ListField):
    """One quality for all hashes, or one per hash."""


class ScreenInput(serializers.Serializer):
    image = serializers.FileField(required=False)
    pdq = PdqHashesField(
        child=serializers.CharField(), required=False, min_length=1, max_length=MAX_HASHES
    )
    quality = QualitiesField(
        child=serializers.IntegerField(min_value=0, max_value=100),
        required=False,
        min_length=1,
        max_length=MAX_HASHES,
        help_text="PDQ quality of the given hashes (0-100): one for all, or one per hash.",
    )
    max_distance = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_INDEXED_RADIUS
    )

    def to_internal_value(self, data):
        # One hash (or one quality) may be given as a plain value.
        if hasattr(data, "getlist"):
            lists = {key: data.getlist(key) for key in ("pdq", "quality")}
            data = {key: data.get(key) for key in data}
            data.update({key: values for key, values in lists.items() if values})
        elif isinstance(data, dict):
            data = {
                **data,
                **{
                    key: [data[key]]
                    for key in ("pdq", "quality")
                    if key in data and not isinstance(data[key], list)
                },
            }
        return super().to_internal_value(data)

    def validate(self, attrs):
        if ("image" in attrs) == ("pdq" in attrs):
            raise serializers.ValidationError(
                _(
                    "Send either an image (multipart field 'image') or PDQ hashes ('pdq': 64 hex "
                    "digits, or a list of them), not both and not neither."
                )
            )
        if "quality" in attrs:
            given = len(attrs.get("pdq", []))
            if "pdq" not in attrs or len(attrs["quality"]) not in (1, given):
                raise serializers.ValidationError(
                    {
                        "quality": _(
                            "'quality' goes with 'pdq': one value for all the hashes, or one per "
                            "hash (%(count)d)."
                        )
                        % {"count": given}
                    }
                )
            if len(attrs["quality"]) == 1:
                attrs["quality"] = attrs["quality"] * given
        if "pdq" in attrs:
            hashes = []
            for number, value in enumerate(attrs["pdq"], start=1):
                try:
                    hashes.append(pdq_hash.hex_to_bytes(value).hex())
                except ValueError as error:
                    raise serializers.ValidationError(
                        {
                            "pdq": _("hash %(number)d: %(error)s")
                            % {"number": number, "error": error}
                        }
                    ) from None
            attrs["pdq"] = hashes
        return attrs


class ScreenedHash(serializers.Serializer):
    pdq = serializers.CharField()
    variant = serializers.ChoiceField(choices=["image", "mirrored", "given"])
    quality = serializers.IntegerField(allow_null=True)
    screened = serializers.BooleanField(
        help_text="False when the hash's PDQ quality is under 50: too flat to match on."
    )


class ScreenedMatch(serializers.Serializer):
    entry_id = serializers.IntegerField()
    case_reference = serializers.CharField(allow_blank=True)
    measure = serializers.CharField(allow_blank=True)
    source = serializers.CharField()
    added_at = serializers.DateTimeField()
    distance = serializers.IntegerField()
    matched_hash = serializers.IntegerField(help_text="Index in 'hashes' of the hash that matched.")
    pdq = serializers.CharField()


class ScreenResultOutput(serializers.Serializer):
    matched = serializers.BooleanField()
    max_distance = serializers.IntegerField()
    hashes = ScreenedHash(many=True)
    matches = ScreenedMatch(many=True, help_text=f"The nearest {services.MAX_MATCHES} at most.")
    match_count = serializers.IntegerField(help_text="Every bank entry within max_distance.")
    truncated = serializers.BooleanField(help_text="True when match_count exceeds the matches.")
    note = serializers.CharField(
        required=False, help_text="Present when a hash was not screened, saying why."
    )


SCREENABLE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def _image_hashes(upload) -> tuple[list[str], dict]:
    limit = settings.TAKEDOWN_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise InvalidInput(
            _("The image is %(size)d KB; at most %(limit)d KB.")
            % {"size": upload.size // 1024, "limit": limit // 1024}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(_("The image is larger than %(limit)d KB.") % {"limit": limit // 1024})
    unreadable = InvalidInput(_("The file could not be read as a JPEG, PNG, WebP or GIF image."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Only the formats platforms serve as photos: no other decoder is ever tried.
            probe = Image.open(io.BytesIO(data), formats=sorted(SCREENABLE_FORMATS))
    except Image.DecompressionBombError:
        raise InvalidInput(_("The image declares too many pixels to be a photo.")) from None
    except Exception:  # noqa: BLE001 - any failure to read the header is the same answer
        raise unreadable from None
    width, height = probe.size
    if width * height > settings.TAKEDOWN_MAX_IMAGE_PIXELS:
        raise InvalidInput(
            _("The image has %(pixels)s pixels; at most %(limit)s.")
            % {
                "pixels": f"{width * height:,}",
                "limit": f"{settings.TAKEDOWN_MAX_IMAGE_PIXELS:,}",
            }
        )
    try:
        found = imagematch.pdq_fingerprint(data)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    described = [
        {"pdq": found["pdq"], "variant": "image", "quality": found["quality"]},
        {"pdq": found["pdq_mirrored"], "variant": "mirrored", "quality": found["quality"]},
    ]
    return [found["pdq"], found["pdq_mirrored"]], described


class ScreenAPI(APIView):
    permission_classes = [CanScreen]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = [ScreeningThrottle]

    @extend_schema(
        request=ScreenInput,
        responses={
            200: ScreenResultOutput,
            429: OpenApiResponse(
                description="Too many screening requests from this account "
                "(TAKEDOWN_THROTTLE_SCREENING); the Retry-After header says when to try again."
            ),
        },
        summary="Screen an upload against the staydown bank",
        description=(
            "An image (multipart 'image') or precomputed PDQ hashes ('pdq', optional 'quality'). "
            f"Answers the nearest {services.MAX_MATCHES} bank entries within max_distance bits "
            "('match_count' counts them all, 'truncated' says some were left out). A hash of PDQ "
            "quality under 50 (a flat image) is not matched ('screened': false, and a 'note')."
        ),
    )
    def post(self, request):
        serializer = ScreenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        max_distance = data.get("max_distance", settings.TAKEDOWN_STAYDOWN_MAX_DISTANCE)
        if "image" in data:
            hashes, described = _image_hashes(data["image"])
        else:
            hashes = data["pdq"]
            qualities = data.get("quality") or [None] * len(hashes)
            described = [
                {"pdq": h, "variant": "given", "quality": q}
                for h, q in zip(hashes, qualities, strict=True)
            ]
        result = services.screen(
            hashes=hashes,
            max_distance=max_distance,
            qualities=[d["quality"] for d in described],
        )
        for entry, screened in zip(described, result.screened, strict=True):
            entry["screened"] = screened
        body = {
            "matched": bool(result.matches),
            "max_distance": max_distance,
            "hashes": described,
            "matches": [
                {
                    "entry_id": m.entry.pk,
                    "case_reference": m.entry.reference,
                    "measure": m.entry.measure,
                    "source": m.entry.source,
                    "added_at": m.entry.added_at.isoformat(),
                    "distance": m.distance,
                    "matched_hash": m.query,
                    "pdq": m.entry.pdq,
                }
                for m in result.matches
            ],
            "match_count": result.count,
            "truncated": result.truncated,
        }
        if not all(result.screened):
            body["note"] = _(
                "A hash with a PDQ quality under %(minimum)d comes from an image too flat (a "
                "blank, a gradient) for its hash to mean anything: it was not matched."
            ) % {"minimum": pdq_hash.MIN_QUALITY}
        return Response(body)
