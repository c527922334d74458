"""CSV cells a spreadsheet opens as text, and back.

A cell starting with =, +, -, @, a tab or a carriage return is a formula to a spreadsheet (CSV
injection): such a cell is written with a single quote in front, which spreadsheets show as
text and hide.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_unquoted(text: str) -> str:
    """A cell read back: the quote csv_safe put before a formula character comes off."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
