"""Blocks of nearby rows and an inverted index of codes: what lets a query skip most of a table, exactly.

Pure engine code (numpy only). `Blocks` splits the rows into compact blocks (a k-d split, each block a few
hundred rows or fewer), each with a centre and a radius that holds every row of it. From one query point,
one distance per block bounds the distance of every row in it (triangle inequality), so a search within
a radius computes the exact distance only for the rows of the blocks its circle cuts, and a search for the
nearest rows can stop once the next block lies beyond what could still qualify.

`Postings` lists, for each code of a multi-code column (an opening's required skills, a laborer's
canonical readings), the rows holding it: the few rows a skill reaches, without reading every row.

Both describe the rows that existed when they were built; the table keeps the rows added or changed
since apart and the engine reads those directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jobmatch.geo import EARTH_RADIUS_KM

# About this many blocks whatever the table's size: the per-query cost of bounding them stays small
# (one distance each), and a block stays small enough for its bound to be tight.
TARGET_BLOCKS = 4096
MIN_BLOCK_ROWS = 32
# Added to every bound (km): floating-point rounding in the distances never puts a row on the wrong side.
SLACK_KM = 1e-6


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many, in km."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def pairwise_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distances between pairs of points (arrays of the same length), in km."""
    return haversine_km(np.asarray(lat1), np.asarray(lon1), np.asarray(lat2), np.asarray(lon2))


@dataclass
class Blocks:
    """Rows [0, rows) in compact blocks: `order[starts[b]:starts[b + 1]]` are block b's rows.

    Rows [0, ordered) are stored in block order (a table loaded in bulk is: `SpatialTable.extend`), so a
    mask over them is made block by block without reading `order`.
    """

    order: np.ndarray  # rows, block after block (int32); within a block, rows without the key first
    starts: np.ndarray  # where each block begins in `order`, and the end (blocks + 1)
    keyed: np.ndarray  # where each block's rows with the key begin in `order`
    lat: np.ndarray  # centre of each block (degrees)
    lon: np.ndarray
    radius_km: np.ndarray  # every row of the block lies within this distance of its centre
    block_of: np.ndarray  # each row's block (int32), to widen it when the row moves
    ordered: int = 0  # rows [0, ordered) are order[0:ordered]: blocks [0, ordered_blocks) hold them
    ordered_blocks: int = 0

    @property
    def rows(self) -> int:
        return len(self.block_of)

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.starts)

    @classmethod
    def build(cls, lat: np.ndarray, lon: np.ndarray, key: np.ndarray | None = None, first: int = 0) -> Blocks:
        """Blocks over the points, which are rows first, first + 1, ...; with `key` (a mask), each block's
        keyed rows after the others, so that either kind is read alone."""
        lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        n = len(lat)
        if not n:
            empty, none = np.zeros(0), np.zeros(0, np.int32)
            return cls(none, np.zeros(1, np.intp), np.zeros(0, np.intp), empty, empty, empty, none)
        order, starts = _kd_order(lat, lon, max(MIN_BLOCK_ROWS, -(-n // TARGET_BLOCKS)))
        sizes = np.diff(starts)
        block_of = np.empty(n, dtype=np.int32)
        block_of[order] = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
        keyed = starts[1:].copy()
        if key is not None:
            flag = np.asarray(key, dtype=bool)[order]
            order = order[np.lexsort((flag, block_of[order]))]
            keyed = starts[1:] - np.add.reduceat(flag.astype(np.intp), starts[:-1])
        # Centre: the middle of the block's bounding box (its rows are close together, far from the poles).
        la, lo, heads = lat[order], lon[order], starts[:-1]
        with np.errstate(invalid="ignore"):
            centre_lat = (np.fmin.reduceat(la, heads) + np.fmax.reduceat(la, heads)) / 2
            centre_lon = (np.fmin.reduceat(lo, heads) + np.fmax.reduceat(lo, heads)) / 2
            reach = pairwise_km(np.repeat(centre_lat, sizes), np.repeat(centre_lon, sizes), la, lo)
        # A row without usable coordinates (NaN) makes its block's radius infinite: always read, always tested.
        radius = np.maximum.reduceat(reach, heads)
        radius = np.where(np.isnan(radius), np.inf, radius + SLACK_KM)
        return cls((order + first).astype(np.int32), starts, keyed, centre_lat, centre_lon, radius, block_of)

    def in_block_order(self) -> np.ndarray:
        """The permutation that stores the rows in block order (for a table loaded in bulk); after it, the
        blocks describe the permuted rows and every row is `ordered`."""
        permutation = self.order.astype(np.intp)
        self.block_of = self.block_of[permutation]
        self.order = np.arange(self.rows, dtype=np.int32)
        self.ordered, self.ordered_blocks = self.rows, len(self.lat)
        return permutation

    def append(self, other: Blocks) -> Blocks:
        """These blocks and those of the rows after them (`other`, built with first=self.rows)."""
        return Blocks(
            np.concatenate([self.order, other.order]),
            np.concatenate([self.starts, other.starts[1:] + self.starts[-1]]),
            np.concatenate([self.keyed, other.keyed + self.starts[-1]]),
            np.concatenate([self.lat, other.lat]),
            np.concatenate([self.lon, other.lon]),
            np.concatenate([self.radius_km, other.radius_km]),
            np.concatenate([self.block_of, other.block_of + len(self.lat)]),
            self.ordered,
            self.ordered_blocks,
        )

    def bounds(self, lat: float, lon: float) -> tuple[np.ndarray, np.ndarray]:
        """For each block, km within which every row of it lies from the point: (at least, at most)."""
        centre = haversine_km(lat, lon, self.lat, self.lon)
        lower = centre - self.radius_km - SLACK_KM
        upper = centre + self.radius_km + SLACK_KM
        # Rows without usable coordinates (NaN): their blocks are always read and their rows tested.
        return np.where(np.isnan(lower), -np.inf, lower), np.where(np.isnan(upper), np.inf, upper)

    def rows_of(self, blocks: np.ndarray, keyed: bool | None = None) -> np.ndarray:
        """The rows of these blocks, block after block in the order given (with `keyed`, only the rows with
        the key, or only those without)."""
        blocks = np.asarray(blocks, dtype=np.intp)
        first = self.keyed[blocks] if keyed else self.starts[blocks]
        last = self.keyed[blocks] if keyed is False else self.starts[blocks + 1]
        sizes = last - first
        total = int(sizes.sum())
        if total == 0:
            return np.zeros(0, dtype=self.order.dtype)
        # Each position is its block's first plus its rank among the block's rows read: one repeat, one range.
        return self.order[np.repeat(first - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)]

    def mask(self, flags: np.ndarray, size: int) -> np.ndarray:
        """A mask over rows [0, size): True for the rows of the flagged blocks."""
        out = np.zeros(size, dtype=bool)
        done = self.ordered_blocks
        out[: self.ordered] = np.repeat(flags[:done], self.sizes[:done])
        out[self.rows_of(np.flatnonzero(flags[done:]) + done)] = True
        return out

    def widen(self, rows: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> None:
        """Rows (already in blocks) that moved to (lat, lon): their blocks' radius grows to hold them again."""
        blocks = self.block_of[rows]
        reach = pairwise_km(self.lat[blocks], self.lon[blocks], lat, lon)
        reach = np.where(np.isnan(reach), np.inf, reach + SLACK_KM)
        np.maximum.at(self.radius_km, blocks, reach)


def _kd_order(lat: np.ndarray, lon: np.ndarray, leaf: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows in k-d order (each part split at the median of its longer side, until it has at most `leaf`
    rows) and where each leaf begins in that order, plus the end."""
    n = len(lat)
    order = np.arange(n)
    starts = []
    stack = [(0, n)]
    while stack:
        start, stop = stack.pop()
        if stop - start <= leaf:
            starts.append(start)
            continue
        rows = order[start:stop]
        la, lo = lat[rows], lon[rows]
        key = la if _span(la, 1.0) >= _span(lo, np.cos(np.radians(np.median(la)))) else lo
        middle = (stop - start) // 2
        order[start:stop] = rows[np.argpartition(key, middle)]
        stack.append((start + middle, stop))  # the left part is split first: leaves come in order
        stack.append((start, start + middle))
    starts.append(n)
    return order, np.asarray(starts, dtype=np.intp)


def _span(values: np.ndarray, scale: float) -> float:
    """Extent of the finite values times scale (0 when there are none)."""
    finite = values[np.isfinite(values)]
    if not finite.size or not np.isfinite(scale):
        return 0.0
    return float(finite.max() - finite.min()) * abs(float(scale))


@dataclass
class Postings:
    """For each code of a multi-code column over rows [0, rows): the rows that hold it (in parts, one per
    build, each ascending within a code)."""

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # (distinct codes, where each begins, rows)
    blank: np.ndarray  # rows holding only the padding value (no code, no unknown entry)

    @property
    def rows(self) -> int:
        return len(self.blank)

    @classmethod
    def build(cls, matrix: np.ndarray, pad: int, first: int = 0) -> Postings:
        """Postings of rows first, first + 1, ... holding these codes (rows of `matrix`; < 0: none)."""
        matrix = np.asarray(matrix)
        n = len(matrix)
        rows = np.repeat(np.arange(first, first + n, dtype=np.int32), matrix.shape[1])
        flat = matrix.reshape(-1)
        held = flat >= 0
        rows, flat = rows[held], flat[held]
        by_code = np.argsort(flat, kind="stable")  # rows stay ascending within a code
        flat, rows = flat[by_code], rows[by_code]
        codes, heads = np.unique(flat, return_index=True)
        blank = (matrix == pad).all(axis=1) if n else np.zeros(0, dtype=bool)
        return cls([(codes, np.append(heads, len(flat)).astype(np.intp), rows)], blank)

    def append(self, other: Postings) -> Postings:
        """These postings and those of the rows after them (`other`, built with first=self.rows)."""
        return Postings([*self.parts, *other.parts], np.concatenate([self.blank, other.blank]))

    def holding(self, codes: np.ndarray) -> np.ndarray:
        """Rows holding any of these codes (a row holding several appears once per code)."""
        found = [np.zeros(0, dtype=np.int32)]
        for known, heads, members in self.parts:
            if not len(known):
                continue
            at = np.searchsorted(known, codes)
            at = at[(at < len(known)) & (known[np.minimum(at, len(known) - 1)] == codes)]
            found.extend(members[heads[i] : heads[i + 1]] for i in at.tolist())
        return np.concatenate(found)
