"""The referral lifecycle and the employment rules it drives. No Flask, no database.

recommended → referred → interviewed → hired → left; from any step still under
way a referral may also end as rejected (by the employer), declined (by the
laborer) or withdrawn (by the cadre). A hire elsewhere makes the others obsolete.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone

from jobmatch.errors import Collector, Conflict, FieldError
from jobmatch.vocab import EmploymentKind, EmploymentStatus, OpeningKind, OutcomeReason, ReferralState, WorkingPattern

S = ReferralState

# China keeps one time zone without daylight saving; a step's date is its date there.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
# A step stamped a little ahead of the server's clock (a phone's clock runs fast) is still "now".
CLOCK_SKEW = timedelta(minutes=5)
MAX_NOTE_LENGTH = 1000
# A hire may name a start date this many days ahead (the laborer starts next Monday, or after the harvest).
MAX_START_AHEAD_DAYS = 90
# The last step may be undone this long after it was recorded (a slip of the finger, not a change of history).
UNDO_WINDOW = timedelta(days=1)

# Steps a referral may take from each state; the states not listed are final.
ALLOWED_NEXT: dict[ReferralState, tuple[ReferralState, ...]] = {
    S.recommended: (S.referred, S.declined, S.withdrawn),
    S.referred: (S.interviewed, S.rejected, S.declined, S.withdrawn),
    S.interviewed: (S.hired, S.rejected, S.declined, S.withdrawn),
    S.hired: (S.left,),
}
# Still under way: a hire elsewhere makes these obsolete.
UNDER_WAY = frozenset({S.recommended, S.referred, S.interviewed})
# A laborer has at most one referral in these states for the same opening (hired: holds the post now).
OPEN_STATES = UNDER_WAY | {S.hired}
# Steps that must say why, with a coded reason (the note adds the details).
REASON_REQUIRED = frozenset({S.rejected, S.declined, S.left})
# Steps that may say why; a reason on any other step is a mistake.
REASON_ALLOWED = REASON_REQUIRED | {S.withdrawn}

STATE_ZH: dict[ReferralState, str] = {
    S.recommended: "拟推荐",
    S.referred: "已推荐",
    S.interviewed: "已面试",
    S.hired: "已录用",
    S.rejected: "未录用",
    S.declined: "本人放弃",
    S.withdrawn: "已撤回",
    S.left: "已离职",
    S.obsolete: "已失效",
}

REASON_ZH: dict[OutcomeReason, str] = {
    OutcomeReason.too_far: "路途太远",
    OutcomeReason.wage_too_low: "工资太低",
    OutcomeReason.health: "身体原因",
    OutcomeReason.family_care: "照顾家庭",
    OutcomeReason.no_skill_match: "技能不符",
    OutcomeReason.employer_closed: "用工单位停工或关闭",
    OutcomeReason.age: "年龄不符",
    OutcomeReason.other: "其他原因",
}

# When a laborer has several open employments, the one their status shows: full-time first, then this order.
STATUS_PRIORITY: tuple[EmploymentKind, ...] = (
    EmploymentKind.local_enterprise,
    EmploymentKind.migrant,
    EmploymentKind.self_employed,
    EmploymentKind.workshop,
    EmploymentKind.public_welfare,
)


def allowed_next(state: ReferralState) -> tuple[ReferralState, ...]:
    """The steps a user may record next (obsolete is the system's alone)."""
    return ALLOWED_NEXT.get(state, ())


def path_to(state: ReferralState, to: ReferralState) -> list[ReferralState] | None:
    """The steps from `state` to `to`, shortest first along the lifecycle (已推荐 → 已录用: 已面试, 已录用);
    None when `to` cannot be reached. Recording several at once spares the cadre a form per step."""
    paths: dict[ReferralState, list[ReferralState]] = {state: []}
    queue = [state]
    while queue:
        here = queue.pop(0)
        for step in allowed_next(here):
            if step not in paths:
                paths[step] = [*paths[here], step]
                queue.append(step)
    found = paths.get(to)
    return found if found else None


def next_working_day(day: date) -> date:
    """The next Monday-to-Friday day after `day` (holidays are not known here; the cadre edits the date)."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def check_step(state: ReferralState, to: ReferralState) -> None:
    """Refuse a step the lifecycle does not allow: 409 naming the allowed next states."""
    allowed = allowed_next(state)
    if to in allowed:
        return
    allowed_zh = "、".join(STATE_ZH[s] for s in allowed) or "无（已结束）"
    allowed_en = ", ".join(allowed) or "none (final)"
    raise Conflict(
        [
            FieldError(
                "to",
                "illegal_transition",
                f"不能从「{STATE_ZH[state]}」变为「{STATE_ZH[to]}」；可选：{allowed_zh}",
                f"cannot go from {state} to {to}; allowed next: {allowed_en}",
            )
        ],
        "Step not allowed",
        "推荐状态不能这样变更",
        extra={"state": state.value, "allowed_next": [s.value for s in allowed]},
    )


def check_moment(errors: Collector, occurred_at: datetime, previous: datetime | None, now: datetime) -> None:
    """A step happened neither in the future nor before the step it follows."""
    if occurred_at > now + CLOCK_SKEW:
        errors.add("occurred_at", "in_future", "发生时间不能晚于现在", "occurred_at cannot lie in the future")
    elif previous is not None and occurred_at < previous:
        shown = previous.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        errors.add(
            "occurred_at",
            "before_previous_step",
            f"发生时间不能早于上一步（{shown}）",
            f"occurred_at cannot be before the previous step ({previous.isoformat()})",
        )


def check_reason(errors: Collector, to: ReferralState, reason: OutcomeReason | None) -> None:
    """Rejected, declined and left need a coded reason; forward steps take none."""
    if reason is None and to in REASON_REQUIRED:
        errors.add("reason_code", "required", "请选择原因", f"a reason is required for {to}")
    elif reason is not None and to not in REASON_ALLOWED:
        errors.add("reason_code", "not_applicable", "此步骤无需填写原因", f"{to} takes no reason")


def check_note(errors: Collector, note: str | None) -> None:
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        errors.add(
            "note", "too_long", f"不能超过 {MAX_NOTE_LENGTH} 个字", f"must be at most {MAX_NOTE_LENGTH} characters"
        )


def as_aware(moment: datetime) -> datetime:
    """A time without a zone is China time (what a user in China types)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TZ)


def local_date(moment: datetime) -> date:
    """The calendar day of a moment in China."""
    return moment.astimezone(CHINA_TZ).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of a day in China."""
    return datetime.combine(day, time(0), CHINA_TZ)


def employment_kind(opening_kind: OpeningKind, site_in_home_county: bool) -> EmploymentKind:
    """Workshop and public-welfare posts keep their kind; an enterprise away from home is migrant work."""
    if opening_kind == OpeningKind.workshop:
        return EmploymentKind.workshop
    if opening_kind == OpeningKind.public_welfare:
        return EmploymentKind.public_welfare
    return EmploymentKind.local_enterprise if site_in_home_county else EmploymentKind.migrant


def is_full_time(opening_kind: OpeningKind, pattern: WorkingPattern) -> bool:
    """Public-welfare posts are part-time by policy; other posts as their working pattern says."""
    return opening_kind != OpeningKind.public_welfare and pattern == WorkingPattern.full_time


def employment_status(open_jobs: Iterable[tuple[EmploymentKind, bool]]) -> EmploymentStatus:
    """A laborer's status from their open employments (kind, full_time): full-time first, then by kind."""
    jobs = list(open_jobs)
    if not jobs:
        return EmploymentStatus.unemployed
    kind, _ = min(jobs, key=lambda job: (not job[1], STATUS_PRIORITY.index(job[0])))
    return EmploymentStatus(kind.value)
