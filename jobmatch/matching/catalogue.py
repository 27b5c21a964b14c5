"""The matching catalogue: openings and laborers as columns of numpy arrays, with spatial indexes.

Pure engine code: no Flask, no database. The service layer fills a catalogue from the
database and keeps it current with `upsert` (a few rows at a time, never a full reload per
request); queries read arrays only. Coordinates are kept in degrees and in radians for
scikit-learn's haversine `BallTree`.

Rows appended since the last tree build are searched by brute force (they are few); the
tree is rebuilt once they pass `REBUILD_AFTER_APPENDS`, so the cost of a change is small
and the cost of a query grows with its candidates, not with the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from sklearn.neighbors import BallTree

from jobmatch.geo import EARTH_RADIUS_KM
from jobmatch.matching import skills as skill_engine

# Rows added since the tree was built are scanned directly until there are this many.
REBUILD_AFTER_APPENDS = 2_000
# Required skills kept per opening (openings rarely ask for more than three).
MAX_REQUIRED_SKILLS = 4
# Canonical readings kept per laborer for the reverse (opening → laborers) skill lookup.
MAX_LABORER_CODES = 6
MIN_CAPACITY = 16

# Small integer codes for the coded values the rules compare.
KIND = {"workshop": 0, "public_welfare": 1, "enterprise": 2}
INTENSITY = {"light": 0, "medium": 1, "heavy": 2}
PATTERN = {"full_time": 0, "flexible_hours": 1, "home_piecework": 2}
CAPACITY = {"none": 0, "weak": 1, "normal": 2, "skilled": 3}
WILLINGNESS = {"none": 0, "village": 1, "county": 2, "province": 3, "anywhere": 4}
CATEGORY = {"other": 0, "out_of_poverty": 1, "unstable": 2, "marginal": 3, "sudden_hardship": 4}
RISK = {"low": 0, "medium": 1, "high": 2}


def to_radians(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return np.radians(np.column_stack([lat, lon]))


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many, in km."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass
class Columns:
    """A growable table of named numpy columns with an id → row map."""

    dtypes: Mapping[str, tuple[np.dtype, tuple[int, ...]]]
    size: int = 0
    data: dict[str, np.ndarray] = field(default_factory=dict)
    row_of: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, (dtype, shape) in self.dtypes.items():
            self.data[name] = np.zeros((MIN_CAPACITY, *shape), dtype=dtype)

    def __getattr__(self, name: str) -> np.ndarray:
        data = self.__dict__.get("data", {})
        if name in data:
            return data[name][: self.size]
        raise AttributeError(name)

    def _grow(self, needed: int) -> None:
        capacity = len(next(iter(self.data.values())))
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity * 2)
        for name, column in self.data.items():
            grown = np.zeros((new_capacity, *column.shape[1:]), dtype=column.dtype)
            grown[: self.size] = column[: self.size]
            self.data[name] = grown

    def reserve(self, extra: int) -> None:
        """Room for `extra` more rows."""
        self._grow(self.size + extra)

    def extend(self, columns: Mapping[str, np.ndarray]) -> None:
        """Append many new rows at once (bulk loads); ids must be new."""
        n = len(columns["id"])
        self._grow(self.size + n)
        for name in self.dtypes:
            self.data[name][self.size : self.size + n] = columns[name] if name in columns else _zero(name)
        for offset, ident in enumerate(columns["id"].tolist()):
            self.row_of[ident] = self.size + offset
        self.size += n

    def upsert(self, records: Iterable[Mapping]) -> tuple[int, bool]:
        """Write records (each with every column, `id` included); return (rows appended, any row moved)."""
        appended, moved = 0, False
        for record in records:
            row = self.row_of.get(int(record["id"]))
            if row is None:
                self._grow(self.size + 1)
                row = self.size
                self.size += 1
                self.row_of[int(record["id"])] = row
                appended += 1
            elif self.data["lat"][row] != record["lat"] or self.data["lon"][row] != record["lon"]:
                moved = True
            for name in self.dtypes:
                if name in record:
                    self.data[name][row] = record[name]
                elif row >= self.size - appended or name not in OPTIONAL_COLUMNS:
                    self.data[name][row] = _zero(name)
                # else: an optional column the record leaves out keeps its value (a post's exposure)
        return appended, moved


# Columns a caller may leave out (tables built before they existed): they are zero.
OPTIONAL_COLUMNS = frozenset({"group", "recent_referrals", "shown"})


def _zero(name: str) -> int:
    if name not in OPTIONAL_COLUMNS:
        raise KeyError(name)
    return 0


OPENING_COLUMNS = {
    "id": (np.int64, ()),
    "lat": (np.float64, ()),
    "lon": (np.float64, ()),
    "county": (np.int32, ()),
    "province": (np.int16, ()),
    "kind": (np.int8, ()),
    "age_min": (np.int16, ()),
    "age_max": (np.int16, ()),
    "remaining": (np.int32, ()),
    "deadline": (np.int32, ()),
    "is_open": (np.bool_, ()),
    "intensity": (np.int8, ()),
    "pattern": (np.int8, ()),
    "transfer": (np.bool_, ()),
    "shuttle": (np.bool_, ()),
    "accommodation": (np.bool_, ()),
    "wage_month": (np.float32, ()),
    "open_referrals": (np.int32, ()),
    # Referrals made in the last FAIR_SHARE_DAYS (open or closed since): the post's recent demand.
    "recent_referrals": (np.int32, ()),
    # Posts with the same employer or workshop and the same title share a group (0: none); near each
    # other they are one entry in a list.
    "group": (np.int64, ()),
    # How often the post was in a list lately (decaying; kept per process, not in the database).
    "shown": (np.float32, ()),
    "skills": (np.intp, (MAX_REQUIRED_SKILLS,)),
}

LABORER_COLUMNS = {
    "id": (np.int64, ()),
    "household_id": (np.int64, ()),
    "lat": (np.float64, ()),
    "lon": (np.float64, ()),
    "county": (np.int32, ()),
    "province": (np.int16, ()),
    "birth_ordinal": (np.int32, ()),
    "capacity": (np.int8, ()),
    "willingness": (np.int8, ()),
    "needs_flexible": (np.bool_, ()),
    "home_only": (np.bool_, ()),
    "category": (np.int8, ()),
    "risk": (np.int8, ()),
    "employed": (np.bool_, ()),
    "household_employed": (np.bool_, ()),
    "household_public_welfare": (np.bool_, ()),
    "past_referrals": (np.int16, ()),
    "past_hires": (np.int16, ()),
    "skill_codes": (np.intp, (MAX_LABORER_CODES,)),
    "skill_scores": (np.float32, (MAX_LABORER_CODES,)),
}


class SpatialTable:
    """Columns plus a haversine BallTree over the rows that existed when it was built."""

    def __init__(self, columns: Mapping[str, tuple[np.dtype, tuple[int, ...]]]):
        self.table = Columns(columns)
        self.tree: BallTree | None = None
        self.tree_rows = 0
        self.by_county: tuple[np.ndarray, np.ndarray] | None = None  # (sorted counties, their rows)

    def upsert(self, records: Iterable[Mapping]) -> None:
        self.by_county = None
        _, moved = self.table.upsert(records)
        # A moved row, or many new ones, and the tree is rebuilt at the next query.
        if moved or self.table.size - self.tree_rows > REBUILD_AFTER_APPENDS:
            self.tree = None

    def extend(self, columns: Mapping[str, np.ndarray]) -> None:
        self.table.extend(columns)
        self.tree = None
        self.by_county = None

    def prepare(self, headroom: float = 0.25) -> None:
        """Build the tree and the county index now, and room to grow without copying the columns.

        Done before gunicorn forks its workers (`MatchIndex.build_shared`): what is built here is
        shared between them, copy-on-write, and the room (zero pages, not resident until used) lets
        a worker append its catch-up rows without copying every column.
        """
        self._ensure_tree()
        self.in_county(0)
        self.table.reserve(int(self.table.size * headroom) + 1024)

    def in_county(self, county: int) -> np.ndarray:
        """Row numbers in a county (a sorted index, rebuilt after changes)."""
        if self.by_county is None:
            order = np.argsort(self.table.county, kind="stable")
            self.by_county = (self.table.county[order], order)
        counties, order = self.by_county
        start, stop = np.searchsorted(counties, [county, county + 1])
        return order[start:stop]

    def _ensure_tree(self) -> None:
        if self.tree is None and self.table.size:
            self.tree = BallTree(to_radians(self.table.lat, self.table.lon), metric="haversine")
            self.tree_rows = self.table.size

    def within(self, lat: float, lon: float, radius_km: float) -> np.ndarray:
        """Row numbers within radius_km of a point (tree rows plus rows appended since)."""
        if not self.table.size:
            return np.zeros(0, dtype=np.intp)
        self._ensure_tree()
        rows = self.tree.query_radius(np.radians([[lat, lon]]), r=radius_km / EARTH_RADIUS_KM)[0]
        if self.tree_rows < self.table.size:
            tail = np.arange(self.tree_rows, self.table.size)
            near = haversine_km(lat, lon, self.table.lat[tail], self.table.lon[tail]) <= radius_km
            rows = np.concatenate([rows, tail[near]])
        return rows.astype(np.intp)


class Catalogue:
    """Openings and laborers for matching, and the village radius each county sets."""

    def __init__(self, default_village_radius_km: float | None = None) -> None:
        from jobmatch.matching.rules import VILLAGE_RADIUS_KM  # rules reads this module's codes

        self.openings = SpatialTable(OPENING_COLUMNS)
        self.laborers = SpatialTable(LABORER_COLUMNS)
        self.default_village_radius_km = default_village_radius_km or VILLAGE_RADIUS_KM
        self._radius_counties = np.zeros(0, dtype=np.int32)  # sorted county codes (6 digits)
        self._radius_km = np.zeros(0, dtype=np.float64)

    def set_village_radius(self, by_county: Mapping[int, float | None]) -> None:
        """Counties' own village radius in km (None: back to the default); other counties keep theirs."""
        current = dict(zip(self._radius_counties.tolist(), self._radius_km.tolist(), strict=True))
        for county, km in by_county.items():
            if km is None:
                current.pop(int(county), None)
            else:
                current[int(county)] = float(km)
        counties = sorted(current)
        self._radius_counties = np.asarray(counties, dtype=np.int32)
        self._radius_km = np.asarray([current[c] for c in counties], dtype=np.float64)

    def prepare(self) -> None:
        """Trees, county indexes and room to grow, built now (see `SpatialTable.prepare`)."""
        self.openings.prepare()
        self.laborers.prepare()

    def note_shown(self, rows: np.ndarray) -> None:
        """Count openings (rows) as shown in one more list."""
        np.add.at(self.openings.table.data["shown"], np.asarray(rows, dtype=np.intp), 1.0)

    def decay_shown(self, factor: float) -> None:
        """Let past showings count less (factor 0–1)."""
        self.openings.table.data["shown"] *= np.float32(factor)

    def village_radius_km(self, county: int | np.ndarray) -> float | np.ndarray:
        """The reach of "work near home" for laborers of a county (or of each county in an array)."""
        counties = np.asarray(county, dtype=np.int32)
        km = np.full(counties.shape, self.default_village_radius_km, dtype=np.float64)
        if self._radius_counties.size:
            at = np.minimum(np.searchsorted(self._radius_counties, counties), self._radius_counties.size - 1)
            found = self._radius_counties[at] == counties
            km = np.where(found, self._radius_km[at], km)
        return float(km) if km.ndim == 0 else km


def opening_skill_row(required_codes: list[str | None], dictionary: skill_engine.SkillDictionary) -> np.ndarray:
    """An opening's specific required skills as dictionary rows, padded to MAX_REQUIRED_SKILLS.

    General labour (普工, 杂工, 力工) asks for no particular skill and is left out.
    """
    specific = [code for code in required_codes if not skill_engine.is_general_labour(code, dictionary)]
    rows = [
        dictionary.index.get(code, skill_engine.UNKNOWN_REQUIREMENT) if code else skill_engine.UNKNOWN_REQUIREMENT
        for code in specific[:MAX_REQUIRED_SKILLS]
    ]
    rows += [skill_engine.NO_REQUIREMENT] * (MAX_REQUIRED_SKILLS - len(rows))
    return np.asarray(rows, dtype=np.intp)


def laborer_skill_row(profile: skill_engine.LaborerSkills, dictionary: skill_engine.SkillDictionary):
    """A laborer's best canonical readings (rows, scores), padded to MAX_LABORER_CODES."""
    pairs = sorted(
        ((dictionary.index[m.code], m.score) for matches in profile.matches for m in matches),
        key=lambda pair: -pair[1],
    )
    seen: dict[int, float] = {}
    for row, score in pairs:
        seen.setdefault(row, score)
    rows = list(seen.items())[:MAX_LABORER_CODES]
    codes = np.full(MAX_LABORER_CODES, -1, dtype=np.intp)
    scores = np.zeros(MAX_LABORER_CODES, dtype=np.float32)
    for i, (row, score) in enumerate(rows):
        codes[i], scores[i] = row, score
    return codes, scores
