"""The contact log: each call or visit a cadre makes to a household or one of its laborers, and how long ago the
last one was. Pages and the API record and read contacts here; the records keep to the village's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from jobmatch import text
from jobmatch.accounts import audit
from jobmatch.accounts.scope import restrict
from jobmatch.errors import Collector
from jobmatch.extensions import db
from jobmatch.monitoring.models import Contact, ContactMethod
from jobmatch.people.models import Household, Laborer
from jobmatch.vocab import Willingness
from workshops.settings import today as china_today

MAX_NOTE_CHARS = 1000
# A contact is written down within the year; an older date is a typing mistake.
MAX_DAYS_BACK = 366

METHOD_ZH = {ContactMethod.phone: "电话", ContactMethod.visit: "走访", ContactMethod.other: "其他"}


def _day(value, errors: Collector, today: date) -> date | None:
    if value in (None, ""):
        return today
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors.add("contacted_on", "not_date", "须为日期，格式 YYYY-MM-DD", "must be a date, YYYY-MM-DD")
            return None
    if value > today:
        errors.add("contacted_on", "in_future", "联系日期不能晚于今天", "the contact date cannot be after today")
        return None
    if value < today - timedelta(days=MAX_DAYS_BACK):
        errors.add(
            "contacted_on",
            "too_old",
            f"联系日期不能早于 {MAX_DAYS_BACK} 天前",
            f"the contact date cannot be more than {MAX_DAYS_BACK} days ago",
        )
        return None
    return value


def record(household: Household, laborer: Laborer | None, data: dict, user_id: int) -> Contact:
    """Write one contact (both records already looked up in scope), or raise with every field error."""
    today = china_today()
    errors = Collector()
    method = data.get("method")
    if method in (None, ""):
        errors.add("method", "required", "请选择联系方式（电话、走访或其他）", "choose how: phone, visit or other")
    elif method not in ContactMethod.__members__:
        errors.add("method", "not_allowed_value", "联系方式须为电话、走访或其他", "how must be phone, visit or other")
    day = _day(data.get("contacted_on"), errors, today)
    note = data.get("note")
    note = text.normalize_optional(note) if isinstance(note, str) else None
    if note is not None and len(note) > MAX_NOTE_CHARS:
        errors.add(
            "note", "too_long", f"不能超过 {MAX_NOTE_CHARS} 个字", f"must be at most {MAX_NOTE_CHARS} characters"
        )
    if laborer is not None and laborer.household_id != household.id:
        errors.add("laborer_id", "other_household", "该劳动力不属于本户", "the laborer is not of this household")
    errors.raise_if_any()
    contact = Contact(
        household_id=household.id,
        laborer_id=laborer.id if laborer is not None else None,
        village_id=household.village_id,
        user_id=user_id,
        contacted_on=day,
        method=ContactMethod(method),
        note=note,
    )
    db.session.add(contact)
    db.session.flush()
    # The note may hold personal matters: the trail records that there was one, not what it says.
    audit.record(
        "create",
        "contacts",
        contact.id,
        {"household_id": household.id, "method": method, "contacted_on": day.isoformat(), "note": note is not None},
    )
    db.session.commit()
    return contact


def listed(household_id: int | None = None, laborer_id: int | None = None) -> sa.Select:
    """Contacts in scope of a household (its laborers' too) or of one laborer, the latest first."""
    query = restrict(sa.select(Contact).options(joinedload(Contact.user)), Contact)
    if household_id is not None:
        query = query.where(Contact.household_id == household_id)
    if laborer_id is not None:
        query = query.where(Contact.laborer_id == laborer_id)
    return query.order_by(Contact.contacted_on.desc(), Contact.id.desc())


def last_of_households(household_ids: set[int] | list[int]) -> dict[int, Contact]:
    """Each household's latest contact (households never contacted are left out)."""
    if not household_ids:
        return {}
    rank = (
        sa.func.row_number()
        .over(partition_by=Contact.household_id, order_by=(Contact.contacted_on.desc(), Contact.id.desc()))
        .label("rank")
    )
    latest = (
        restrict(sa.select(Contact.id, rank), Contact).where(Contact.household_id.in_(list(household_ids))).subquery()
    )
    rows = db.session.execute(
        sa.select(Contact)
        .join(latest, latest.c.id == Contact.id)
        .where(latest.c.rank == 1)
        .options(joinedload(Contact.user))
    ).scalars()
    return {contact.household_id: contact for contact in rows}


@dataclass(frozen=True)
class HouseholdContact:
    """A household with someone willing to work, and how many days ago it was last contacted (None: never)."""

    household_id: int
    code: str
    head_name: str | None
    village_id: int
    days: int | None


def willing_households(village_ids: list[int], today: date) -> dict[int, list[HouseholdContact]]:
    """Per village, its households with a willing member, never contacted first, then the longest ago."""
    if not village_ids:
        return {}
    last = (
        sa.select(Contact.household_id, sa.func.max(Contact.contacted_on).label("day"))
        .where(Contact.village_id.in_(village_ids))
        .group_by(Contact.household_id)
        .subquery()
    )
    willing = sa.exists().where(Laborer.household_id == Household.id, Laborer.willingness != Willingness.none)
    rows = db.session.execute(
        restrict(
            sa.select(Household.id, Household.code, Household.head_name, Household.village_id, last.c.day)
            .outerjoin(last, last.c.household_id == Household.id)
            .where(Household.village_id.in_(village_ids), willing),
            Household,
        )
    ).all()
    out: dict[int, list[HouseholdContact]] = {v: [] for v in village_ids}
    for household_id, code, head, village_id, day in rows:
        out[village_id].append(
            HouseholdContact(household_id, code, head, village_id, (today - day).days if day else None)
        )
    for households in out.values():
        households.sort(key=lambda h: (h.days is not None, -(h.days or 0), h.code))
    return out
