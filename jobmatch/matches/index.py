"""The per-process matching index: the database's openings and laborers as engine arrays.

Each gunicorn worker builds it once, then catches up from the database's change watermark:
before serving a match it reads rows changed since the last look (at most every
REFRESH_INTERVAL_S seconds), so an opening created or filled through one worker is matched by
every other within a second. Nothing is reloaded whole per request.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from flask import current_app

from jobmatch.extensions import db
from jobmatch.matches import settings, synonyms
from jobmatch.matches.codes import laborer_skill_codes, opening_skill_codes
from jobmatch.matching import catalogue as cat
from jobmatch.matching import rules
from jobmatch.matching import skills as skill_engine
from jobmatch.matching.features import WORKING_DAYS_PER_MONTH
from jobmatch.modelbase import utcnow
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements import outcomes
from jobmatch.placements.models import Employment, Referral
from jobmatch.posts.models import Opening
from jobmatch.vocab import EmploymentKind, OpeningStatus, ReferralState

# How often a worker looks for changes, and how far back it looks again in case a slow
# transaction committed rows stamped before the last look.
REFRESH_INTERVAL_S = 0.5
OVERLAP = timedelta(seconds=5)
# A deadline-less opening never expires.
NO_DEADLINE = date.max.toordinal()
OPEN_REFERRAL_STATES = (ReferralState.recommended, ReferralState.referred, ReferralState.interviewed)
CHUNK = 5_000
# Referrals made within this many days count toward a post's fair share (engine.FAIR_SHARE_WEIGHT).
FAIR_SHARE_DAYS = 30
# A post's showings in lists (engine.EXPOSURE_WEIGHT) count half as much after this long.
SHOWN_HALF_LIFE_S = 24 * 3600.0


def _division(code: str | None) -> tuple[int, int]:
    """County (6 digits) and province (2 digits) of a division code, 0 when unknown."""
    if not code:
        return 0, 0
    return int(code[:6]), int(code[:2])


def wage_per_month(wage_min, wage_max, unit: str) -> float:
    """A monthly equivalent of the offered wage (NaN for piece rates, which have no fixed month)."""
    values = [float(v) for v in (wage_min, wage_max) if v is not None]
    if not values:
        return math.nan
    middle = sum(values) / len(values)
    if unit == "month":
        return middle
    if unit == "day":
        return middle * WORKING_DAYS_PER_MONTH
    return math.nan


def duplicate_group(opening: Opening) -> int:
    """Posts of one employer or workshop with the same title share this number (0: neither is known)."""
    if opening.employer_id is None and opening.workshop_id is None:
        return 0
    title = skill_engine.skill_key(opening.title)
    key = f"{opening.employer_id or 0}:{opening.workshop_id or 0}:{title}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True) or 1


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


class MatchIndex:
    """One worker's catalogue, kept current from the database."""

    def __init__(self) -> None:
        self.catalogue: cat.Catalogue | None = None
        self.watermark: datetime | None = None
        self.checked = 0.0
        self.decayed = time.monotonic()
        self.lock = threading.Lock()

    # --- keeping current -------------------------------------------------------------------

    def current(self, force: bool = False) -> cat.Catalogue:
        """The catalogue, caught up with the database (now, if force)."""
        with self.lock:
            # Synonyms added by an admin are read with the other changes, not on every match.
            if self.catalogue is None:
                synonyms.sync()
                self._build()
            elif force or time.monotonic() - self.checked >= REFRESH_INTERVAL_S:
                synonyms.sync()
                self._catch_up()
                self._decay_shown()
            return self.catalogue

    def _decay_shown(self) -> None:
        """Let showings fade: half as much after SHOWN_HALF_LIFE_S (applied at most once a minute)."""
        elapsed = time.monotonic() - self.decayed
        if elapsed >= 60.0:
            self.catalogue.decay_shown(0.5 ** (elapsed / SHOWN_HALF_LIFE_S))
            self.decayed = time.monotonic()

    def _build(self) -> None:
        started = utcnow()
        self.catalogue = cat.Catalogue(rules.VILLAGE_RADIUS_KM)
        self.catalogue.set_village_radius(settings.village_radius_by_county())
        opening_ids = list(db.session.scalars(sa.select(Opening.id)))
        laborer_ids = list(db.session.scalars(sa.select(Laborer.id)))
        self._load_openings(opening_ids)
        self._load_laborers(laborer_ids)
        self.watermark = started
        self.checked = time.monotonic()

    def _catch_up(self) -> None:
        since = self.watermark - OVERLAP
        started = utcnow()
        changed_openings = set(db.session.scalars(sa.select(Opening.id).where(Opening.updated_at >= since)))
        changed_openings |= set(db.session.scalars(sa.select(Referral.opening_id).where(Referral.updated_at >= since)))
        households = set(db.session.scalars(sa.select(Household.id).where(Household.updated_at >= since)))
        households |= set(
            db.session.scalars(
                sa.select(Laborer.household_id)
                .join(Employment, Employment.laborer_id == Laborer.id)
                .where(Employment.updated_at >= since)
            )
        )
        changed_laborers = set(db.session.scalars(sa.select(Laborer.id).where(Laborer.updated_at >= since)))
        changed_laborers |= set(db.session.scalars(sa.select(Referral.laborer_id).where(Referral.updated_at >= since)))
        if households:
            for chunk in _chunks(sorted(households)):
                changed_laborers |= set(
                    db.session.scalars(sa.select(Laborer.id).where(Laborer.household_id.in_(chunk)))
                )
        self._load_openings(sorted(changed_openings))
        self._load_laborers(sorted(changed_laborers))
        # A county's new village radius applies to its laborers at once: it is looked up per query.
        self.catalogue.set_village_radius(settings.village_radius_by_county(since))
        self.watermark = started
        self.checked = time.monotonic()

    # --- openings ----------------------------------------------------------------------------

    def _load_openings(self, ids: list[int]) -> None:
        if not ids:
            return
        dictionary = skill_engine.dictionary()
        for chunk in _chunks(ids):
            site = sa.orm.aliased(Region)
            rows = db.session.execute(
                sa.select(Opening, site.code).outerjoin(site, Opening.region_id == site.id).where(Opening.id.in_(chunk))
            ).all()
            cutoff = utcnow() - timedelta(days=FAIR_SHARE_DAYS)
            referrals = {
                opening_id: (int(open_ or 0), int(recent or 0))
                for opening_id, open_, recent in db.session.execute(
                    sa.select(
                        Referral.opening_id,
                        sa.func.sum(sa.case((Referral.state.in_(OPEN_REFERRAL_STATES), 1), else_=0)),
                        sa.func.sum(sa.case((Referral.created_at >= cutoff, 1), else_=0)),
                    )
                    .where(Referral.opening_id.in_(chunk))
                    .group_by(Referral.opening_id)
                )
            }
            records = []
            for opening, site_code in rows:
                # Rows written around the services (bulk loads) may lack their codes: read them here.
                required = opening.required_skill_codes
                if required is None:
                    required = opening_skill_codes(opening.required_skills)
                county, province = _division(site_code)
                records.append(
                    {
                        "id": opening.id,
                        "lat": opening.latitude,
                        "lon": opening.longitude,
                        "county": county,
                        "province": province,
                        "kind": cat.KIND[opening.kind.value],
                        "age_min": opening.age_min,
                        "age_max": opening.age_max,
                        "remaining": opening.remaining_headcount,
                        "deadline": opening.deadline.toordinal() if opening.deadline else NO_DEADLINE,
                        "is_open": opening.status == OpeningStatus.open,
                        "intensity": cat.INTENSITY[opening.physical_intensity.value],
                        "pattern": cat.PATTERN[opening.working_pattern.value],
                        "transfer": opening.organised_transfer,
                        "shuttle": opening.shuttle,
                        "accommodation": opening.accommodation,
                        "wage_month": wage_per_month(opening.wage_min, opening.wage_max, opening.wage_unit.value),
                        "open_referrals": referrals.get(opening.id, (0, 0))[0],
                        "recent_referrals": referrals.get(opening.id, (0, 0))[1],
                        "group": duplicate_group(opening),
                        "skills": cat.opening_skill_row(required, dictionary),
                    }
                )
            self.catalogue.openings.upsert(records)

    # --- laborers ----------------------------------------------------------------------------

    def _load_laborers(self, ids: list[int]) -> None:
        if not ids:
            return
        dictionary = skill_engine.dictionary()
        for chunk in _chunks(ids):
            rows = db.session.execute(
                sa.select(Laborer, Household, Region)
                .join(Household, Laborer.household_id == Household.id)
                .join(Region, Household.village_id == Region.id)
                .where(Laborer.id.in_(chunk))
            ).all()
            household_ids = list({h.id for _, h, _ in rows})
            employment = self._household_employment(household_ids)
            history = self._history(chunk)
            records = []
            for laborer, household, village in rows:
                readings = laborer.skill_codes
                if readings is None:
                    readings = laborer_skill_codes(laborer.skills_raw or laborer.skills)
                codes = np.full(cat.MAX_LABORER_CODES, -1, dtype=np.intp)
                scores = np.zeros(cat.MAX_LABORER_CODES, dtype=np.float32)
                known = [(dictionary.index[c], s) for c, s in readings if c in dictionary.index]
                for i, (row, score) in enumerate(known[: cat.MAX_LABORER_CODES]):
                    codes[i], scores[i] = row, score
                county, province = _division(village.code)
                lat = laborer.latitude if laborer.latitude is not None else village.latitude
                lon = laborer.longitude if laborer.longitude is not None else village.longitude
                employed_members, public_welfare = employment.get(household.id, (set(), False))
                referrals, hires = history.get(laborer.id, (0, 0))
                records.append(
                    {
                        "id": laborer.id,
                        "household_id": household.id,
                        "lat": lat if lat is not None else 0.0,
                        "lon": lon if lon is not None else 0.0,
                        "county": county,
                        "province": province,
                        "birth_ordinal": laborer.birth_date.toordinal(),
                        "capacity": cat.CAPACITY[laborer.labor_capacity.value],
                        "willingness": cat.WILLINGNESS[laborer.willingness.value],
                        "needs_flexible": laborer.needs_flexible_hours,
                        "home_only": laborer.home_based_only,
                        "category": cat.CATEGORY[household.category.value],
                        "risk": cat.RISK[household.risk_level.value],
                        "employed": laborer.id in employed_members,
                        "household_employed": bool(employed_members),
                        "household_public_welfare": public_welfare,
                        "past_referrals": referrals,
                        "past_hires": hires,
                        "skill_codes": codes,
                        "skill_scores": scores,
                    }
                )
            self.catalogue.laborers.upsert(records)

    def _household_employment(self, household_ids: list[int]) -> dict[int, tuple[set[int], bool]]:
        """Per household: members in work now, and whether one holds a public-welfare post."""
        out: dict[int, tuple[set[int], bool]] = {}
        if not household_ids:
            return out
        rows = db.session.execute(
            sa.select(Laborer.household_id, Employment.laborer_id, Employment.kind)
            .join(Laborer, Employment.laborer_id == Laborer.id)
            .where(Laborer.household_id.in_(household_ids), Employment.end_date.is_(None))
        ).all()
        members: dict[int, set[int]] = defaultdict(set)
        welfare: dict[int, bool] = defaultdict(bool)
        for household_id, laborer_id, kind in rows:
            members[household_id].add(laborer_id)
            welfare[household_id] |= kind == EmploymentKind.public_welfare
        for household_id in members:
            out[household_id] = (members[household_id], welfare[household_id])
        return out

    def _history(self, laborer_ids: list[int]) -> dict[int, tuple[int, int]]:
        """Per laborer: referrals with a known outcome and lasting hires, as the ranker was trained on them."""
        now = utcnow()
        steps = outcomes.referral_steps(db.session, laborer_ids)
        return {laborer_id: outcomes.past_outcomes(s, now) for laborer_id, s in steps.items()}


def index() -> MatchIndex:
    """This process's index for the current app."""
    return current_app.extensions.setdefault("match_index", MatchIndex())
