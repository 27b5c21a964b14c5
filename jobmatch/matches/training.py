"""Training the ranker from recorded outcomes, and its life: status, promotion, rollback.

The label of a referral is "hired and still employed 90 days after the hire", as
`jobmatch.placements.outcomes.training_rows` builds it from the referral records (it says
what is left out and why). Each referral's features are rebuilt as they were on the
day it was made: the laborer's age then, whether someone in the household worked then, and
their referrals before that day.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import current_app

from jobmatch.extensions import db
from jobmatch.matches.index import wage_per_month
from jobmatch.matching import catalogue as cat
from jobmatch.matching import features as feature_engine
from jobmatch.matching import ranker
from jobmatch.matching import skills as skill_engine
from jobmatch.matching.catalogue import haversine_km
from jobmatch.matching.engine import DAYS_PER_YEAR
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements import outcomes
from jobmatch.placements.lifecycle import local_date
from jobmatch.placements.models import Employment, Referral, ReferralEvent
from jobmatch.posts.models import Opening
from jobmatch.vocab import EmploymentKind


def models_dir() -> Path:
    return Path(current_app.config["MODELS_DIR"])


class _Context:
    """What rebuilding a laborer's side of the features on a past day needs, read once."""

    def __init__(self, rows: list[dict]) -> None:
        laborer_ids = sorted({r["laborer_id"] for r in rows})
        self.laborers = {
            lab.id: (lab, household, village)
            for lab, household, village in db.session.execute(
                sa.select(Laborer, Household, Region)
                .join(Household, Laborer.household_id == Household.id)
                .join(Region, Household.village_id == Region.id)
                .where(Laborer.id.in_(laborer_ids))
            )
        }
        # Jobs per household, and each laborer's referrals, to rebuild how things stood on a day.
        self.jobs = defaultdict(list)
        for household_id, laborer_id, kind, start, end in db.session.execute(
            sa.select(
                Laborer.household_id, Employment.laborer_id, Employment.kind, Employment.start_date, Employment.end_date
            ).join(Laborer, Employment.laborer_id == Laborer.id)
        ):
            self.jobs[household_id].append((laborer_id, kind, start, end))
        self.steps = outcomes.referral_steps(db.session, laborer_ids)
        self.profiles: dict[int, skill_engine.LaborerSkills] = {}

    def profile(self, laborer: Laborer) -> skill_engine.LaborerSkills:
        if laborer.id not in self.profiles:
            self.profiles[laborer.id] = skill_engine.profile_skills(laborer.skills_raw or laborer.skills)
        return self.profiles[laborer.id]

    def laborer_values(self, laborer, household, village, day: date, moment: datetime) -> tuple[dict, bool]:
        """The laborer's inputs as they stood on `day` (and whether the household held a public-welfare post)."""
        others_working = [
            (lid, kind)
            for lid, kind, start, end in self.jobs[household.id]
            if start <= day and (end is None or end > day) and lid != laborer.id
        ]
        labelled, lasting = outcomes.past_outcomes(self.steps.get(laborer.id, []), moment)
        values = {
            "age": int((day.toordinal() - laborer.birth_date.toordinal()) // DAYS_PER_YEAR),
            "willingness": cat.WILLINGNESS[laborer.willingness.value],
            "capacity": cat.CAPACITY[laborer.labor_capacity.value],
            "needs_flexible": laborer.needs_flexible_hours,
            "category": cat.CATEGORY[household.category.value],
            "risk": cat.RISK[household.risk_level.value],
            "household_employed": bool(others_working),
            "past_referrals": labelled,
            "past_hires": lasting,
        }
        public_welfare = any(kind == EmploymentKind.public_welfare for _, kind in others_working)
        return values, public_welfare


_OPENING_INPUTS = ("kind", "age_min", "age_max", "intensity", "pattern", "transfer", "wage_month")


def _opening_arrays(openings: list[Opening], site_codes: dict[int, str], dictionary) -> dict[str, np.ndarray]:
    """The openings' side of the features (and of the hard rules), one array per input."""
    from jobmatch.matches.index import _division

    divisions = [_division(site_codes.get(o.region_id)) for o in openings]
    skill_rows = []
    for o in openings:
        codes = o.required_skill_codes
        if codes is None:
            codes = [m.code for m in skill_engine.map_required_skills(o.required_skills)]
        skill_rows.append(cat.opening_skill_row(codes, dictionary))
    return {
        "lat": np.array([o.latitude for o in openings], dtype=np.float64),
        "lon": np.array([o.longitude for o in openings], dtype=np.float64),
        "county": np.array([d[0] for d in divisions]),
        "province": np.array([d[1] for d in divisions]),
        "kind": np.array([cat.KIND[o.kind.value] for o in openings]),
        "age_min": np.array([o.age_min for o in openings]),
        "age_max": np.array([o.age_max for o in openings]),
        "intensity": np.array([cat.INTENSITY[o.physical_intensity.value] for o in openings]),
        "pattern": np.array([cat.PATTERN[o.working_pattern.value] for o in openings]),
        "transfer": np.array([bool(o.organised_transfer) for o in openings]),
        "wage_month": np.array(
            [wage_per_month(o.wage_min, o.wage_max, o.wage_unit.value) for o in openings], dtype=np.float64
        ),
        "skills": np.array(skill_rows).reshape(len(openings), cat.MAX_REQUIRED_SKILLS),
    }


# Referrals younger than this are left out of training: their hires cannot be known to last yet, but
# their refusals are, so the latest weeks would carry too many failures (and bias the calibration).
SETTLED_DAYS = outcomes.LASTING_DAYS + 30


def training_set(settled_by: date | None = None) -> ranker.TrainingSet:
    """Features of every outcome settled by `settled_by` (default: SETTLED_DAYS ago), as things stood on the
    day of the referral."""
    settled = (settled_by or date.fromordinal(date.today().toordinal() - SETTLED_DAYS)).toordinal()
    rows = [{**row, "referred_on": local_date(row["referred_at"])} for row in outcomes.training_rows(db.session)]
    rows = [row for row in rows if row["referred_on"].toordinal() <= settled]
    if not rows:
        raise ranker.ModelError("no recorded referral outcomes yet / 尚无推荐结果记录，无法训练")
    context = _Context(rows)
    opening_list = list(
        db.session.scalars(sa.select(Opening).where(Opening.id.in_(sorted({r["opening_id"] for r in rows}))))
    )
    position = {o.id: i for i, o in enumerate(opening_list)}
    o = _opening_arrays(opening_list, {}, skill_engine.dictionary())
    columns: dict[str, list] = defaultdict(list)
    labels, times, groups, opening_of, sexes, cadre_lists = [], [], [], [], [], []
    for r in rows:
        laborer, household, village = context.laborers[r["laborer_id"]]
        i = position[r["opening_id"]]
        profile = context.profile(laborer)
        required_row = o["skills"][i : i + 1]
        required, missing = feature_engine.skill_counts(profile.credit, required_row)
        lat = laborer.latitude if laborer.latitude is not None else village.latitude
        lon = laborer.longitude if laborer.longitude is not None else village.longitude
        values, _ = context.laborer_values(laborer, household, village, r["referred_on"], r["referred_at"])
        values.update(
            skill_fit=float(skill_engine.fit_many(profile, required_row)[0]),
            distance_km=float(haversine_km(lat, lon, o["lat"][i : i + 1], o["lon"][i : i + 1])[0]),
            skills_required=int(required[0]),
            skills_missing=int(missing[0]),
            **{name: o[name][i] for name in _OPENING_INPUTS},
        )
        for key, value in values.items():
            columns[key].append(value)
        labels.append(r["label"])
        times.append(r["referred_on"].toordinal())
        groups.append(laborer.id)
        opening_of.append(r["opening_id"])
        sexes.append(laborer.sex.value)
        cadre_lists.append(village.id * 10_000 + r["referred_on"].year * 12 + r["referred_on"].month)
    inputs = feature_engine.PairInputs(**{k: np.asarray(v) for k, v in columns.items()})
    return ranker.TrainingSet(
        features=feature_engine.compute(inputs),
        labels=np.asarray(labels, dtype=np.int8),
        times=np.asarray(times),
        groups=np.asarray(groups),
        openings=np.asarray(opening_of),
        cadre_lists=np.asarray(cadre_lists),
        # For the parity table only: never features.
        audit={"sex": np.asarray(sexes), "age_band": age_bands(np.asarray(columns["age"]))},
    )


AGE_BANDS = ((0, "16-29"), (30, "30-44"), (45, "45-59"), (60, "60+"))


def age_bands(ages: np.ndarray) -> np.ndarray:
    """Age band of each age, for the parity table."""
    edges = np.array([lo for lo, _ in AGE_BANDS[1:]])
    names = np.array([name for _, name in AGE_BANDS])
    return names[np.searchsorted(edges, ages, side="right")]


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def train_and_save(progress=None) -> ranker.TrainedModel:
    """Train from the recorded outcomes and save the model with its card (not promoted)."""
    directory = models_dir()
    if progress:
        progress("building the training set from referral outcomes")
    data = training_set()
    serving = ranker.serving_model(directory)
    model = ranker.train(data, new_version(), serving, progress=progress)
    if progress:
        progress("back-testing the last months")
    model.card_data["backtest"] = {"model": backtest(model), "serving": backtest(serving)}
    ranker.save(model, directory)
    return model


def status() -> dict:
    directory = models_dir()
    state = ranker.serving_state(directory)
    versions = sorted(p.name[len("ranker-") : -len(".json")] for p in directory.glob("ranker-*.json"))
    model = ranker.serving_model(directory)
    return {"serving": state["serving"], "history": state["history"], "card": model.card(), "versions": versions}


# What `new_version` makes ("20260301-083000") and the prior's name: a file name part, never a path.
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


def promote(version: str, force: bool = False) -> dict:
    if not re.fullmatch(VERSION_PATTERN, version):
        from jobmatch.errors import FieldError, ValidationFailed

        raise ValidationFailed(
            [
                FieldError(
                    "version",
                    "invalid_version",
                    "版本号须为 1–64 个字母、数字、点、横线或下划线",
                    "a version is 1–64 letters, digits, dots, dashes or underscores",
                )
            ]
        )
    try:
        return ranker.promote(models_dir(), version, force)
    except ranker.ModelError as error:
        from jobmatch.errors import Conflict, FieldError

        raise Conflict([FieldError("version", "not_promoted", error.zh, error.en)]) from error


def rollback() -> dict:
    return ranker.rollback(models_dir())


# --- back-testing ------------------------------------------------------------------------------------

# Posts counted as on offer on a day: those referred to within this many days of it.
BACKTEST_ACTIVE_DAYS = 30
BACKTEST_TOP = 10


def backtest(model: ranker.Model | None = None, months: int = 3) -> dict:
    """Replay the last `months` of lasting hires: was the post among the first ten the model would have shown?

    For each lasting hire referred in the window, the laborer is ranked, as things stood on the day of
    the referral, against every post on offer then (referred to within BACKTEST_ACTIVE_DAYS of that
    day) that passes the hard rules. The window ends at the last labelled referral (later hires are
    not yet known to last). Shares overall, by the laborer's township and by post kind.
    """
    from jobmatch.matches.index import _division
    from jobmatch.matching import rules

    model = model or ranker.serving_model(models_dir())
    rows = [{**row, "referred_on": local_date(row["referred_at"])} for row in outcomes.training_rows(db.session)]
    if not rows:
        raise ranker.ModelError("no recorded referral outcomes yet / 尚无推荐结果记录，无法回测")
    lasting = [r["referred_on"] for r in rows if r["label"] == 1]
    if not lasting:
        raise ranker.ModelError("no lasting hire recorded yet / 尚无稳定就业记录，无法回测")
    last = max(lasting)
    start = date.fromordinal(last.toordinal() - 30 * months)
    hires = [r for r in rows if r["label"] == 1 and r["referred_on"] >= start]
    # When each post was referred to: a post is on offer on a day when referred to near it.
    referred_days = defaultdict(list)
    for opening_id, first in db.session.execute(
        sa.select(Referral.opening_id, sa.func.min(ReferralEvent.occurred_at))
        .join(ReferralEvent, ReferralEvent.referral_id == Referral.id)
        .group_by(Referral.id, Referral.opening_id)
    ):
        referred_days[opening_id].append(local_date(first).toordinal())
    openings = list(db.session.scalars(sa.select(Opening).where(Opening.id.in_(list(referred_days)))))
    site_codes = dict(db.session.execute(sa.select(Region.id, Region.code)).all())
    dictionary = skill_engine.dictionary()
    o = _opening_arrays(openings, site_codes, dictionary)
    days = [np.array(sorted(referred_days[op.id])) for op in openings]
    position = {op.id: i for i, op in enumerate(openings)}
    context = _Context(rows)
    township_names = {r.id: (r.parent_id, r.name) for r in db.session.scalars(sa.select(Region))}
    hits: list[tuple[str, str, bool]] = []
    for r in hires:
        day = r["referred_on"].toordinal()
        active = np.array(
            [i for i, d in enumerate(days) if np.any(np.abs(d - day) <= BACKTEST_ACTIVE_DAYS)], dtype=np.intp
        )
        laborer, household, village = context.laborers[r["laborer_id"]]
        values, public_welfare = context.laborer_values(laborer, household, village, r["referred_on"], r["referred_at"])
        county, province = _division(village.code)
        lat = laborer.latitude if laborer.latitude is not None else village.latitude
        lon = laborer.longitude if laborer.longitude is not None else village.longitude
        distance = haversine_km(lat, lon, o["lat"][active], o["lon"][active])
        masks = rules.rule_masks(
            age=values["age"],
            capacity=values["capacity"],
            category=values["category"],
            household_public_welfare=public_welfare,
            home_only=laborer.home_based_only,
            radius_ok=rules.within_radius(
                values["willingness"],
                county,
                province,
                distance,
                o["county"][active],
                o["province"][active],
                o["transfer"][active],
            ),
            kind=o["kind"][active],
            age_min=o["age_min"][active],
            age_max=o["age_max"][active],
            intensity=o["intensity"][active],
            pattern=o["pattern"][active],
            remaining=1,
            deadline=date.max.toordinal(),
            is_open=True,
            today=day,
        )
        keep = rules.combine(masks, len(active))
        active, distance = active[keep], distance[keep]
        profile = context.profile(laborer)
        skill_rows = o["skills"][active]
        required, missing = feature_engine.skill_counts(profile.credit, skill_rows)
        feats = feature_engine.compute(
            feature_engine.PairInputs(
                skill_fit=skill_engine.fit_many(profile, skill_rows),
                distance_km=distance,
                **values,
                **{name: o[name][active] for name in _OPENING_INPUTS},
                skills_required=required,
                skills_missing=missing,
            )
        )
        scores = model.predict(feats) if len(active) else np.zeros(0)
        mine = np.flatnonzero(active == position.get(r["opening_id"], -1))
        rank = int(np.sum(scores > scores[mine[0]])) if mine.size else None
        parent, _ = township_names.get(village.id, (None, ""))
        township = township_names.get(parent, (None, "?"))[1]
        kind = openings[position[r["opening_id"]]].kind.value if r["opening_id"] in position else "?"
        hits.append((township, kind, rank is not None and rank < BACKTEST_TOP))

    def share(selected) -> dict:
        return {"lasting_hires": len(selected), "in_top10": round(sum(selected) / len(selected), 4)}

    by_township, by_kind = defaultdict(list), defaultdict(list)
    for township, kind, hit in hits:
        by_township[township].append(hit)
        by_kind[kind].append(hit)
    return {
        "model": model.version,
        "window": {"from": start.isoformat(), "to": last.isoformat()},
        "on_offer": f"posts referred to within {BACKTEST_ACTIVE_DAYS} days of the referral, after the hard rules",
        "overall": share([h for *_, h in hits]) if hits else {"lasting_hires": 0, "in_top10": None},
        "by_township": {k: share(v) for k, v in sorted(by_township.items())},
        "by_kind": {k: share(v) for k, v in sorted(by_kind.items())},
    }
