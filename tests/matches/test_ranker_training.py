"""Training rebuilds the features a cadre's list was ranked by; back-testing replays the last months."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from jobmatch.extensions import db
from jobmatch.matches import service, training
from jobmatch.matches.index import index
from jobmatch.matching import engine, features
from jobmatch.modelbase import utcnow
from jobmatch.placements.models import Referral, ReferralEvent
from jobmatch.vocab import ReferralState
from tests.matches.test_matches_api import _post

S = ReferralState


def _referral(laborer_id: int, opening_id: int, steps: list[tuple[ReferralState, int]]) -> Referral:
    """A referral whose steps happened the given number of days ago."""
    now = utcnow()
    referral = Referral(
        laborer_id=laborer_id,
        opening_id=opening_id,
        state=steps[-1][0],
        state_since=now - timedelta(days=steps[-1][1]),
    )
    db.session.add(referral)
    db.session.flush()
    previous = None
    for state, days_ago in steps:
        db.session.add(
            ReferralEvent(
                referral_id=referral.id,
                from_state=previous,
                to_state=state,
                occurred_at=now - timedelta(days=days_ago, minutes=1),
            )
        )
        previous = state
    db.session.commit()
    return referral


def _served_features(laborer, opening_id: int) -> np.ndarray:
    catalogue = index().current(force=True)
    query = service.laborer_query(laborer, catalogue)
    found = engine.match_laborer(catalogue, query, service.serving_model(), utcnow().date().toordinal(), limit=50)
    rows = [int(catalogue.openings.table.id[r]) for r in found.rows]
    return found.features[rows.index(opening_id)]


def test_training_rebuilds_the_features_the_list_was_ranked_by_past_hires_included(app, county):
    laborer = county["east"][0]
    sewing, general, welding = _post("缝纫工", ["缝纫"]), _post("搬运", []), _post("电焊工", ["电焊"])
    # A hire that lasted, one that ended within 90 days, a rejection, and a recent hire not yet known to last.
    _referral(laborer.id, sewing, [(S.recommended, 300), (S.hired, 290), (S.left, 150)])
    _referral(laborer.id, general, [(S.recommended, 250), (S.hired, 245), (S.left, 200)])
    _referral(laborer.id, welding, [(S.recommended, 100), (S.rejected, 95)])
    recent = _post("包装工", ["包装"])
    _referral(laborer.id, recent, [(S.recommended, 40), (S.hired, 35), (S.left, 1)])
    target = _post("车间缝纫", ["缝纫"], kind="enterprise")
    served = _served_features(laborer, target)
    # The cadre refers the laborer to the post the list showed; the employer says no the same day.
    _referral(laborer.id, target, [(S.recommended, 0), (S.rejected, 0)])
    data = training.training_set(settled_by=utcnow().date() + timedelta(days=1))
    mine = np.flatnonzero((data.groups == laborer.id) & (data.openings == target))
    assert mine.size == 1
    rebuilt = data.features[mine[0]]
    column = features.FEATURE_NAMES.index
    # Known outcomes before the day: 3 (lasting, left early, rejected); the recent hire is not known yet.
    assert served[column("past_hire_rate")] == pytest.approx(1 / 4)
    assert dict(zip(features.FEATURE_NAMES, rebuilt.tolist(), strict=True)) == pytest.approx(
        dict(zip(features.FEATURE_NAMES, served.tolist(), strict=True)), abs=1e-5
    )


def test_backtest_replays_lasting_hires_and_reports_the_share_in_the_top_ten(app, county):
    from jobmatch.matching import ranker

    laborer, other = county["east"]
    sewing = _post("缝纫工", ["缝纫"])
    welding = _post("电焊工", ["电焊"], wage_min=2000, wage_max=2200)
    # The laborer's hire at the sewing post lasted; the welding post was on offer then (referred to).
    _referral(laborer.id, sewing, [(S.recommended, 200), (S.hired, 195)])
    _referral(other.id, welding, [(S.recommended, 190), (S.rejected, 185)])
    result = training.backtest(ranker.PriorModel(), months=3)
    assert result["overall"] == {"lasting_hires": 1, "in_top10": 1.0}
    assert result["by_kind"] == {"enterprise": {"lasting_hires": 1, "in_top10": 1.0}}
    assert list(result["by_township"].values()) == [{"lasting_hires": 1, "in_top10": 1.0}]
    assert result["model"] == ranker.PRIOR_VERSION
