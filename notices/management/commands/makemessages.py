"""Django's makemessages without fuzzy matching: a new string gets an empty translation
instead of a guess copied from a similar one, so an untranslated string is never shipped as a
wrong one (tests/test_translations.py refuses fuzzy entries)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
