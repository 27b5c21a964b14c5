"""List queries with filters, shared by the API and (later) the pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from jobmatch import text
from jobmatch.accounts.scope import bound_condition, current_scope, restrict
from jobmatch.crud import bound_filters, id_ordered
from jobmatch.crypto import blind_index
from jobmatch.extensions import db
from jobmatch.geo import division_prefix
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.vocab import RegionLevel


def in_region(code: str | None) -> sa.ColumnElement[bool] | None:
    """Rows whose region lies inside the division `code` (county, township or village)."""
    if not code:
        return None
    return codes_within([division_prefix(text.normalize_digits(code))])


# A whole division code: a village's prefix is its code.
CODE_DIGITS = 12


def codes_within(prefixes: list[str]) -> sa.ColumnElement[bool]:
    """Regions whose code starts with one of the prefixes (division_prefix of each division).

    A village's prefix is its whole code, which only the village's own code starts with: asked as equal, the
    region code's index finds it, where `LIKE 'prefix%'` (which the index does not serve) reads every region
    (5 ms a statement on a province, for each village of a list).
    """
    whole = [p for p in prefixes if len(p) == CODE_DIGITS]
    parts = [Region.code.startswith(p, autoescape=True) for p in prefixes if len(p) != CODE_DIGITS]
    if whole:
        parts.append(Region.code.in_(whole))
    return sa.or_(*parts)


def contains(column, q: str | None) -> sa.ColumnElement[bool] | None:
    """Case-insensitive substring match on normalised text."""
    if not q:
        return None
    return column.contains(text.normalize(q), autoescape=True)


def name_matches(name_column, key_column, q: str) -> sa.ColumnElement[bool]:
    """A name typed as characters (spaces ignored: 王 秀英), as pinyin (tan ping) or as initials (tp).

    Pinyin matches the start of one of the name's stored spellings (text.name_search_key), so `tp`
    finds 覃平 but `ping` does not find every 平.
    """
    letters = text.search_letters(q)
    by_characters = name_column.contains(text.normalize(q).replace(" ", ""), autoescape=True)
    if letters is None:
        return by_characters
    spelling = (" " + key_column).contains(" " + letters, autoescape=True)
    return sa.or_(by_characters, spelling)


def where_all(query: sa.Select, *conditions) -> sa.Select:
    for condition in conditions:
        if condition is not None:
            query = query.where(condition)
    return query


def list_order(column, narrowed: bool):
    """A list's sort key; for a list narrowed to a county or less, one PostgreSQL cannot take from an index.

    Ids and household codes run county by county. Walking a whole province's index in order until the
    county's rows come up reads every county before it (a county's first page of laborers: a quarter of a
    second), and a parallel walk of a newest-first index waits for workers on a busy server; reading the
    county's rows by the indexes that find them and sorting them costs what the county has. The order is
    the same: `coalesce(x, x)` sorts as `x`.
    """
    return sa.func.coalesce(column, column) if narrowed else column


def narrowed(f: dict) -> bool:
    """Whether a list is narrowed to a county or less: by the user's scope, or by a region's code."""
    return not current_scope().everything or bool(f.get("region"))


def regions(f: dict) -> sa.Select:
    query = restrict(sa.select(Region).options(joinedload(Region.parent)).order_by(Region.code), Region)
    return where_all(
        query,
        in_region(f.get("region")),
        Region.level == f["level"] if f.get("level") else None,
        contains(Region.name, f.get("q")),
    )


def households(f: dict) -> sa.Select:
    query = restrict(
        sa.select(Household)
        .join(Household.village)
        .options(joinedload(Household.village))
        .order_by(list_order(Household.code, narrowed(f))),
        Household,
    )
    q = f.get("q")
    return where_all(
        query,
        in_region(f.get("region")),
        Household.category == f["category"] if f.get("category") else None,
        Household.risk_level == f["risk_level"] if f.get("risk_level") else None,
        sa.or_(contains(Household.code, q), name_matches(Household.head_name, Household.head_name_key, q))
        if q
        else None,
    )


def laborers(f: dict) -> sa.Select:
    query = restrict(
        sa.select(Laborer)
        .join(Laborer.household)
        .join(Household.village)
        .options(joinedload(Laborer.household).joinedload(Household.village))
        .order_by(list_order(Laborer.id, narrowed(f))),
        Laborer,
    )
    q = f.get("q")
    return where_all(
        query,
        in_region(f.get("region")),
        Household.code == text.normalize_digits(f["household_code"]) if f.get("household_code") else None,
        Laborer.labor_capacity == f["labor_capacity"] if f.get("labor_capacity") else None,
        Laborer.willingness == f["willingness"] if f.get("willingness") else None,
        Laborer.employment_status == f["employment_status"] if f.get("employment_status") else None,
        sa.or_(
            name_matches(Laborer.name, Laborer.name_key, q),
            Laborer.id_number_index == blind_index(text.normalize_digits(q)),
        )
        if q
        else None,
    )


# The laborers list read by prepared statements (jobmatch.prepared): the filters of `laborers` but the
# free-text search, each a parameter, in id order. The API answers from it; `laborers` stays the reference.
PREPARED_LABORER_FILTERS = ("region", "household_code", "labor_capacity", "willingness", "employment_status")


def laborer_filters(f: dict) -> tuple[tuple[str, ...], dict] | None:
    """The filters given (the statement's shape) and their values; None when the list needs `laborers` (a search)."""
    given = prepared_filters(f, PREPARED_LABORER_FILTERS)
    if given is not None and "household_code" in given[1]:
        given[1]["household_code"] = text.normalize_digits(given[1]["household_code"])
    return given


def prepared_filters(f: dict, known: tuple[str, ...]) -> tuple[tuple[str, ...], dict] | None:
    """Which of a prepared list's filters a request gives, and their values (a region as its LIKE pattern);
    None with a free-text search, which the list's select() answers."""
    if f.get("q"):
        return None
    names = tuple(name for name in known if f.get(name))
    values = {name: f[name] for name in names}
    if "region" in values:
        values["region"] = escape_like(division_prefix(text.normalize_digits(values["region"]))) + "%"
    return names, values


def escape_like(value: str) -> str:
    """A LIKE pattern matching `value` literally (escape character /, as autoescape uses)."""
    return value.replace("/", "//").replace("%", "/%").replace("_", "/_")


def laborer_page(dialect, kind: str, filters: tuple[str, ...], narrow: bool, mode: str, columns: tuple) -> sa.Select:
    """One page of laborers in `laborers`' order for a kind of scope and a set of filters, every value a parameter."""
    village = Region.__table__.c.code
    households = sa.join(Laborer, Household, Household.id == Laborer.household_id)
    base = sa.select(*columns).select_from(households.join(Region, Region.id == Household.village_id))
    columns_of = {
        "household_code": Household.code,
        "labor_capacity": Laborer.labor_capacity,
        "willingness": Laborer.willingness,
        "employment_status": Laborer.employment_status,
    }
    conditions = bound_filters(filters, village, columns_of)
    scoped = bound_condition(Laborer, kind, dialect, village_code=village)
    base = where_all(base, scoped, *conditions)
    return id_ordered(base, Laborer.id, mode, list_order(Laborer.id, True) if narrow else None)


def one_laborer(dialect, kind: str, columns: tuple) -> sa.Select:
    """A laborer by id (`:laborer_id`) if the caller's scope holds them, with their household and village."""
    households = sa.join(Laborer, Household, Household.id == Laborer.household_id)
    select = sa.select(*columns).select_from(households.join(Region, Region.id == Household.village_id))
    select = select.where(Laborer.id == sa.bindparam("laborer_id", type_=sa.BigInteger()))
    condition = bound_condition(Laborer, kind, dialect, village_code=Region.__table__.c.code)
    return select if condition is None else select.where(condition)


def village_sites() -> list[sa.Row]:
    """The villages in the caller's scope, in code order, with their township and county (the site pickers)."""
    township, county = aliased(Region), aliased(Region)
    return db.session.execute(
        restrict(
            sa.select(
                county.name.label("county"),
                township.code.label("township_code"),
                township.name.label("township"),
                Region.code,
                Region.name,
                Region.latitude,
                Region.longitude,
            )
            .join(township, township.id == Region.parent_id)
            .outerjoin(county, county.id == township.parent_id)
            .where(Region.level == RegionLevel.village)
            .order_by(township.code, Region.code),
            Region,
        )
    ).all()


def township_sites() -> list[sa.Row]:
    """The townships in the caller's scope, in code order, with their county's name."""
    county = aliased(Region)
    return db.session.execute(
        restrict(
            sa.select(county.name.label("county"), Region.code, Region.name)
            .outerjoin(county, county.id == Region.parent_id)
            .where(Region.level == RegionLevel.township)
            .order_by(Region.code),
            Region,
        )
    ).all()


def count_villages(up_to: int) -> int:
    """How many villages the caller may see, counted no further than up_to + 1."""
    query = restrict(sa.select(Region.id).where(Region.level == RegionLevel.village), Region)
    capped = query.limit(up_to + 1).subquery()
    return db.session.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()


def region_named(code: str) -> sa.Row | None:
    """A region in the caller's scope by its code: (code, name), or None."""
    query = restrict(sa.select(Region.code, Region.name).where(Region.code == code), Region)
    return db.session.execute(query).first()
