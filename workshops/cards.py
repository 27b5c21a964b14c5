"""Employment cards to print: everyone's card at a workshop (its current workers) or in a village.

The page lists each person with their card as it stands (live, revoked, not yet issued); the
sheet to print holds every live card, issuing the first code of whoever has none. A revoked card
stays revoked (and off the sheet) until someone reissues it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload

from jobmatch import text
from jobmatch.accounts.scope import restrict
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer, Region
from workshops import codes, settings
from workshops.attendance import workshop_employments
from workshops.models import EmploymentCode, Workshop

# People in one printed PDF (10 pages): a village's hundreds print in parts, each a short request.
PRINT_PART = 100


@dataclass
class CardLine:
    """One person on a cards page: who, where from, and their card's state."""

    laborer_id: int
    name: str
    village: str
    code: EmploymentCode | None

    @property
    def state(self) -> str:
        if self.code is None:
            return "none"
        return "revoked" if self.code.revoked_at is not None else "live"

    @property
    def display_code(self) -> str | None:
        return codes.display_code(self.code.code) if self.code is not None else None

    @property
    def issued(self) -> date | None:
        return settings.china_date(self.code.created_at) if self.code is not None else None


def card_payload(code: str) -> str:
    """The check-in address a card's QR code carries: the configured public address, not the request's Host."""
    return settings.public_base_url() + url_for("workshop_pages.scan", code=codes.display_code(code))


def _sorted(laborers: list[Laborer]) -> list[Laborer]:
    return sorted(laborers, key=lambda laborer: (text.pinyin_key(laborer.name), laborer.id))


def workshop_laborers(workshop: Workshop) -> list[Laborer]:
    """The workshop's current workers (the day sheet's people), within the user's scope."""
    employed = workshop_employments(workshop.id, settings.today())
    if not employed:
        return []
    query = (
        sa.select(Laborer)
        .options(joinedload(Laborer.household).joinedload(Household.village))
        .where(Laborer.id.in_(list(employed)))
    )
    return _sorted(list(db.session.execute(restrict(query, Laborer)).scalars()))


def village_laborers(village: Region) -> list[Laborer]:
    """Every laborer of the village's households, within the user's scope."""
    query = (
        sa.select(Laborer)
        .join(Household, Household.id == Laborer.household_id)
        .options(joinedload(Laborer.household).joinedload(Household.village))
        .where(Household.village_id == village.id)
    )
    return _sorted(list(db.session.execute(restrict(query, Laborer)).scalars()))


def lines(laborers: list[Laborer]) -> list[CardLine]:
    """Each person with their card as it stands (one query for all the codes)."""
    found = codes.latest_codes([laborer.id for laborer in laborers])
    return [CardLine(w.id, w.name, w.household.village.name, found.get(w.id)) for w in laborers]


def sheet(laborers: list[Laborer], title: str, workshop: Workshop | None = None) -> tuple[bytes, int]:
    """The PDF of everyone's live card (first codes issued now) and how many cards it holds."""
    live = codes.ensure_codes(laborers)
    cards = [
        codes.Card(
            name=laborer.name,
            village=laborer.household.village.name,
            code=live[laborer.id].code,
            payload=card_payload(live[laborer.id].code),
            issued=settings.china_date(live[laborer.id].created_at),
            workshop=workshop.name if workshop else None,
        )
        for laborer in laborers
        if laborer.id in live
    ]
    return codes.cards_sheet_pdf(cards, title), len(cards)
