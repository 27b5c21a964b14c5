"""The matching catalogue: openings and laborers as columns of numpy arrays, with their indexes.

Pure engine code: no Flask, no database. The service layer fills a catalogue from the
database and keeps it current with `upsert` (a few rows at a time, never a full reload per
request); queries read arrays only. Each table has a county index, spatial blocks and an index
of its skill codes (`jobmatch.matching.spatial`), built at the first query (or before fork).

Rows appended since the blocks were built, and rows whose codes changed since, are read directly
(they are few); a row that moves widens its block. Both indexes are rebuilt once such rows pass
`REBUILD_AFTER_APPENDS`, so the cost of a change is small and the cost of a query grows with its
candidates, not with the catalogue. The county index is updated in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from jobmatch.matching import skills as skill_engine
from jobmatch.matching.spatial import Blocks, Postings, haversine_km

# Rows added (or whose skill codes changed, or that moved) since the indexes were built are read
# directly until there are this many.
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


@dataclass
class Changes:
    """What an upsert did: rows appended, and rows that existed before it that moved or whose watched
    columns changed value."""

    appended: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    changed: dict[str, list[int]] = field(default_factory=dict)


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

    def upsert(self, records: Iterable[Mapping], watch: Iterable[str] = ()) -> Changes:
        """Write records (each with every column, `id` included); say which rows were appended, moved, or
        changed in a watched column."""
        before = self.size
        changes = Changes(changed={name: [] for name in watch})
        for record in records:
            row = self.row_of.get(int(record["id"]))
            if row is None:
                self._grow(self.size + 1)
                row = self.size
                self.size += 1
                self.row_of[int(record["id"])] = row
                changes.appended.append(row)
            elif row < before:
                if self.data["lat"][row] != record["lat"] or self.data["lon"][row] != record["lon"]:
                    changes.moved.append(row)
                for name, rows in changes.changed.items():
                    if name in record and not np.array_equal(self.data[name][row], record[name]):
                        rows.append(row)
            for name in self.dtypes:
                if name in record:
                    self.data[name][row] = record[name]
                elif row >= before or name not in OPTIONAL_COLUMNS:
                    self.data[name][row] = _zero(name)
                # else: an optional column the record leaves out keeps its value (a post's exposure)
        return changes


# Columns a caller may leave out (tables built before they existed): they are zero.
OPTIONAL_COLUMNS = frozenset({"group", "recent_referrals", "shown", "owner", "workshop"})


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
    # Who may see the post (accounts.scope): the county bureau it belongs to, and its workshop (0: none).
    "owner": (np.int64, ()),
    "workshop": (np.int64, ()),
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
    """Columns plus their indexes: spatial blocks and skill-code postings over the rows that existed when
    they were built, and rows by county."""

    def __init__(
        self, columns: Mapping[str, tuple[np.dtype, tuple[int, ...]]], codes: str, pad: int, scores: str | None = None
    ):
        self.table = Columns(columns)
        self.codes, self.pad = codes, pad  # the skill-code column the postings index, and its padding value
        # The scores that go with the codes (a laborer's readings): their largest magnitude bounds a fit.
        self.scores = scores
        self.peak = 0.0
        self.blocks: Blocks | None = None
        self.postings: Postings | None = None
        self.stale: set[int] = set()  # indexed rows whose codes changed since (their postings may be wrong)
        self.moved = 0  # indexed rows that moved since (each widened its block)
        self._bounds: tuple | None = None  # the last point's block bounds: (blocks, moved, lat, lon, bounds)
        self.by_county: tuple[np.ndarray, np.ndarray] | None = None  # (sorted counties, their rows)

    def upsert(self, records: Iterable[Mapping]) -> None:
        records = list(records)
        changes = self.table.upsert(records, watch=("county", self.codes))
        if self.scores is not None:  # a bound: it may stay above the true largest after an edit lowers it
            self.peak = max([self.peak, *(float(np.abs(r[self.scores]).max(initial=0.0)) for r in records)])
        if self.by_county is not None:
            self._update_counties(changes.appended, changes.changed["county"])
        if self.blocks is not None:
            moved = np.asarray([r for r in changes.moved if r < self.blocks.rows], dtype=np.intp)
            if moved.size:
                self.blocks.widen(moved, self.table.lat[moved], self.table.lon[moved])
            self.moved += int(moved.size)
            self.stale.update(changes.changed[self.codes])

    def extend(self, columns: Mapping[str, np.ndarray]) -> None:
        """Append many new rows at once (bulk loads). Into an empty table they are stored in block order, so
        that the blocks are runs of rows."""
        if self.scores is not None and len(columns["id"]):
            self.peak = max(self.peak, float(np.abs(columns[self.scores]).max(initial=0.0)))
        if self.table.size or not len(columns["id"]):
            self.table.extend(columns)
            self.by_county = None
            return
        blank = self._blank(np.asarray(columns[self.codes]))
        blocks = Blocks.build(columns["lat"], columns["lon"], key=blank)
        permutation = blocks.in_block_order()
        self.table.extend({name: np.asarray(values)[permutation] for name, values in columns.items()})
        self.blocks = blocks
        self.postings = Postings.build(self.table.data[self.codes][: self.table.size], self.pad)
        self.stale, self.moved = set(), 0
        self.by_county = None

    def prepare(self, headroom: float = 0.25) -> None:
        """Build the indexes now, and room to grow without copying the columns.

        Done before gunicorn forks its workers (`MatchIndex.build_shared`): what is built here is
        shared between them, copy-on-write, and the room (zero pages, not resident until used) lets
        a worker append its catch-up rows without copying every column.
        """
        self.index()
        self.in_county(0)
        self.table.reserve(int(self.table.size * headroom) + 1024)

    def index(self) -> tuple[Blocks, Postings]:
        """The spatial blocks and the code postings, built or brought up to date now if need be.

        Rows appended since get blocks and postings of their own once there are REBUILD_AFTER_APPENDS of
        them; many moved rows (each widened its block) or rows whose codes changed, and both are rebuilt.
        """
        size = self.table.size
        limit = max(REBUILD_AFTER_APPENDS, size // 100)
        if self.blocks is None or self.postings is None or self.moved > limit or len(self.stale) > limit:
            codes = self.table.data[self.codes][:size]
            self.postings = Postings.build(codes, self.pad)
            # Rows holding no code (posts asking for no particular skill) apart in each block.
            self.blocks = Blocks.build(self.table.lat, self.table.lon, key=self.postings.blank)
            self.stale, self.moved = set(), 0
        elif size - self.blocks.rows > REBUILD_AFTER_APPENDS:
            first = self.blocks.rows
            codes = self.table.data[self.codes][first:size]
            tail = Postings.build(codes, self.pad, first=first)
            self.postings = self.postings.append(tail)
            self.blocks = self.blocks.append(
                Blocks.build(self.table.lat[first:], self.table.lon[first:], key=tail.blank, first=first)
            )
        return self.blocks, self.postings

    def bounds(self, lat: float, lon: float, blocks: Blocks | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`Blocks.bounds` of these blocks (the table's, if None) from a point, kept for the next call from
        the same point (a query asks several questions of one point)."""
        if blocks is None:
            blocks, _ = self.index()
        memo = self._bounds
        if memo is None or memo[0] is not blocks or memo[1:4] != (self.moved, lat, lon):
            memo = self._bounds = (blocks, self.moved, lat, lon, blocks.bounds(lat, lon))
        return memo[4]

    def _blank(self, codes: np.ndarray) -> np.ndarray:
        return (codes == self.pad).all(axis=1) if len(codes) else np.zeros(0, dtype=bool)

    def loose(self) -> np.ndarray:
        """Rows the postings may not describe: appended since they were built, or whose codes changed."""
        _, postings = self.index()
        tail = np.arange(postings.rows, self.table.size)
        return np.union1d(np.fromiter(self.stale, dtype=np.intp, count=len(self.stale)), tail).astype(np.intp)

    def in_county(self, county: int) -> np.ndarray:
        """Row numbers in a county, ascending (a sorted index, kept up to date by upserts)."""
        if self.by_county is None:
            order = np.argsort(self.table.county, kind="stable")
            self.by_county = (self.table.county[order], order)
        counties, order = self.by_county
        # The codes searched for in the index's own type: otherwise numpy converts the whole index each time.
        start, stop = np.searchsorted(counties, np.asarray([county, county + 1], dtype=counties.dtype))
        return order[start:stop]

    def _update_counties(self, appended: list[int], changed: list[int]) -> None:
        """Rows appended, and rows whose county changed, into the county index: no re-sort of the table."""
        if not appended and not changed:
            return
        counties, order = self.by_county
        if changed:
            keep = ~np.isin(order, changed)
            counties, order = counties[keep], order[keep]
        rows = np.asarray([*appended, *changed], dtype=order.dtype)
        values = self.table.county[rows].astype(counties.dtype)
        # Ascending by (county, row) as a stable sort of the whole table would place them.
        ranked = np.lexsort((rows, values))
        rows, values = rows[ranked], values[ranked]
        key = (counties.astype(np.int64) << 32) | order.astype(np.int64)
        at = np.searchsorted(key, (values.astype(np.int64) << 32) | rows.astype(np.int64))
        self.by_county = (np.insert(counties, at, values), np.insert(order, at, rows))

    def within(self, lat: float, lon: float, radius_km: float) -> np.ndarray:
        """Row numbers within radius_km of a point, ascending."""
        if not self.table.size:
            return np.zeros(0, dtype=np.intp)
        blocks, _ = self.index()
        lower, upper = self.bounds(lat, lon, blocks)
        inside = upper <= radius_km
        if blocks.sizes[inside].sum() * 8 > self.table.size:
            return np.flatnonzero(self.within_mask(lat, lon, radius_km))
        rows, _ = self.near(lat, lon, radius_km, lower=lower, inside=inside)
        return np.sort(np.concatenate([blocks.rows_of(np.flatnonzero(inside)), rows])).astype(np.intp)

    def near(
        self,
        lat: float,
        lon: float,
        radius_km: float,
        among: np.ndarray | None = None,
        lower: np.ndarray | None = None,
        inside: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows (of `among`, a mask, if given) within radius_km of a point, in no particular order, and their
        distances: for small circles. (Given the blocks' `lower` bounds, the blocks flagged `inside` are
        left out.)"""
        if not self.table.size:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        blocks, _ = self.index()
        if lower is None:
            lower, _ = self.bounds(lat, lon, blocks)
        cut = lower <= radius_km if inside is None else (lower <= radius_km) & ~inside
        rows = np.concatenate([blocks.rows_of(np.flatnonzero(cut)), np.arange(blocks.rows, self.table.size)])
        if among is not None:
            rows = rows[among[rows]]
        distance = haversine_km(lat, lon, self.table.lat[rows], self.table.lon[rows])
        keep = distance <= radius_km
        return rows[keep].astype(np.intp), distance[keep]

    def within_mask(self, lat: float, lon: float, radius_km: float, among: np.ndarray | None = None) -> np.ndarray:
        """A mask over the rows: True within radius_km of a point.

        With `among` (a mask), the distance is measured only for those rows; the mask may read either
        way for the others (the caller keeps to `among`).
        """
        size = self.table.size
        if not size:
            return np.zeros(0, dtype=bool)
        blocks, _ = self.index()
        lower, upper = self.bounds(lat, lon, blocks)
        inside = upper <= radius_km
        mask = blocks.mask(inside, size)
        rows, _ = self.near(lat, lon, radius_km, among=among, lower=lower, inside=inside)
        mask[rows] = True
        return mask


class Catalogue:
    """Openings and laborers for matching, and the village radius each county sets."""

    def __init__(self, default_village_radius_km: float | None = None) -> None:
        from jobmatch.matching.rules import VILLAGE_RADIUS_KM  # rules reads this module's codes

        self.openings = SpatialTable(OPENING_COLUMNS, "skills", skill_engine.NO_REQUIREMENT)
        self.laborers = SpatialTable(LABORER_COLUMNS, "skill_codes", -1, scores="skill_scores")
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
        """Indexes and room to grow, built now (see `SpatialTable.prepare`)."""
        self.openings.prepare()
        self.laborers.prepare()

    def note_shown(self, rows: np.ndarray) -> None:
        """Count openings (rows) as shown in one more list."""
        np.add.at(self.openings.table.data["shown"], np.asarray(rows, dtype=np.intp), 1.0)

    def decay_shown(self, factor: float) -> None:
        """Let past showings count less (factor 0–1)."""
        self.openings.table.data["shown"] *= np.float32(factor)

    def widest_village_radius_km(self) -> float:
        """The largest village radius any county has."""
        return max(self.default_village_radius_km, float(self._radius_km.max()) if self._radius_km.size else 0.0)

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
