"""The per-process matching index: the database's openings and laborers as engine arrays.

Each gunicorn worker builds it once, then catches up from the database's change watermark:
before serving a match it reads rows changed since the last look (at most every
REFRESH_INTERVAL_S seconds), so an opening created or filled through one worker is matched by
every other within a second. Nothing is reloaded whole per request.
"""

from __future__ import annotations

import hashlib
import json
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


def duplicate_group(employer_id: int | None, workshop_id: int | None, title: str) -> int:
    """Posts of one employer or workshop with the same title share this number (0: neither is known)."""
    if employer_id is None and workshop_id is None:
        return 0
    key = f"{employer_id or 0}:{workshop_id or 0}:{skill_engine.skill_key(title)}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True) or 1


class _JsonCache:
    """JSON text → what a function makes of it, parsed once per distinct text (many posts share one list)."""

    def __init__(self, make) -> None:
        self.make = make
        self.seen: dict[str | None, object] = {}

    def __call__(self, raw: str | None):
        made = self.seen.get(raw)
        if made is None:
            made = self.seen[raw] = self.make(None if raw is None else json.loads(raw))
        return made


def _as_text(column):
    """A JSON column read as its text: parsed by _JsonCache, once per distinct value."""
    return sa.cast(column, sa.Text)


def _ids_filter(column, ids: list[int] | None):
    """Rows with these ids, in chunks (None: every row, in one pass)."""
    if ids is None:
        yield sa.true()
        return
    for chunk in _chunks(ids):
        yield column.in_(chunk)


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

    def build_shared(self) -> None:
        """Build now, indexes and all, before gunicorn forks its workers (gunicorn.conf.py).

        The workers share the arrays copy-on-write and catch up from the watermark at their first
        match, so a new worker (a restart included) answers at once and adds only what it changes.
        """
        with self.lock:
            synonyms.sync()
            self._build()
            self.catalogue.prepare()

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
        self._load_openings(None)
        self._load_laborers(None)
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

    def _load_openings(self, ids: list[int] | None) -> None:
        """Read openings (these ids, or all when None) into the catalogue, as rows: no ORM objects."""
        if ids is not None and not ids:
            return
        dictionary = skill_engine.dictionary()
        skill_rows = _JsonCache(lambda codes: codes)
        cutoff = utcnow() - timedelta(days=FAIR_SHARE_DAYS)
        site = sa.orm.aliased(Region)
        for where in _ids_filter(Opening.id, ids):
            rows = db.session.execute(
                sa.select(
                    Opening.id,
                    Opening.latitude,
                    Opening.longitude,
                    site.code.label("site_code"),
                    Opening.kind,
                    Opening.age_min,
                    Opening.age_max,
                    Opening.remaining_headcount,
                    Opening.deadline,
                    Opening.status,
                    Opening.physical_intensity,
                    Opening.working_pattern,
                    Opening.organised_transfer,
                    Opening.shuttle,
                    Opening.accommodation,
                    Opening.wage_min,
                    Opening.wage_max,
                    Opening.wage_unit,
                    Opening.employer_id,
                    Opening.workshop_id,
                    Opening.county_id,
                    Opening.title,
                    _as_text(Opening.required_skill_codes).label("codes"),
                    # Rows written around the services (bulk loads) may lack their codes: parsed only then.
                    _as_text(Opening.required_skills).label("skills"),
                )
                .outerjoin(site, Opening.region_id == site.id)
                .where(where)
            ).all()
            referral_query = sa.select(
                Referral.opening_id,
                sa.func.sum(sa.case((Referral.state.in_(OPEN_REFERRAL_STATES), 1), else_=0)),
                sa.func.sum(sa.case((Referral.created_at >= cutoff, 1), else_=0)),
            ).group_by(Referral.opening_id)
            if ids is not None:
                referral_query = referral_query.where(Referral.opening_id.in_([r.id for r in rows]))
            referrals = {
                opening_id: (int(open_ or 0), int(recent or 0))
                for opening_id, open_, recent in db.session.execute(referral_query)
            }
            records = []
            for r in rows:
                if r.codes is not None and r.codes != "null":
                    required = skill_rows(r.codes)
                else:
                    required = opening_skill_codes(json.loads(r.skills) if r.skills else [])
                county, province = _division(r.site_code)
                open_referrals, recent_referrals = referrals.get(r.id, (0, 0))
                records.append(
                    {
                        "id": r.id,
                        "lat": r.latitude,
                        "lon": r.longitude,
                        "county": county,
                        "province": province,
                        "kind": cat.KIND[r.kind.value],
                        "age_min": r.age_min,
                        "age_max": r.age_max,
                        "remaining": r.remaining_headcount,
                        "deadline": r.deadline.toordinal() if r.deadline else NO_DEADLINE,
                        "is_open": r.status == OpeningStatus.open,
                        "intensity": cat.INTENSITY[r.physical_intensity.value],
                        "pattern": cat.PATTERN[r.working_pattern.value],
                        "transfer": r.organised_transfer,
                        "shuttle": r.shuttle,
                        "accommodation": r.accommodation,
                        "wage_month": wage_per_month(r.wage_min, r.wage_max, r.wage_unit.value),
                        "open_referrals": open_referrals,
                        "recent_referrals": recent_referrals,
                        "group": duplicate_group(r.employer_id, r.workshop_id, r.title),
                        "owner": r.county_id or 0,
                        "workshop": r.workshop_id or 0,
                        "skills": cat.opening_skill_row(required, dictionary),
                    }
                )
            self._write(self.catalogue.openings, records, bulk=ids is None)

    @staticmethod
    def _write(table: cat.SpatialTable, records: list[dict], bulk: bool) -> None:
        """Records into a table: appended as whole columns when building, one by one when catching up."""
        if not bulk:
            table.upsert(records)
        elif records:
            table.extend({name: np.asarray([r[name] for r in records]) for name in records[0]})

    # --- laborers ----------------------------------------------------------------------------

    def _load_laborers(self, ids: list[int] | None) -> None:
        """Read laborers (these ids, or all when None) into the catalogue, as rows: no ORM objects.

        Their encrypted columns (ID number, phone, health) are never read here.
        """
        if ids is not None and not ids:
            return
        dictionary = skill_engine.dictionary()

        def skill_arrays(readings: list | None) -> tuple[np.ndarray, np.ndarray]:
            codes = np.full(cat.MAX_LABORER_CODES, -1, dtype=np.intp)
            scores = np.zeros(cat.MAX_LABORER_CODES, dtype=np.float32)
            known = [(dictionary.index[c], s) for c, s in readings or () if c in dictionary.index]
            for i, (row, score) in enumerate(known[: cat.MAX_LABORER_CODES]):
                codes[i], scores[i] = row, score
            return codes, scores

        readings = _JsonCache(skill_arrays)
        everyone = ids is None
        employment = self._household_employment(None) if everyone else None
        history = self._history(None) if everyone else None
        for where in _ids_filter(Laborer.id, ids):
            rows = db.session.execute(
                sa.select(
                    Laborer.id,
                    Laborer.household_id,
                    Laborer.latitude,
                    Laborer.longitude,
                    Laborer.birth_date,
                    Laborer.labor_capacity,
                    Laborer.willingness,
                    Laborer.needs_flexible_hours,
                    Laborer.home_based_only,
                    _as_text(Laborer.skill_codes).label("codes"),
                    # Rows written around the services (bulk loads) may lack their readings: parsed only then.
                    _as_text(Laborer.skills_raw).label("skills_raw"),
                    _as_text(Laborer.skills).label("skills"),
                    Household.category,
                    Household.risk_level,
                    Region.code.label("village_code"),
                    Region.latitude.label("village_lat"),
                    Region.longitude.label("village_lon"),
                )
                .join(Household, Laborer.household_id == Household.id)
                .join(Region, Household.village_id == Region.id)
                .where(where)
            ).all()
            if not everyone:
                employment = self._household_employment(list({r.household_id for r in rows}))
                history = self._history([r.id for r in rows])
            records = []
            for r in rows:
                if r.codes is not None and r.codes != "null":
                    codes, scores = readings(r.codes)
                else:
                    raw = json.loads(r.skills_raw) if r.skills_raw else None
                    codes, scores = skill_arrays(laborer_skill_codes(raw or (json.loads(r.skills) if r.skills else [])))
                county, province = _division(r.village_code)
                lat = r.latitude if r.latitude is not None else r.village_lat
                lon = r.longitude if r.longitude is not None else r.village_lon
                employed_members, public_welfare = employment.get(r.household_id, (set(), False))
                referrals, hires = history.get(r.id, (0, 0))
                records.append(
                    {
                        "id": r.id,
                        "household_id": r.household_id,
                        "lat": lat if lat is not None else 0.0,
                        "lon": lon if lon is not None else 0.0,
                        "county": county,
                        "province": province,
                        "birth_ordinal": r.birth_date.toordinal(),
                        "capacity": cat.CAPACITY[r.labor_capacity.value],
                        "willingness": cat.WILLINGNESS[r.willingness.value],
                        "needs_flexible": r.needs_flexible_hours,
                        "home_only": r.home_based_only,
                        "category": cat.CATEGORY[r.category.value],
                        "risk": cat.RISK[r.risk_level.value],
                        "employed": r.id in employed_members,
                        "household_employed": bool(employed_members),
                        "household_public_welfare": public_welfare,
                        "past_referrals": referrals,
                        "past_hires": hires,
                        "skill_codes": codes,
                        "skill_scores": scores,
                    }
                )
            self._write(self.catalogue.laborers, records, bulk=everyone)

    def _household_employment(self, household_ids: list[int] | None) -> dict[int, tuple[set[int], bool]]:
        """Per household (these, or all when None): members in work now, and whether one holds a public-welfare post."""
        out: dict[int, tuple[set[int], bool]] = {}
        if household_ids is not None and not household_ids:
            return out
        query = (
            sa.select(Laborer.household_id, Employment.laborer_id, Employment.kind)
            .join(Laborer, Employment.laborer_id == Laborer.id)
            .where(Employment.end_date.is_(None))
        )
        if household_ids is not None:
            query = query.where(Laborer.household_id.in_(household_ids))
        rows = db.session.execute(query).all()
        members: dict[int, set[int]] = defaultdict(set)
        welfare: dict[int, bool] = defaultdict(bool)
        for household_id, laborer_id, kind in rows:
            members[household_id].add(laborer_id)
            welfare[household_id] |= kind == EmploymentKind.public_welfare
        for household_id in members:
            out[household_id] = (members[household_id], welfare[household_id])
        return out

    def _history(self, laborer_ids: list[int] | None) -> dict[int, tuple[int, int]]:
        """Per laborer (these, or all when None): referrals with a known outcome and lasting hires.

        Read as the ranker was trained on them.
        """
        now = utcnow()
        steps = outcomes.referral_steps(db.session, laborer_ids)
        return {laborer_id: outcomes.past_outcomes(s, now) for laborer_id, s in steps.items()}


def index() -> MatchIndex:
    """This process's index for the current app."""
    return current_app.extensions.setdefault("match_index", MatchIndex())
