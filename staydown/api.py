"""POST /api/v1/screen/: is this upload (or these hashes) in the staydown bank?"""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from PIL import Image
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import imagematch
from cases.errors import InvalidInput
from cases.matching import pdq as pdq_hash

from . import services
from .index import MAX_INDEXED_RADIUS
from .permissions import CanScreen

MAX_HASHES = 16


class ScreenInput(serializers.Serializer):
    image = serializers.FileField(required=False)
    pdq = serializers.ListField(
        child=serializers.CharField(), required=False, min_length=1, max_length=MAX_HASHES
    )
    max_distance = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_INDEXED_RADIUS
    )

    def to_internal_value(self, data):
        # One hash may be given as a plain string.
        if hasattr(data, "getlist"):
            values = data.getlist("pdq")
            data = {key: data.get(key) for key in data}
            if values:
                data["pdq"] = values
        elif isinstance(data, dict) and isinstance(data.get("pdq"), str):
            data = {**data, "pdq": [data["pdq"]]}
        return super().to_internal_value(data)

    def validate(self, attrs):
        if ("image" in attrs) == ("pdq" in attrs):
            raise serializers.ValidationError(
                _(
                    "Send either an image (multipart field 'image') or PDQ hashes ('pdq': 64 hex "
                    "digits, or a list of them), not both and not neither."
                )
            )
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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            width, height = Image.open(io.BytesIO(data)).size
    except Exception:  # noqa: BLE001 - any failure to read the header is the same answer
        raise InvalidInput(
            _("The file could not be read as an image (JPEG, PNG, WebP, GIF, ...).")
        ) from None
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

    @extend_schema(
        request=ScreenInput,
        responses={
            200: inline_serializer(
                "ScreenResult",
                {
                    "matched": serializers.BooleanField(),
                    "max_distance": serializers.IntegerField(),
                    "hashes": serializers.ListField(child=serializers.DictField()),
                    "matches": serializers.ListField(child=serializers.DictField()),
                },
            )
        },
        summary="Screen an upload against the staydown bank",
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
            described = [{"pdq": h, "variant": "given"} for h in hashes]
        matches = services.screen(hashes=hashes, max_distance=max_distance)
        return Response(
            {
                "matched": bool(matches),
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
                    for m in matches
                ],
            }
        )
