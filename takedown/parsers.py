"""The API's JSON parser: a body nested too deeply for Python's decoder is a 400, not a 500."""

from django.utils.translation import gettext_lazy
from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = gettext_lazy("JSON parse error - the body is nested too deeply.")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(TOO_DEEP) from error
