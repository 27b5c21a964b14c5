"""What the pages' pickers offer: villages grouped by township, employers, and sites away from any village.

static/js/pick-filter.js turns a long select into a type-ahead: each choice carries its search keys (the
name, its full pinyin and initials), a village also its township's keys and its stored coordinates, which
static/js/site-picker.js copies into the form. Without JavaScript the same choices make a plain select.
The rows come from the features' queries, in the caller's scope.
"""

from __future__ import annotations

from functools import lru_cache

from wtforms.fields.choices import SelectChoice

from jobmatch import text
from jobmatch.people import queries as people_queries
from jobmatch.posts import queries as post_queries

# Names whose keys are kept between requests: a county's villages, townships and employers many times over.
KEYS_CACHED = 8192
# The value of the "new employer" choice: the employer's fields come with the form.
NEW = "new"


@lru_cache(maxsize=KEYS_CACHED)
def search_keys(name: str) -> str:
    """What a type-ahead matches: the name and its pinyin spellings, full and initials (城东村 chengdongcun cdc)."""
    return f"{name} {text.name_search_key(name)}"


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def village_groups() -> list[dict]:
    """The villages in scope by township, in code order: [{label, search, options: [{value, name, search, lat, lon}]}].

    A township's label carries its county's name when the scope spans several counties (an administrator's).
    """
    rows = people_queries.village_sites()
    several_counties = len({row.county for row in rows}) > 1
    groups: dict[str, dict] = {}
    for row in rows:
        group = groups.get(row.township_code)
        if group is None:
            label = f"{row.county} · {row.township}" if several_counties and row.county else row.township
            group = groups[row.township_code] = {"label": label, "search": search_keys(row.township), "options": []}
        group["options"].append(
            {
                "value": row.code,
                "name": row.name,
                "search": search_keys(row.name),
                "lat": _coordinate(row.latitude),
                "lon": _coordinate(row.longitude),
            }
        )
    return list(groups.values())


# Past this many villages in scope (an administrator's province) a list's place filter offers townships by county:
# every village would put some ten thousand choices (1.6 MB) on every page of the list.
FILTER_VILLAGES_UP_TO = 3000


def filter_groups(chosen: str | None = None) -> list[dict]:
    """A list's place filter: the villages in scope by township, or past FILTER_VILLAGES_UP_TO of them the
    townships by county, with the chosen place (a village from a link) offered first when it is not among them."""
    if people_queries.count_villages(FILTER_VILLAGES_UP_TO) <= FILTER_VILLAGES_UP_TO:
        return village_groups()
    groups: dict[str, dict] = {}
    for row in people_queries.township_sites():
        label = row.county or ""
        group = groups.get(label)
        if group is None:
            group = groups[label] = {"label": label, "search": search_keys(label), "options": []}
        group["options"].append({"value": row.code, "name": row.name, "search": search_keys(row.name)})
    out = list(groups.values())
    if chosen and not any(option["value"] == chosen for group in out for option in group["options"]):
        found = people_queries.region_named(chosen)
        if found is not None:
            option = {"value": found.code, "name": found.name, "search": search_keys(found.name)}
            out.insert(0, {"label": found.name, "search": option["search"], "options": [option]})
    return out


def village_choices(blank: str) -> list[SelectChoice]:
    """The villages for a WTForms select: grouped by township, with keys and coordinates on each option."""
    return [SelectChoice("", blank)] + [
        SelectChoice(
            option["value"],
            option["name"],
            optgroup=group["label"],
            render_kw={
                "data-keys": option["search"],
                "data-group-keys": group["search"],
                "data-lat": option["lat"],
                "data-lon": option["lon"],
            },
        )
        for group in village_groups()
        for option in group["options"]
    ]


def employer_choices(blank: str, new: str | None = None) -> list[SelectChoice]:
    """The employers in scope by name (the select without JavaScript); `new` adds the choice to register one."""
    choices = [SelectChoice("", blank)]
    if new:
        choices.append(SelectChoice(NEW, new))
    return choices + [SelectChoice(str(ident), name) for ident, name in post_queries.employer_choices()]


def known_sites() -> list[dict]:
    """Places away from any village that the caller's posts name (县外), with their coordinates, most used first."""
    return [
        {"name": row.site_name, "lat": _coordinate(row.latitude), "lon": _coordinate(row.longitude)}
        for row in post_queries.known_sites()
    ]
