"""The matching index: built in bulk from rows, shared before fork, and the province fixture it is measured on."""

from __future__ import annotations

import gc
import importlib.util
import os
import runpy
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.matches import settings
from jobmatch.matches.index import MatchIndex, index
from jobmatch.matching import catalogue as cat
from jobmatch.matching import rules
from jobmatch.people.models import Household, Laborer
from jobmatch.placements import duetable
from jobmatch.placements.models import SubsidyDueState
from jobmatch.posts.models import Opening
from tests.matches.test_matches_api import _post

ROOT = Path(__file__).resolve().parents[2]


def _by_id(table: cat.SpatialTable) -> dict[int, dict[str, np.ndarray]]:
    columns = table.table
    return {
        int(ident): {name: getattr(columns, name)[row] for name in columns.dtypes if name != "shown"}
        for row, ident in enumerate(columns.id)
    }


def _one_by_one() -> cat.Catalogue:
    """The catalogue as catching up builds it: every row read by id, in chunks."""
    built = MatchIndex()
    built.catalogue = cat.Catalogue(rules.VILLAGE_RADIUS_KM)
    built.catalogue.set_village_radius(settings.village_radius_by_county())
    built._load_openings(sorted(db.session.scalars(sa.select(Opening.id))))
    built._load_laborers(sorted(db.session.scalars(sa.select(Laborer.id))))
    return built.catalogue


def _assert_same(bulk: cat.SpatialTable, single: cat.SpatialTable) -> None:
    a, b = _by_id(bulk), _by_id(single)
    assert a.keys() == b.keys()
    for ident, columns in a.items():
        for name, value in columns.items():
            np.testing.assert_array_equal(value, b[ident][name], err_msg=f"row {ident}, column {name}")


def test_the_bulk_build_reads_the_same_catalogue_as_reading_each_row(app, county):
    _post("缝纫工", ["缝纫"])
    _post("电焊工", ["电焊", "叉车"], wage_min=None, wage_max=None)
    _post("搬运", [])
    # Rows written around the services (a bulk load) lack their stored readings: both paths read them.
    db.session.execute(sa.update(Laborer).where(Laborer.id == county["east"][0].id).values(skill_codes=None))
    db.session.execute(sa.update(Opening).where(Opening.title == "电焊工").values(required_skill_codes=None))
    db.session.commit()

    bulk = MatchIndex()
    catalogue = bulk.current()
    single = _one_by_one()
    assert catalogue.laborers.table.size == 3 and catalogue.openings.table.size == 3
    _assert_same(catalogue.openings, single.openings)
    _assert_same(catalogue.laborers, single.laborers)
    welder = _by_id(catalogue.openings)[db.session.scalar(sa.select(Opening.id).where(Opening.title == "电焊工"))]
    assert (welder["skills"] >= 0).sum() == 2  # read from the phrases when the codes were missing


def test_an_index_built_before_fork_has_its_indexes_and_room_to_grow(app, county):
    _post("缝纫工", ["缝纫"])
    shared = index()
    shared.build_shared()
    openings = shared.catalogue.openings
    assert openings.blocks is not None and openings.postings is not None and openings.by_county is not None
    assert shared.catalogue.laborers.blocks is not None
    before = openings.table.data["lat"]

    # A worker's catch-up appends a new post in the room made before fork: no column is copied whole.
    new = _post("电焊工", ["电焊"])
    catalogue = shared.current(force=True)
    assert new in _by_id(catalogue.openings)
    assert catalogue.openings.table.data["lat"] is before


def test_gunicorn_builds_the_index_in_the_master_and_closes_its_connections(app, county, monkeypatch):
    _post("缝纫工", ["缝纫"])
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert hooks["preload_app"] is True
    assert hooks["control_socket_disable"] is True
    disposed = []
    monkeypatch.setattr(type(db.engine), "dispose", lambda engine, *a, **kw: disposed.append(engine))

    class Server:
        class app:  # noqa: N801 (gunicorn's attribute names)
            @staticmethod
            def wsgi():
                return app

        class log:  # noqa: N801
            @staticmethod
            def info(*args):
                pass

    app.extensions.pop("match_index", None)
    try:
        hooks["when_ready"](Server)
    finally:
        gc.unfreeze()
    built = app.extensions["match_index"]
    assert built.catalogue is not None and built.catalogue.openings.table.size == 1
    assert built.catalogue.openings.blocks is not None
    assert disposed, "the master's connections are closed before the workers fork"
    # The subsidy candidates were worked out before the workers fork, not by the first list of due subsidies.
    assert db.session.get(SubsidyDueState, duetable.STATE_ID) is not None


def _province_module():
    spec = importlib.util.spec_from_file_location("province", ROOT / "bench" / "province.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="bench/province.py builds on PostgreSQL only")
def test_the_province_fixture_copies_a_county_whole_and_the_index_loads_it(app, county):
    _post("缝纫工", ["缝纫"])
    _post("搬运", [])
    province = _province_module()
    counties, openings_copies = 3, 2
    with db.engine.begin() as conn:
        copier = province.Copier(conn, "361125", counties, openings_copies)
        copier.renumber()
        for k in range(1, counties):
            copier.copy(k)
        copier.sequences()

    assert db.session.scalar(sa.select(sa.func.count(Laborer.id))) == 3 * counties
    assert db.session.scalar(sa.select(sa.func.count(Household.id))) == 2 * counties
    assert db.session.scalar(sa.select(sa.func.count(Opening.id))) == 2 * counties * openings_copies
    # Every copied household lies in a village of its own county's copy.
    mismatched = db.session.execute(
        sa.text(
            "SELECT count(*) FROM households h JOIN regions v ON v.id = h.village_id "
            "JOIN regions t ON t.id = v.parent_id WHERE substr(t.code, 1, 6) <> substr(v.code, 1, 6)"
        )
    ).scalar()
    assert mismatched == 0
    assert db.session.scalar(sa.text("SELECT count(DISTINCT substr(code, 1, 6)) FROM regions")) == counties
    # A new record after the copy gets a fresh id (sequences moved past the copies).
    _post("电焊工", ["电焊"])

    catalogue = MatchIndex().current()
    assert catalogue.laborers.table.size == 3 * counties
    assert len(np.unique(catalogue.laborers.table.county)) == counties
    assert catalogue.openings.table.size == 2 * counties * openings_copies + 1
