"""The Chinese catalogues are complete, compiled and current: every string a person may read
has its Simplified Chinese translation, the committed .mo files say the same as the .po files,
and no marked string in the source is missing from them (run `make messages` after marking
strings, then translate the new entries)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from .servers import unavailable

ROOT = Path(__file__).resolve().parent.parent
APPS = ["takedown", "notices", "cases", "staydown"]
LOCALE = Path("locale") / "zh_Hans" / "LC_MESSAGES"
# Python's %-placeholders (named or not) and str.format's {name}.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[a-zA-Z_]\w*\}")


def catalogues(suffix: str) -> list[Path]:
    return sorted(
        path
        for app in APPS
        for domain in ("django", "djangojs")
        if (path := ROOT / app / LOCALE / f"{domain}{suffix}").exists()
    )


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def test_there_is_a_chinese_catalogue_with_its_compiled_file():
    assert catalogues(".po"), "no zh_Hans catalogue: run make messages"
    for po_path in catalogues(".po"):
        assert po_path.with_suffix(".mo").exists(), f"{po_path} is not compiled: make messages"


@pytest.mark.parametrize("po_path", catalogues(".po"), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_not_fuzzy_and_not_obsolete(po_path):
    po = polib.pofile(str(po_path))

    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert "nplurals=1" in po.metadata.get("Plural-Forms", "")
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"
    assert not obsolete, f"obsolete: {obsolete[:5]}"


@pytest.mark.parametrize("po_path", catalogues(".po"), ids=lambda p: str(p.relative_to(ROOT)))
def test_translations_keep_every_placeholder(po_path):
    wrong = []
    for entry in polib.pofile(str(po_path)).translated_entries():
        if entry.msgid_plural:
            wanted = placeholders(entry.msgid_plural) or placeholders(entry.msgid)
            given = [placeholders(text) for text in entry.msgstr_plural.values()]
        else:
            wanted, given = placeholders(entry.msgid), [placeholders(entry.msgstr)]
        if any(found != wanted for found in given):
            wrong.append((entry.msgid, wanted, given))
    assert not wrong, "placeholders differ: " + "; ".join(map(str, wrong[:5]))


def _translations(catalogue) -> dict:
    """What a catalogue translates; msgfmt leaves untranslated and fuzzy entries out."""
    found = {}
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        value = tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        if entry.msgid and (all(text for _, text in value) if entry.msgid_plural else value):
            found[(entry.msgctxt, entry.msgid)] = value
    return found


@pytest.mark.parametrize("po_path", catalogues(".po"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_file_matches_its_catalogue(po_path):
    po = _translations(polib.pofile(str(po_path)))
    mo = _translations(polib.mofile(str(po_path.with_suffix(".mo"))))

    assert mo == po


def test_the_catalogues_hold_every_string_marked_in_the_source(tmp_path):
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        unavailable("GNU gettext is not installed (apt-get install gettext)")
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "*.pyc", "*.mo")
    # demo_platform is an installed app (settings import it) but is not translated.
    for name in ("takedown", "notices", "cases", "staydown", "demo_platform"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy2(ROOT / "manage.py", copy / "manage.py")
    # Extract into empty catalogues, so that nothing is carried over from the committed ones.
    for app in APPS:
        shutil.rmtree(copy / app / "locale", ignore_errors=True)
        (copy / app / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore=demo_platform",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "TAKEDOWN_VAR_DIR": str(tmp_path / "var")},
    )

    missing = []
    for app in APPS:
        for extracted in sorted((copy / app / LOCALE).glob("*.po")):
            committed_path = ROOT / app / LOCALE / extracted.name
            committed = (
                {(e.msgctxt, e.msgid) for e in polib.pofile(str(committed_path))}
                if committed_path.exists()
                else set()
            )
            missing += [
                f"{app}: {e.msgid!r}"
                for e in polib.pofile(str(extracted))
                if (e.msgctxt, e.msgid) not in committed
            ]
    assert not missing, (
        f"{len(missing)} marked strings are not in the catalogues (run make messages): "
        + "; ".join(missing[:10])
    )
