"""Employment codes (就业码): an opaque, revocable token per laborer, printed as a QR card.

The token is random (Crockford base32, no I/L/O/U to misread) and tells nothing
about the person; the ID number is never on the card or in the code. Issuing a new
code revokes the old one, so a lost card stops working at once.
"""

from __future__ import annotations

import io
import secrets
import unicodedata
from datetime import date

import segno
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from jobmatch.accounts import audit
from jobmatch.accounts.scope import restrict
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
# Chinese text in the PDF uses a font every PDF reader has (Adobe's Song CID font), so none is embedded.
PDF_CJK_FONT = "STSong-Light"


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


def ensure_code(laborer: Laborer) -> EmploymentCode:
    """The laborer's live code; the first card request issues one."""
    row = live_code(laborer.id)
    if row is None:
        row = _issue(laborer)
        db.session.commit()
    return row


def reissue_code(laborer: Laborer) -> EmploymentCode:
    """Revoke the live code (a lost card) and issue a new one."""
    old = live_code(laborer.id)
    if old is not None:
        old.revoked_at = utcnow()
        audit.record("revoke", "employment_codes", old.id, {"laborer_id": laborer.id})
        db.session.flush()
    row = _issue(laborer)
    db.session.commit()
    return row


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


def card_png(payload: str, code: str) -> bytes:
    """The QR code with the typed code under it, 300 dpi, to print or show on a phone.

    Names stay off the PNG: the system has no Chinese font to draw with; the PDF card carries them.
    """
    qr = _qr(payload)
    matrix = list(qr.matrix_iter(scale=1, border=QR_BORDER_MODULES))
    size_px = int(CARD_HEIGHT_MM / 25.4 * PNG_DPI * 0.8)
    module = max(1, size_px // len(matrix))
    qr_px = module * len(matrix)
    text_px = module * 8
    image = Image.new("L", (qr_px, qr_px + text_px), 255)
    draw = ImageDraw.Draw(image)
    for y, start, end in _dark_runs(matrix):
        draw.rectangle([start * module, y * module, end * module - 1, (y + 1) * module - 1], fill=0)
    font = ImageFont.load_default(size=text_px * 0.6)
    label = display_code(code)
    width = draw.textlength(label, font=font)
    draw.text(((qr_px - width) / 2, qr_px), label, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(PNG_DPI, PNG_DPI))
    return out.getvalue()


def card_pdf(payload: str, code: str, name: str, place: str, issued: date) -> bytes:
    """A bank-card-sized PDF: title, name, village or workshop, the QR code and the typed code."""
    if PDF_CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_CJK_FONT))
    out = io.BytesIO()
    width, height = CARD_WIDTH_MM * mm, CARD_HEIGHT_MM * mm
    pdf = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    pdf.setTitle("就业码 · employment code")
    pdf.setAuthor("jobmatch")
    margin = 4 * mm
    pdf.setFont(PDF_CJK_FONT, 12)
    pdf.drawString(margin, height - margin - 10, "就业码")
    pdf.setFont(PDF_CJK_FONT, 15)
    pdf.drawString(margin, height - margin - 32, name)
    pdf.setFont(PDF_CJK_FONT, 8)
    pdf.drawString(margin, height - margin - 48, place[:14])
    pdf.drawString(margin, margin + 14, f"编号 {display_code(code)}")
    pdf.drawString(margin, margin + 3, f"发放 {issued.isoformat()}  扫码签到")
    qr_matrix = list(_qr(payload).matrix_iter(scale=1, border=QR_BORDER_MODULES))
    qr_side = CARD_HEIGHT_MM * mm - 2 * margin
    cell = qr_side / len(qr_matrix)
    left, top = width - margin - qr_side, height - margin
    for y, start, end in _dark_runs(qr_matrix):
        pdf.rect(left + start * cell, top - (y + 1) * cell, (end - start) * cell, cell, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
