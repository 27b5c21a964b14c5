"""Batch assignment for a township or county: a proposal cadres confirm item by item, never a hire."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

import numpy as np
import sqlalchemy as sa

from jobmatch import sheets, text
from jobmatch.accounts.scope import restrict
from jobmatch.extensions import db
from jobmatch.matches.index import index
from jobmatch.matches.service import laborer_query, serving_model, visible_openings
from jobmatch.matching import assign, engine
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.queries import in_region
from jobmatch.posts.models import Opening
from jobmatch.vocab import EmploymentStatus, Willingness

# Candidate openings kept per laborer for the assignment graph.
CANDIDATES_PER_LABORER = 30
CSV_HEADERS = ["劳动力编号", "姓名", "行政村", "户编号", "家中无人就业", "岗位编号", "岗位", "稳定就业概率"]


def propose(region_code: str, per_laborer: int = CANDIDATES_PER_LABORER, progress: Callable | None = None) -> dict:
    """Exact assignment of the region's unemployed willing laborers (within the caller's scope)."""
    catalogue = index().current()
    query = restrict(
        sa.select(Laborer)
        .join(Household, Laborer.household_id == Household.id)
        .join(Region, Household.village_id == Region.id)
        .where(
            in_region(text.normalize_digits(region_code)),
            Laborer.employment_status == EmploymentStatus.unemployed,
            Laborer.willingness != Willingness.none,
        )
        .order_by(Laborer.id),
        Laborer,
    )
    laborers = db.session.scalars(query).all()
    model = serving_model()
    today = date.today().toordinal()
    rows_l, rows_o, chances = [], [], []
    opening_index: dict[int, int] = {}
    households, no_one_working = [], []
    t = catalogue.laborers.table
    visible = visible_openings(catalogue)
    for n, laborer in enumerate(laborers):
        if progress:
            progress(n, len(laborers))
        if laborer.id not in t.row_of:
            catalogue = index().current(force=True)
            visible = visible_openings(catalogue)
        q = laborer_query(laborer, catalogue)
        found = engine.match_laborer(catalogue, q, model, today, per_laborer, visible=visible, collapse=False)
        for row, chance in zip(found.rows.tolist(), found.chance.tolist(), strict=True):
            rows_l.append(n)
            rows_o.append(opening_index.setdefault(row, len(opening_index)))
            chances.append(chance)
        households.append(laborer.household_id)
        no_one_working.append(not q.household_employed)
    opening_rows = np.fromiter(opening_index, dtype=np.intp, count=len(opening_index))
    o = catalogue.openings.table
    candidates = assign.Candidates(
        laborer=np.asarray(rows_l, dtype=np.intp),
        opening=np.asarray(rows_o, dtype=np.intp),
        chance=np.asarray(chances, dtype=float),
        places=o.remaining[opening_rows] if len(opening_rows) else np.zeros(0, dtype=np.int32),
        household=np.asarray(households),
        no_one_working=np.asarray(no_one_working, dtype=bool),
    )
    exact, greedy = assign.exact(candidates), assign.greedy(candidates)
    opening_ids = [int(o.id[r]) for r in opening_rows]
    titles = dict(db.session.execute(sa.select(Opening.id, Opening.title).where(Opening.id.in_(opening_ids))).all())
    items = []
    for i, j, chance in zip(exact.laborer.tolist(), exact.opening.tolist(), exact.chance.tolist(), strict=True):
        laborer = laborers[i]
        items.append(
            {
                "laborer_id": laborer.id,
                "laborer_name": laborer.name,
                "village": laborer.household.village.name,
                "household_code": laborer.household.code,
                "household_without_work": bool(no_one_working[i]),
                "opening_id": opening_ids[j],
                "opening_title": titles[opening_ids[j]],
                "chance": round(chance, 4),
            }
        )
    summary = {
        "laborers": len(laborers),
        "candidate_edges": int(len(candidates.laborer)),
        "exact": _figures(exact, candidates),
        "greedy": _figures(greedy, candidates),
    }
    return {"region": region_code, "model_version": model.version, "summary": summary, "items": items}


def _figures(p: assign.Proposal, c: assign.Candidates) -> dict:
    return {
        "assigned": int(len(p.laborer)),
        "expected_hires": round(p.expected_hires(), 1),
        "households_covered": p.households_covered(c),
    }


def to_csv(proposal: dict) -> str:
    """The proposal as CSV for cadres (UTF-8 with BOM so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for item in proposal["items"]:
        writer.writerow(
            sheets.row(
                [
                    item["laborer_id"],
                    item["laborer_name"],
                    item["village"],
                    item["household_code"],
                    "是" if item["household_without_work"] else "否",
                    item["opening_id"],
                    item["opening_title"],
                    item["chance"],
                ]
            )
        )
    return out.getvalue()
