"""Employment codes (就业码): an opaque, revocable token per laborer, printed as a QR card.

The token is random (Crockford base32, no I/L/O/U to misread) and tells nothing
about the person; the ID number is never on the card or in the code. Issuing a new
code revokes the old one, so a lost card stops working at once.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date

import segno
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from jobmatch.accounts import audit
from jobmatch.accounts.scope import restrict
from jobmatch.errors import Conflict, FieldError
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.people.models import Laborer
from workshops.models import EmploymentCode

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# 10 characters of base32: 50 random bits, typed as two groups of five.
CODE_LENGTH = 10
# Characters people type for the ones the alphabet leaves out.
MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})

# The card: ID-1 size (a bank card), 85.6 × 54 mm; the PNG at 300 dpi.
CARD_WIDTH_MM = 85.6
CARD_HEIGHT_MM = 54.0
PNG_DPI = 300
QR_BORDER_MODULES = 2
# A printed sheet of cards: A4, two columns of five (10 cards a page), with room between them to cut.
SHEET_COLUMNS = 2
SHEET_ROWS = 5
CARDS_PER_SHEET = SHEET_COLUMNS * SHEET_ROWS
SHEET_COLUMN_GAP_MM = 8.0
SHEET_ROW_GAP_MM = 3.0
# The Chinese font embedded (as a subset) in the cards' PDF and drawn on the PNG: a TrueType font from a
# Debian package that scripts/run.sh and scripts/test.sh install (fonts-wqy-microhei); JOBMATCH_CARD_FONT
# names another. ReportLab embeds TrueType outlines only, so Noto CJK (CFF outlines) would not do.
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
PDF_CJK_FONT = "JobmatchCJK"
# Without the font: Adobe's Song CID font, which PDF readers supply (not embedded), and no names on the PNG.
PDF_FALLBACK_FONT = "STSong-Light"

logger = logging.getLogger(__name__)
_font_lock = threading.Lock()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """What a person typed or a scanner read, as stored: upper case, no separators, misreads fixed."""
    value = unicodedata.normalize("NFKC", raw or "").upper()
    if "CODE=" in value:
        # A scanned card carries the check-in address; the code is its last parameter.
        value = value.rsplit("CODE=", 1)[1]
    value = "".join(ch for ch in value if ch.isalnum())
    return value.translate(MISREAD)


def display_code(code: str) -> str:
    """K7QD3-MZPXA: two groups of five, easy to read aloud and type."""
    return f"{code[:5]}-{code[5:]}"


def live_code(laborer_id: int) -> EmploymentCode | None:
    return db.session.execute(
        sa.select(EmploymentCode).where(EmploymentCode.laborer_id == laborer_id, EmploymentCode.revoked_at.is_(None))
    ).scalar_one_or_none()


def _issue(laborer: Laborer) -> EmploymentCode:
    row = EmploymentCode(laborer_id=laborer.id, code=new_code())
    db.session.add(row)
    db.session.flush()
    # The audit trail records that a code was issued, not the code (it opens a check-in).
    audit.record("issue", "employment_codes", row.id, {"laborer_id": laborer.id})
    return row


def latest_codes(laborer_ids: list[int]) -> dict[int, EmploymentCode]:
    """Each laborer's card as it stands: the live code, else the last one revoked; none if never issued."""
    out: dict[int, EmploymentCode] = {}
    for chunk in range(0, len(laborer_ids), 500):
        rows = db.session.execute(
            sa.select(EmploymentCode)
            .where(EmploymentCode.laborer_id.in_(laborer_ids[chunk : chunk + 500]))
            .order_by(EmploymentCode.laborer_id, EmploymentCode.id)
        ).scalars()
        for row in rows:
            kept = out.get(row.laborer_id)
            if kept is None or kept.revoked_at is not None:
                out[row.laborer_id] = row
    return out


def _revoked_error() -> Conflict:
    return Conflict(
        [FieldError("code", "revoked", "就业码已作废，请补发新卡", "the employment code was revoked: reissue a card")]
    )


def ensure_code(laborer: Laborer) -> EmploymentCode:
    """The laborer's live code; the first card request issues one. A revoked card stays revoked until reissued."""
    row = latest_codes([laborer.id]).get(laborer.id)
    if row is None:
        row = _issue(laborer)
        db.session.commit()
    elif row.revoked_at is not None:
        raise _revoked_error()
    return row


def ensure_codes(laborers: list[Laborer]) -> dict[int, EmploymentCode]:
    """Live codes for many laborers (a sheet to print), issuing the first ones; revoked cards are left out."""
    found = latest_codes([laborer.id for laborer in laborers])
    issued = False
    for laborer in laborers:
        if laborer.id not in found:
            found[laborer.id] = _issue(laborer)
            issued = True
    if issued:
        db.session.commit()
    return {laborer_id: row for laborer_id, row in found.items() if row.revoked_at is None}


def reissue_code(laborer: Laborer) -> EmploymentCode:
    """Revoke the live code (a lost card) and issue a new one."""
    old = live_code(laborer.id)
    if old is not None:
        old.revoked_at = utcnow()
        audit.record("revoke", "employment_codes", old.id, {"laborer_id": laborer.id, "reissued": True})
        db.session.flush()
    row = _issue(laborer)
    db.session.commit()
    return row


def revoke_code(laborer: Laborer) -> EmploymentCode | None:
    """Revoke the live code with no new one (a card misused, or no longer needed); None if none was live."""
    old = live_code(laborer.id)
    if old is None:
        return None
    old.revoked_at = utcnow()
    audit.record("revoke", "employment_codes", old.id, {"laborer_id": laborer.id, "reissued": False})
    db.session.commit()
    return old


def laborer_for_code(raw: str) -> Laborer | None:
    """The laborer whose live code this is, or None (unknown, revoked, or outside the user's scope)."""
    code = normalize_code(raw)
    if len(code) != CODE_LENGTH:
        return None
    query = (
        sa.select(Laborer)
        .join(EmploymentCode, EmploymentCode.laborer_id == Laborer.id)
        .where(EmploymentCode.code == code, EmploymentCode.revoked_at.is_(None))
    )
    # Only a worker the user may see: a manager's own workers, never another workshop's.
    return db.session.execute(restrict(query, Laborer)).scalar_one_or_none()


# --- the printable card -----------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """What one printed card shows: never the ID number, the phone or anything about health."""

    name: str
    village: str
    code: str
    # The check-in address the QR code carries (settings.public_base_url() + /scan?code=...).
    payload: str
    issued: date
    # The workshop, on a workshop's cards.
    workshop: str | None = None


@functools.cache
def cjk_font_file() -> str | None:
    """The Chinese TrueType font on this machine (JOBMATCH_CARD_FONT, else fonts-wqy-microhei's), or None."""
    configured = os.environ.get("JOBMATCH_CARD_FONT")
    for path in ([configured] if configured else []) + list(CJK_FONT_FILES):
        if os.path.isfile(path):
            return path
    logger.warning("no Chinese TrueType font (install fonts-wqy-microhei): cards use a font the PDF reader supplies")
    return None


def pdf_font() -> str:
    """The registered ReportLab font for the cards: the embedded TrueType font, else the reader's Song font."""
    path = cjk_font_file()
    name = PDF_CJK_FONT if path else PDF_FALLBACK_FONT
    with _font_lock:
        if name not in pdfmetrics.getRegisteredFontNames():
            # ReportLab embeds a subset of a TrueType font: only the glyphs the cards use.
            font = TTFont(name, path, subfontIndex=0) if path else UnicodeCIDFont(name)
            pdfmetrics.registerFont(font)
    return name


@functools.cache
def _png_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_file()
    return ImageFont.truetype(path, size, index=0) if path else ImageFont.load_default(size=size)


def _qr(payload: str) -> segno.QRCode:
    # A full QR code (phones' cameras do not read Micro QR), medium error correction for worn cards.
    return segno.make_qr(payload, error="m")


def _dark_runs(matrix: list) -> list[tuple[int, int, int]]:
    """Each row's dark modules as (row, first, past-last) runs: one shape per run leaves no hairline gaps."""
    runs = []
    for y, row in enumerate(matrix):
        start = None
        for x, dark in enumerate([*row, False]):
            if dark and start is None:
                start = x
            elif not dark and start is not None:
                runs.append((y, start, x))
                start = None
    return runs


@functools.lru_cache(maxsize=4096)
def _qr_runs(payload: str) -> tuple[tuple[tuple[int, int, int], ...], int]:
    """The QR code's dark runs and its width in modules (a sheet printed again is not encoded again)."""
    matrix = list(_qr(payload).matrix_iter(scale=1, border=QR_BORDER_MODULES))
    return tuple(_dark_runs(matrix)), len(matrix)


def card_png(payload: str, code: str, name: str = "") -> bytes:
    """The QR code with the name and the typed code under it, 300 dpi, to print or show on a phone.

    Without a Chinese font on the machine the name is left off (the default font has no Chinese).
    """
    qr = _qr(payload)
    matrix = list(qr.matrix_iter(scale=1, border=QR_BORDER_MODULES))
    size_px = int(CARD_HEIGHT_MM / 25.4 * PNG_DPI * 0.8)
    module = max(1, size_px // len(matrix))
    qr_px = module * len(matrix)
    line_px = module * 8
    show_name = bool(name) and cjk_font_file() is not None
    image = Image.new("L", (qr_px, qr_px + line_px * (2 if show_name else 1)), 255)
    draw = ImageDraw.Draw(image)
    for y, start, end in _dark_runs(matrix):
        draw.rectangle([start * module, y * module, end * module - 1, (y + 1) * module - 1], fill=0)
    lines = ([name] if show_name else []) + [display_code(code)]
    top = qr_px
    for line in lines:
        font = _png_font(int(line_px * 0.6))
        width = draw.textlength(line, font=font)
        while width > qr_px and font.size > 8:
            font = _png_font(font.size - 2)
            width = draw.textlength(line, font=font)
        draw.text(((qr_px - width) / 2, top), line, fill=0, font=font)
        top += line_px
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(PNG_DPI, PNG_DPI))
    return out.getvalue()


def _fit(pdf: canvas.Canvas, font: str, text: str, size: float, width: float, smallest: float = 6) -> float:
    """The largest size up to `size` at which `text` fits in `width` (a long name shrinks, never spills)."""
    while size > smallest and pdf.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _draw_card(pdf: canvas.Canvas, font: str, card: Card, x: float, y: float, cut_line: bool) -> None:
    """One card with its lower left corner at (x, y): title, photo box, name, village, QR code, code."""
    width, height = CARD_WIDTH_MM * mm, CARD_HEIGHT_MM * mm
    margin = 4 * mm
    top = y + height
    if cut_line:
        pdf.saveState()
        pdf.setDash(2, 2)
        pdf.setLineWidth(0.4)
        pdf.setStrokeGray(0.55)
        pdf.roundRect(x, y, width, height, 3 * mm, stroke=1, fill=0)
        pdf.restoreState()
    pdf.setFillGray(0)
    pdf.setFont(font, 8)
    pdf.drawString(x + margin, top - 7 * mm, "就业码 · 扫码签到")
    # A box to glue a photo in: the card carries no picture of its own.
    photo_w, photo_h = 20 * mm, 26 * mm
    pdf.saveState()
    pdf.setLineWidth(0.5)
    pdf.setStrokeGray(0.5)
    pdf.rect(x + margin, top - 36 * mm, photo_w, photo_h, stroke=1, fill=0)
    pdf.setFillGray(0.5)
    pdf.setFont(font, 7)
    pdf.drawCentredString(x + margin + photo_w / 2, top - 23.5 * mm, "照片")
    pdf.restoreState()
    qr_side = 32 * mm
    text_left = x + margin + photo_w + 3 * mm
    text_width = x + width - margin - qr_side - 2 * mm - text_left
    size = _fit(pdf, font, card.name, 14, text_width)
    pdf.setFont(font, size)
    pdf.drawString(text_left, top - 16 * mm, card.name)
    for offset, line in ((22, card.village), (27, card.workshop or "")):
        if line:
            pdf.setFont(font, _fit(pdf, font, line, 8, text_width, smallest=5))
            pdf.drawString(text_left, top - offset * mm, line)
    label = f"编号 {display_code(card.code)}"
    pdf.setFont(font, _fit(pdf, font, label, 12, width - 2 * margin))
    pdf.drawString(x + margin, top - 44 * mm, label)
    pdf.setFont(font, 6.5)
    pdf.drawString(x + margin, top - 50 * mm, f"发放 {card.issued.isoformat()} · 丢失请找村干部或车间补发")
    runs, modules = _qr_runs(card.payload)
    cell = qr_side / modules
    # One filled path in module units, scaled onto the card. The rectangles are whole numbers, written
    # as PDF operators directly: ReportLab's number formatting would take most of a sheet's time.
    pdf.saveState()
    pdf.translate(x + width - margin - qr_side, top - margin)
    pdf.scale(cell, -cell)
    path = pdf.beginPath()
    path._code.extend(f"{start} {row} {end - start} 1 re" for row, start, end in runs)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


def _canvas(out: io.BytesIO, pagesize: tuple[float, float], title: str) -> tuple[canvas.Canvas, str]:
    font = pdf_font()
    # The Chinese font from the first line on: no standard font is ever named in the file.
    pdf = canvas.Canvas(out, pagesize=pagesize, pageCompression=1, initialFontName=font, initialFontSize=10)
    pdf.setTitle(title)
    pdf.setAuthor("jobmatch")
    return pdf, font


def card_pdf(payload: str, code: str, name: str, place: str, issued: date) -> bytes:
    """A bank-card-sized PDF of one card: name, village, photo box, the QR code and the typed code."""
    out = io.BytesIO()
    pdf, font = _canvas(out, (CARD_WIDTH_MM * mm, CARD_HEIGHT_MM * mm), "就业码 · employment code")
    _draw_card(pdf, font, Card(name=name, village=place, code=code, payload=payload, issued=issued), 0, 0, False)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def cards_sheet_pdf(cards: list[Card], title: str) -> bytes:
    """Cards to print on A4, 10 a page (two columns of five) with dashed lines to cut along."""
    out = io.BytesIO()
    pdf, font = _canvas(out, A4, title)
    page_w, page_h = A4
    card_w, card_h = CARD_WIDTH_MM * mm, CARD_HEIGHT_MM * mm
    gap_x, gap_y = SHEET_COLUMN_GAP_MM * mm, SHEET_ROW_GAP_MM * mm
    left = (page_w - SHEET_COLUMNS * card_w - (SHEET_COLUMNS - 1) * gap_x) / 2
    bottom = (page_h - SHEET_ROWS * card_h - (SHEET_ROWS - 1) * gap_y) / 2
    for start in range(0, max(len(cards), 1), CARDS_PER_SHEET):
        for i, card in enumerate(cards[start : start + CARDS_PER_SHEET]):
            column, row = i % SHEET_COLUMNS, i // SHEET_COLUMNS
            x = left + column * (card_w + gap_x)
            y = bottom + (SHEET_ROWS - 1 - row) * (card_h + gap_y)
            _draw_card(pdf, font, card, x, y, True)
        pdf.showPage()
    pdf.save()
    return out.getvalue()
