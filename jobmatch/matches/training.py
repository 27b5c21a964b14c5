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
from datetime import UTC, datetime
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
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements import outcomes
from jobmatch.placements.lifecycle import local_date
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Opening


def models_dir() -> Path:
    return Path(current_app.config["MODELS_DIR"])


def training_set() -> ranker.TrainingSet:
    """Features of every known outcome, as things stood on the day of the referral."""
    rows = [{**row, "referred_on": local_date(row["referred_at"])} for row in outcomes.training_rows(db.session)]
    if not rows:
        raise ranker.ModelError("no recorded referral outcomes yet / 尚无推荐结果记录，无法训练")
    laborer_ids = sorted({r["laborer_id"] for r in rows})
    opening_ids = sorted({r["opening_id"] for r in rows})
    laborers = {
        lab.id: (lab, household, village)
        for lab, household, village in db.session.execute(
            sa.select(Laborer, Household, Region)
            .join(Household, Laborer.household_id == Household.id)
            .join(Region, Household.village_id == Region.id)
            .where(Laborer.id.in_(laborer_ids))
        )
    }
    openings = {o.id: o for o in db.session.scalars(sa.select(Opening).where(Opening.id.in_(opening_ids)))}
    # Jobs per household, and each laborer's referrals, to rebuild how things stood on a day.
    jobs = defaultdict(list)
    for household_id, laborer_id, kind, start, end in db.session.execute(
        sa.select(
            Laborer.household_id, Employment.laborer_id, Employment.kind, Employment.start_date, Employment.end_date
        ).join(Laborer, Employment.laborer_id == Laborer.id)
    ):
        jobs[household_id].append((laborer_id, kind, start, end))
    history = defaultdict(list)
    for r in rows:
        history[r["laborer_id"]].append((r["referred_on"], r["label"]))
    dictionary = skill_engine.dictionary()
    profiles: dict[int, skill_engine.LaborerSkills] = {}
    columns: dict[str, list] = defaultdict(list)
    labels, times, groups = [], [], []
    for r in rows:
        laborer, household, village = laborers[r["laborer_id"]]
        opening = openings[r["opening_id"]]
        day = r["referred_on"]
        if laborer.id not in profiles:
            profiles[laborer.id] = skill_engine.profile_skills(laborer.skills_raw or laborer.skills)
        codes = opening.required_skill_codes
        if codes is None:
            codes = [m.code for m in skill_engine.map_required_skills(opening.required_skills)]
        fit = float(skill_engine.fit_many(profiles[laborer.id], cat.opening_skill_row(codes, dictionary)[None, :])[0])
        lat = laborer.latitude if laborer.latitude is not None else village.latitude
        lon = laborer.longitude if laborer.longitude is not None else village.longitude
        others_working = [
            (lid, kind)
            for lid, kind, start, end in jobs[household.id]
            if start <= day and (end is None or end > day) and lid != laborer.id
        ]
        earlier = [label for when, label in history[laborer.id] if when < day]
        values = {
            "skill_fit": fit,
            "distance_km": float(
                haversine_km(lat, lon, np.array([opening.latitude]), np.array([opening.longitude]))[0]
            ),
            "age": (day.toordinal() - laborer.birth_date.toordinal()) // 365,
            "willingness": cat.WILLINGNESS[laborer.willingness.value],
            "capacity": cat.CAPACITY[laborer.labor_capacity.value],
            "needs_flexible": laborer.needs_flexible_hours,
            "category": cat.CATEGORY[household.category.value],
            "risk": cat.RISK[household.risk_level.value],
            "household_employed": bool(others_working),
            "past_referrals": len(earlier),
            "past_hires": sum(earlier),
            "kind": cat.KIND[opening.kind.value],
            "age_min": opening.age_min,
            "age_max": opening.age_max,
            "intensity": cat.INTENSITY[opening.physical_intensity.value],
            "pattern": cat.PATTERN[opening.working_pattern.value],
            "transfer": opening.organised_transfer,
            "wage_month": wage_per_month(opening.wage_min, opening.wage_max, opening.wage_unit.value),
        }
        for key, value in values.items():
            columns[key].append(value)
        labels.append(r["label"])
        times.append(day.toordinal())
        groups.append(opening.id)
    inputs = feature_engine.PairInputs(**{k: np.asarray(v) for k, v in columns.items()})
    return ranker.TrainingSet(
        features=feature_engine.compute(inputs),
        labels=np.asarray(labels, dtype=np.int8),
        times=np.asarray(times),
        groups=np.asarray(groups),
    )


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def train_and_save(progress=None) -> ranker.TrainedModel:
    """Train from the recorded outcomes and save the model with its card (not promoted)."""
    directory = models_dir()
    if progress:
        progress("building the training set from referral outcomes")
    data = training_set()
    model = ranker.train(data, new_version(), ranker.serving_model(directory), progress=progress)
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

        raise Conflict([FieldError("version", "not_promoted", str(error), str(error))]) from error


def rollback() -> dict:
    return ranker.rollback(models_dir())
