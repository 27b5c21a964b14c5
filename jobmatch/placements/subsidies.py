"""Employment subsidies: the rules table and when a claim is due. No Flask, no database.

Each rule says who qualifies (household category), for which work (employment
kind, employer kind, cross-province), after how many months of continuous work
the claim becomes due, and how long after that it may still be made before it
lapses. The defaults follow SPEC §1; a deployment overrides or adds rules with
the `SUBSIDY_RULES` setting (a list of dicts keyed by `code`, see
`rules_from_config`). A subsidy is claimed at most once per person and rule.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from jobmatch.vocab import EmployerKind, EmploymentKind, HouseholdCategory, SubsidyPayee

# Out-of-poverty households (脱贫户, incl. unstable ones) and the other households under monitoring
# (防返贫监测对象): the people these subsidies are for.
SUBSIDISED_HOUSEHOLDS = frozenset(
    {
        HouseholdCategory.out_of_poverty,
        HouseholdCategory.unstable,
        HouseholdCategory.marginal,
        HouseholdCategory.sudden_hardship,
    }
)
# Claims lapsing within this many days are flagged, so the bureau files them in time.
LAPSE_WARNING_DAYS = 30
# How long after it becomes due a claim may be made, unless a rule says otherwise (policies count a year).
DEFAULT_CLAIM_WINDOW_DAYS = 365


@dataclass(frozen=True)
class SubsidyRule:
    """One line of the rules table."""

    code: str
    name_zh: str
    name_en: str
    amount_cny: Decimal
    payee: SubsidyPayee
    household_categories: frozenset[HouseholdCategory]
    employment_kinds: frozenset[EmploymentKind]
    # Empty: any employer or none; otherwise the employer must be of one of these kinds.
    employer_kinds: frozenset[EmployerKind] = frozenset()
    # The work must lie in another province than the laborer's household.
    cross_province: bool = False
    # Continuous months in the job before the claim is due (0: due on the first day).
    months_employed: int = 0
    claim_window_days: int = DEFAULT_CLAIM_WINDOW_DAYS
    enabled: bool = True


DEFAULT_RULES: tuple[SubsidyRule, ...] = (
    # Zixing: 300 CNY once to an enterprise for each out-of-poverty laborer it hires (SPEC §1).
    SubsidyRule(
        code="hiring_one_off",
        name_zh="企业吸纳脱贫劳动力一次性就业补贴",
        name_en="one-off hiring subsidy to the enterprise",
        amount_cny=Decimal("300"),
        payee=SubsidyPayee.employer,
        household_categories=SUBSIDISED_HOUSEHOLDS,
        employment_kinds=frozenset({EmploymentKind.local_enterprise, EmploymentKind.migrant}),
        employer_kinds=frozenset({EmployerKind.enterprise}),
    ),
    # A one-off transport subsidy to a laborer working in another province for 3 months; SPEC §1 names
    # no amount, 500 CNY is a common provincial figure (set SUBSIDY_RULES to the county's own).
    SubsidyRule(
        code="transport_cross_province",
        name_zh="跨省务工一次性交通补贴",
        name_en="one-off transport subsidy for cross-province work",
        amount_cny=Decimal("500"),
        payee=SubsidyPayee.laborer,
        household_categories=SUBSIDISED_HOUSEHOLDS,
        employment_kinds=frozenset({EmploymentKind.migrant}),
        cross_province=True,
        months_employed=3,
    ),
)

# How each configurable field is read from settings (JSON-like values).
_CONVERT = {
    "amount_cny": lambda v: Decimal(str(v)),
    "payee": SubsidyPayee,
    "household_categories": lambda v: frozenset(HouseholdCategory(x) for x in v),
    "employment_kinds": lambda v: frozenset(EmploymentKind(x) for x in v),
    "employer_kinds": lambda v: frozenset(EmployerKind(x) for x in v),
    "cross_province": bool,
    "months_employed": int,
    "claim_window_days": int,
    "enabled": bool,
}


def rules_from_config(overrides: Iterable[dict] | None = None) -> dict[str, SubsidyRule]:
    """The rules table: the defaults, changed or extended by settings; disabled rules left out.

    `{"code": "transport_cross_province", "amount_cny": 600}` changes one field of a default rule;
    a new code needs every field without a default. Bad settings raise ValueError.
    """
    rules = {rule.code: rule for rule in DEFAULT_RULES}
    for entry in overrides or ():
        values = {key: _CONVERT.get(key, str)(value) for key, value in entry.items()}
        code = values.get("code")
        if not code:
            raise ValueError(f"subsidy rule without a code: {entry!r}")
        try:
            rules[code] = dataclasses.replace(rules[code], **values) if code in rules else SubsidyRule(**values)
        except TypeError as exc:
            raise ValueError(f"subsidy rule {code}: {exc}") from exc
    return {code: rule for code, rule in rules.items() if rule.enabled}


@dataclass(frozen=True)
class EmploymentFacts:
    """What the rules look at for one employment."""

    employment_id: int
    laborer_id: int
    household_category: HouseholdCategory
    kind: EmploymentKind
    employer_kind: EmployerKind | None
    home_province: str
    work_province: str | None  # None: not known (no site recorded)
    start_date: date
    end_date: date | None


class ClaimStatus(StrEnum):
    not_eligible = "not_eligible"
    not_yet_due = "not_yet_due"
    due = "due"
    lapsed = "lapsed"


@dataclass(frozen=True)
class Reason:
    """Why a rule does not apply, in both languages."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Assessment:
    """One rule against one employment on one day."""

    rule: SubsidyRule
    status: ClaimStatus
    due_on: date
    lapses_on: date
    days_left: int  # until the claim lapses (negative once lapsed)
    lapsing_soon: bool
    why_not: tuple[Reason, ...] = ()


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day if it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # calendar.monthrange would also work out the weekday: this runs for every claim the bureau's pages list.
    last = 29 if month == 2 and calendar.isleap(year) else _DAYS_IN_MONTH[month - 1]
    return date(year, month, min(day.day, last))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if add_months(start, months) > end else months


def _why_not(rule: SubsidyRule, facts: EmploymentFacts, due_on: date) -> list[Reason]:
    reasons = []
    if facts.household_category not in rule.household_categories:
        reasons.append(Reason("household_category", "农户类别不在补贴范围内", "household category not covered"))
    if facts.kind not in rule.employment_kinds:
        reasons.append(Reason("employment_kind", "就业类型不在补贴范围内", "kind of employment not covered"))
    if rule.employer_kinds and facts.employer_kind not in rule.employer_kinds:
        reasons.append(Reason("employer_kind", "用工主体类型不在补贴范围内", "kind of employer not covered"))
    if rule.cross_province:
        if facts.work_province is None:
            reasons.append(
                Reason("work_place_unknown", "未记录工作地所在省份", "the province of the workplace is not recorded")
            )
        elif facts.work_province == facts.home_province:
            reasons.append(Reason("not_cross_province", "不是跨省务工", "the work is not in another province"))
    if facts.end_date is not None and facts.end_date < due_on:
        reasons.append(
            Reason(
                "ended_too_soon",
                f"未连续就业满 {rule.months_employed} 个月",
                f"did not stay {rule.months_employed} months in the job",
            )
        )
    return reasons


def due_date(rule: SubsidyRule, start: date) -> date:
    """The day a claim under this rule becomes due for work that began on `start`."""
    return add_months(start, rule.months_employed)


def lapse_date(rule: SubsidyRule, due: date) -> date:
    """The last day a claim that became due on `due` may still be made."""
    return due + timedelta(days=rule.claim_window_days)


def claimable_starts(rule: SubsidyRule, as_of: date) -> tuple[date, date]:
    """The first and last start dates of work whose claim under this rule is neither not yet due nor lapsed on
    `as_of` (due_on ≤ as_of ≤ lapses_on); an empty range when the first comes after the last.

    Calendar months are uneven, but due_on never decreases as the start moves later, so these starts are one
    unbroken range: a database finds the employments in it by their start date alone.
    """
    earliest_due, latest_due = as_of - timedelta(days=rule.claim_window_days), as_of
    months, day = rule.months_employed, timedelta(days=1)
    first = add_months(earliest_due, -months)
    while add_months(first, months) < earliest_due:
        first += day
    while add_months(first - day, months) >= earliest_due:
        first -= day
    last = add_months(latest_due, -months)
    while add_months(last + day, months) <= latest_due:
        last += day
    while add_months(last, months) > latest_due:
        last -= day
    return first, last


def assess(rule: SubsidyRule, facts: EmploymentFacts, as_of: date) -> Assessment:
    """Whether a claim under this rule is due for this employment on this day, and until when."""
    due = due_date(rule, facts.start_date)
    lapses = lapse_date(rule, due)
    days_left = (lapses - as_of).days
    why_not = tuple(_why_not(rule, facts, due))
    if why_not:
        status = ClaimStatus.not_eligible
    elif as_of < due:
        status = ClaimStatus.not_yet_due
    elif as_of > lapses:
        status = ClaimStatus.lapsed
    else:
        status = ClaimStatus.due
    lapsing_soon = status == ClaimStatus.due and lapsing(days_left)
    return Assessment(rule, status, due, lapses, days_left, lapsing_soon, why_not)


def lapsing(days_left: int) -> bool:
    """Whether a due claim with this many days left is flagged, so the bureau files it in time."""
    return days_left <= LAPSE_WARNING_DAYS
