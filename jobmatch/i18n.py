"""Languages of the pages: Simplified Chinese first, English by a switch.

The source strings are Chinese, because the people who use the pages read Chinese;
`jobmatch/translations/en` holds their English. A choice is kept in the `lang` cookie
for a year. Dates and numbers are formatted for the chosen locale (flask_babel's
`format_date`, `format_decimal`, also in templates) in Beijing time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, has_request_context, redirect, request, url_for
from flask_babel import Babel, force_locale

from jobmatch.security import is_safe_next

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
# Locale codes as Babel knows them; the first is the default.
LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
COOKIE = "lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
TIMEZONE = "Asia/Shanghai"

babel = Babel()
bp = Blueprint("i18n", __name__)


# The language of work done outside a request (a background export, in the language of the page that asked).
_outside_request: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Work outside a request in a page's language: its words (lazy strings) and current_language()."""
    token = _outside_request.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        with force_locale(LANGUAGES[_outside_request.get()]):
            yield
    finally:
        _outside_request.reset(token)


def current_language() -> str:
    """The language of this request: the cookie's if it names one we have, else Chinese."""
    if not has_request_context():
        return _outside_request.get()
    chosen = request.cookies.get(COOKIE, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def message(error: Any) -> str:
    """A service's message in the page's language: a FieldError or Problem item, or a dict with zh and en.

    The services (jobmatch/errors.py) write every message in both languages; pages show one.
    A message without its English (an older record) is shown in Chinese rather than not at all.
    """
    if isinstance(error, Mapping):
        zh, en = error.get("zh"), error.get("en")
    else:
        zh, en = getattr(error, "zh", None), getattr(error, "en", None)
    if current_language() == "en" and en:
        return en
    return zh or en or ""


def _select_locale() -> str:
    return LANGUAGES[current_language()]


@bp.get("/lang/<code>")
def switch(code: str):
    """Switch the page language / 切换语言"""
    target = request.args.get("next", "")
    response = redirect(target if is_safe_next(target) else url_for("site.index"))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE_S, samesite="Lax", httponly=True)
    return response


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Write each messages.mo from its messages.po when the .po is newer; returns the files written."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        # Several workers may start at once: each writes its own file and renames it into place.
        partial = mo_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(partial, mo_path)
        written.append(mo_path)
    return written


def init_app(app: Flask) -> None:
    """Bind Babel (Chinese by default, Beijing time) and the language switch."""
    try:
        compile_catalogs()
    except OSError as error:  # a read-only install: the catalogs must have been compiled at build time
        logging.getLogger(__name__).warning("translations not compiled: %s", error)
    babel.init_app(
        app,
        default_locale=LANGUAGES[DEFAULT_LANGUAGE],
        default_translation_directories=str(TRANSLATIONS_DIR),
        default_timezone=TIMEZONE,
        locale_selector=_select_locale,
    )
    app.register_blueprint(bp)

    @app.context_processor
    def _languages() -> dict:
        return {"language": current_language(), "language_names": LANGUAGE_NAMES, "message": message}
