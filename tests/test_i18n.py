"""Every page string has its English, and the catalogs are well formed."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from jobmatch.i18n import TRANSLATIONS_DIR

PROJECT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def _source_strings() -> dict[str, str]:
    """msgid → where it is used, from the same extraction scripts/translations.sh runs."""
    found = {}
    for package in ("jobmatch", "workshops"):
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            PROJECT / package, METHODS, keywords=KEYWORDS
        ):
            msgid = message if isinstance(message, str) else message[0]
            found.setdefault(msgid, f"{package}/{filename}")
    return found


def _english():
    with (TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_every_page_string_has_its_english():
    catalog = _english()
    missing = [
        f"{where}: {msgid}"
        for msgid, where in _source_strings().items()
        if msgid not in catalog or not catalog[msgid].string or catalog[msgid].fuzzy
    ]
    assert not missing, "run scripts/translations.sh and translate:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    problems = [(message.id, errors) for message, errors in _english().check() if errors]
    assert not problems


def test_each_string_is_translated_once():
    """Branches add entries with a union merge: a string added on two of them must keep one English text."""
    text = (TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    ids = [line for line in text.splitlines() if line.startswith("msgid ")]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    # The union merge can also leave one msgid with the English of both sides under it.
    entries = re.split(r"\n\s*\n", text)
    assert [e.split("\n")[0] for e in entries if len(re.findall(r"^msgstr ", e, re.M)) > 1] == []
