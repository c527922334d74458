"""Personal data in free text: what is removed from a statement of reasons before it leaves,
and what the check before export still refuses.

Two kinds of personal data are looked for: what looks like it whoever it belongs to (e-mail
addresses, links, phone numbers, identity numbers), and the details the case knows of its
parties (names, e-mail addresses, phone numbers, account handles, postal addresses). Plain
Python, no Django: the caller collects the parties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

REMOVED = "[removed]"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# A link, without the punctuation that ends the sentence around it.
URL = re.compile(r"\b(?:https?://|www\.)\S*[^\s.,;:!?)\]}'\"，。；：！？）]", re.IGNORECASE)

# Digits and Latin letters that may not touch a number or a Latin name on either side. CJK
# characters may: Chinese text runs words and numbers together ("电话13800138000", "李梅说").
_ALNUM = r"0-9A-Za-z\u00C0-\u024F"
_BEFORE = rf"(?<![{_ALNUM}+/.\-])"
_AFTER = rf"(?![{_ALNUM}\-])"

# PRC resident identity numbers (17 digits and a check digit or X; the old 15 digits), and
# passport and similar document numbers (one or two capitals and 7 to 9 digits).
ID_NUMBER = re.compile(rf"{_BEFORE}(?:\d{{17}}[\dXx]|\d{{15}}|[A-Z]{{1,2}}\d{{7,9}}){_AFTER}")
# Any other run of 9 or more digits: a bank card, another identity number, a phone number.
LONG_NUMBER = re.compile(rf"{_BEFORE}\d{{9,}}{_AFTER}")
# Phone numbers as people write them. Dates (2026-01-05), article ranges (arts. 1018-1019)
# and case references (TD-2026-000123) are not phone numbers and must survive.
PHONE = re.compile(
    _BEFORE
    + r"(?:"
    # +86 138 0013 8000, +1 (555) 123-4567, +49 30 1234567, +86 10 5555 0100
    + r"\+\d{1,3}(?:[ .\-]?\(?\d{1,5}\)?){2,6}"
    # (555) 123-4567, (010) 5555-0100
    + r"|\(\d{2,5}\)[ .\-]?\d{3,4}[ .\-]?\d{3,4}"
    # 555-123-4567, 555.123.4567
    + r"|\d{3}[.\-]\d{3}[.\-]\d{4}"
    # PRC mobiles: 13800138000, 138 0013 8000, 138-0013-8000
    + r"|1[3-9]\d(?:[ \-]?\d{4}){2}"
    # PRC landlines: 010-55550100, 0755 8888 1234
    + r"|0\d{2,3}[ \-]\d{3,4}[ \-]?\d{4}"
    + r")"
    + _AFTER
)
# What looks like personal data whoever it belongs to, in the order it is looked for.
GENERIC = (
    (EMAIL, "an e-mail address"),
    (URL, "a link (it may identify a person)"),
    (ID_NUMBER, "an identity or document number"),
    (PHONE, "a phone number"),
    (LONG_NUMBER, "a long number (a phone, card or identity number)"),
)
# A number in any writing: for finding a known phone number however it was written.
_NUMBER_RUN = re.compile(r"\+?\(?\d[\d\s().\-/]*\d\)?")
# The last digits of a known phone number that identify it (country and area codes vary).
_PHONE_TAIL = 8

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@dataclass(frozen=True)
class Party:
    """One detail the case knows of a person: whose it is, what it is, and its value."""

    role: str  # "complainant", "uploader", "filing organisation"
    kind: str  # one of KINDS
    value: str


NAME, EMAIL_ADDRESS, PHONE_NUMBER, HANDLE, ADDRESS = (
    "name",
    "e-mail address",
    "phone number",
    "account handle",
    "address",
)
KINDS = (NAME, EMAIL_ADDRESS, PHONE_NUMBER, HANDLE, ADDRESS)
# Shorter handles would match ordinary words and numbers.
MIN_HANDLE_LENGTH = 3


_NAME_SEPARATORS = re.compile(r"[\s\-_.·]+")
_NAME_JOINER = r"[\s\-_.·]*"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _latin_bounded(body: str) -> str:
    return rf"(?<![{_ALNUM}]){body}(?![{_ALNUM}])"


def _pattern(party: Party) -> re.Pattern | None:
    """How the detail appears in text, or None when it cannot be looked for as text (a phone
    number is found by its digits)."""
    value = " ".join(party.value.split())
    if not value or party.kind == PHONE_NUMBER:
        return None
    if party.kind == HANDLE:
        if len(value) < MIN_HANDLE_LENGTH:
            return None
        return re.compile(_latin_bounded("@?" + re.escape(value)), re.IGNORECASE)
    if party.kind in (EMAIL_ADDRESS, ADDRESS):
        words = [re.escape(word) for word in value.split()]
        return re.compile(r"\s+".join(words), re.IGNORECASE)
    # A name. Chinese, Japanese and Korean names are written without spaces and without
    # anything around them ("请李梅确认"), whatever their length: match the characters, with
    # or without spaces between them. A Latin name matches as whole words, in either order
    # ("Mei Lin", "Lin Mei"), its parts joined by spaces, hyphens, dots, underscores or nothing
    # ("Mei-Lin", "mei.lin", "MeiLin").
    if _CJK.search(value):
        characters = [re.escape(ch) for ch in value if not ch.isspace()]
        return re.compile(r"\s*".join(characters))
    words = [re.escape(word) for word in _NAME_SEPARATORS.split(value) if word]
    orders = [words] if len(words) == 1 else [words, words[::-1]]
    body = "|".join(_NAME_JOINER.join(order) for order in orders)
    return re.compile(_latin_bounded(f"(?:{body})"), re.IGNORECASE)


def _phone_tail(party: Party) -> str | None:
    if party.kind != PHONE_NUMBER:
        return None
    digits = _digits(party.value)
    return digits[-_PHONE_TAIL:] if len(digits) >= 7 else None


def _longest_first(parties: Iterable[Party]) -> list[Party]:
    unique = {(p.role, p.kind, " ".join(p.value.split())): p for p in parties if p.value}
    return sorted(unique.values(), key=lambda p: len(p.value), reverse=True)


def _without_number(run: str, tail: str) -> str:
    """REMOVED for a run of digits holding the known number; a closing parenthesis that the
    run did not open stays, as it belongs to the text around the number."""
    if tail not in _digits(run):
        return run
    if run.endswith(")") and run.count(")") > run.count("("):
        return REMOVED + ")"
    return REMOVED


def scrub(text: str, parties: Iterable[Party] = ()) -> str:
    """The text with links, e-mail addresses, the parties' details, identity numbers and phone
    numbers replaced by REMOVED."""
    text = URL.sub(REMOVED, text)
    text = EMAIL.sub(REMOVED, text)
    for party in _longest_first(parties):
        tail = _phone_tail(party)
        if tail is not None:
            text = _NUMBER_RUN.sub(lambda m, tail=tail: _without_number(m.group(), tail), text)
            continue
        pattern = _pattern(party)
        if pattern is not None:
            text = pattern.sub(REMOVED, text)
    for pattern in (ID_NUMBER, PHONE, LONG_NUMBER):
        text = pattern.sub(REMOVED, text)
    return text


def findings(text: str, parties: Iterable[Party] = ()) -> list[str]:
    """What personal data the text still holds, worded for a reader ("an e-mail address", "the
    complainant's name"); never the data itself. Empty when there is none."""
    found = []
    # Each kind is looked for in what the kinds before it left, so that one number is named
    # once (an identity number is also a long number).
    rest = text
    for pattern, described in GENERIC:
        if pattern.search(rest):
            found.append(described)
            rest = pattern.sub(REMOVED, rest)
    runs = None
    for party in _longest_first(parties):
        tail = _phone_tail(party)
        if tail is not None:
            runs = runs if runs is not None else [_digits(m) for m in _NUMBER_RUN.findall(text)]
            hit = any(tail in run for run in runs)
        else:
            pattern = _pattern(party)
            hit = pattern is not None and bool(pattern.search(text))
        described = f"the {party.role}'s {party.kind}"
        if hit and described not in found:
            found.append(described)
    return found
