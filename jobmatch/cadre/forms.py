"""Forms of the cadre's pages. They only carry what was typed (and the CSRF token): every rule is the services'."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from jobmatch import labels
from jobmatch.errors import Problem
from jobmatch.placements import lifecycle
from jobmatch.placements.lifecycle import local_date, start_of_day
from jobmatch.vocab import ReferralState

# A step recorded for an earlier day is put at noon of that day (China time), unless the previous step was later.
PAST_STEP_HOUR = 12
MAX_SKILLS_CHARS = 1000
MAX_NOTE_CHARS = 1000


class LaborerForm(FlaskForm):
    """A laborer as the registration sheet has it. Editing: a blank ID number or phone keeps the stored one."""

    household_code = StringField(_l("户编号"), render_kw={"maxlength": 32, "autocomplete": "off"})
    name = StringField(_l("姓名"), render_kw={"maxlength": 64, "autocomplete": "off"})
    id_number = StringField(
        _l("身份证号"), render_kw={"maxlength": 32, "autocomplete": "off", "inputmode": "text", "spellcheck": "false"}
    )
    relation_to_head = StringField(_l("与户主关系"), render_kw={"maxlength": 16})
    phone = StringField(_l("手机号"), render_kw={"maxlength": 20, "inputmode": "tel", "autocomplete": "off"})
    skills = TextAreaField(
        _l("技能"),
        description=_l("照本人的说法写，多个用逗号或顿号分开，例如：会踩缝纫机、养猪"),
        validators=[Length(max=MAX_SKILLS_CHARS, message=_l("不能超过 %(max)d 个字"))],
        render_kw={"rows": 2},
    )
    labor_capacity = SelectField(_l("劳动能力"), choices=labels.choices(labels.CAPACITY, _l("请选择")), default="")
    willingness = SelectField(_l("就业意愿"), choices=labels.choices(labels.WILLINGNESS, _l("请选择")), default="")
    needs_flexible_hours = BooleanField(_l("需要弹性工时（如照顾老人孩子）"))
    home_based_only = BooleanField(_l("只能居家就业"))
    registered_on = DateField(_l("登记日期"), description=_l("留空为今天"), validators=[Optional()])

    # Fields whose blank value on an edit means "keep what is stored" (they are never shown in full).
    KEEP_WHEN_BLANK = ("id_number", "phone")
    TEXT = ("household_code", "name", "id_number", "relation_to_head", "phone", "skills")
    CHOICES = ("labor_capacity", "willingness")
    FLAGS = ("needs_flexible_hours", "home_based_only")

    def service_data(self, editing: bool) -> dict:
        """The input the service takes (as the API's JSON would carry it)."""
        data: dict = {}
        for name in self.TEXT:
            value = (getattr(self, name).data or "").strip()
            if value:
                data[name] = value
            elif editing and name not in self.KEEP_WHEN_BLANK:
                # Cleared on purpose: the service says whether that is allowed.
                data[name] = [] if name == "skills" else (None if name in ("relation_to_head",) else "")
        for name in self.CHOICES:
            if getattr(self, name).data:
                data[name] = getattr(self, name).data
        for name in self.FLAGS:
            data[name] = bool(getattr(self, name).data)
        if self.registered_on.data:
            data["registered_on"] = self.registered_on.data
        return data


class StepForm(FlaskForm):
    """The next step of one referral (prefix r<id>-, so each referral on the profile has its own form)."""

    to = SelectField(_l("下一步"), choices=labels.choices(labels.STATE))
    occurred_on = DateField(_l("日期"), validators=[Optional()])
    reason_code = SelectField(
        _l("原因"),
        choices=labels.choices(labels.REASON, "—"),
        description=_l("未录用、本人放弃、离职时必选"),
        default="",
    )
    note = StringField(
        _l("备注"),
        validators=[Length(max=MAX_NOTE_CHARS, message=_l("不能超过 %(max)d 个字"))],
        render_kw={"maxlength": MAX_NOTE_CHARS},
    )
    # The service's field names → this form's fields.
    FIELDS = {"to": "to", "occurred_at": "occurred_on", "reason_code": "reason_code", "note": "note"}

    def service_data(self, previous: datetime, today: date) -> dict:
        data = {"to": self.to.data, "reason_code": self.reason_code.data or None, "note": self.note.data or None}
        moment = step_moment(self.occurred_on.data, previous, today)
        if moment is not None:
            data["occurred_at"] = moment
        return data


def step_moment(day: date | None, previous: datetime, today: date) -> datetime | None:
    """The moment for a step recorded on `day`: None (now) for today; noon for an earlier day, or the previous
    step's moment when that was later the same day. A day in the future or before the previous step goes to the
    service as typed, which says what is wrong."""
    if day is None or day == today:
        return None
    moment = start_of_day(day) + timedelta(hours=PAST_STEP_HOUR)
    if local_date(previous) == day:
        moment = max(moment, previous)
    return moment


# The day field of each step in the outcome form; outcomes that end a referral share one ("结果日期").
STEP_DAY_FIELDS = {
    ReferralState.recommended: "recommended_on",
    ReferralState.referred: "referred_on",
    ReferralState.interviewed: "interviewed_on",
    ReferralState.hired: "hired_on",
}
END_DAY_FIELD = "ended_on"


def day_field_of(state: ReferralState) -> str:
    return STEP_DAY_FIELDS.get(state, END_DAY_FIELD)


class OutcomeForm(FlaskForm):
    """A referral's outcome in one form: where it stands now (say 已录用 straight from 推荐), with the day of each
    step between (blank: today). A hire goes through a confirmation showing the start date first."""

    to = RadioField(_l("现在进展到"), choices=labels.choices(labels.STATE), default=ReferralState.recommended.value)
    recommended_on = DateField(_l("推荐日期"), validators=[Optional()])
    referred_on = DateField(_l("推荐到单位日期"), validators=[Optional()])
    interviewed_on = DateField(_l("面试日期"), validators=[Optional()])
    hired_on = DateField(_l("录用日期"), validators=[Optional()])
    ended_on = DateField(_l("结果日期"), validators=[Optional()])
    reason_code = SelectField(
        _l("原因"),
        choices=labels.choices(labels.REASON, "—"),
        description=_l("未录用、本人放弃、离职时必选"),
        default="",
    )
    note = StringField(
        _l("备注"),
        validators=[Length(max=MAX_NOTE_CHARS, message=_l("不能超过 %(max)d 个字"))],
        render_kw={"maxlength": MAX_NOTE_CHARS},
    )
    start_date = DateField(_l("上岗日期"), description=_l("默认录用后的下一个工作日，可修改"), validators=[Optional()])
    score = FloatField(validators=[Optional(), NumberRange(min=0, max=1)])
    confirm = HiddenField()

    # The service's field names → this form's fields.
    FIELDS = {
        "to": "to",
        "occurred_at": None,  # set per outcome: the last step's day field
        "reason_code": "reason_code",
        "note": "note",
        "start_date": "start_date",
        "opening_id": "to",
        "laborer_id": "to",
        **{f"steps_at.{state.value}": name for state, name in STEP_DAY_FIELDS.items()},
    }

    def offer(self, state: ReferralState | None, forward_only: bool = False) -> None:
        """Offer the outcomes a referral in `state` can reach (a new one: from 推荐 on); `forward_only`: only the
        steps towards a hire (a match card; the post page offers every outcome)."""
        reachable = [ReferralState.recommended] if state is None else []
        start = state or ReferralState.recommended
        reachable += [s for s in ReferralState if s != ReferralState.obsolete and lifecycle.path_to(start, s)]
        if state != ReferralState.hired:
            # 已离职 follows a hire recorded first (the post page shows it once the laborer holds the post).
            reachable = [s for s in reachable if s != ReferralState.left]
        if forward_only:
            reachable = [s for s in reachable if s in STEP_DAY_FIELDS]
        self.to.choices = labels.choices(labels.STATE, only=reachable)
        if self.to.data not in [c.value for c in self.to.choices]:
            self.to.data = reachable[0].value

    def path(self, state: ReferralState | None) -> list[ReferralState]:
        """The steps this form records from `state` (None: a new referral, 推荐 first)."""
        to = ReferralState(self.to.data)
        if state is None:
            return [ReferralState.recommended, *(lifecycle.path_to(ReferralState.recommended, to) or [])]
        return lifecycle.path_to(state, to) or [to]

    def field_map(self, state: ReferralState | None) -> dict[str, str]:
        last = self.path(state)[-1]
        return self.FIELDS | {"occurred_at": day_field_of(last)}

    def service_data(self, state: ReferralState | None, previous: datetime | None, today: date) -> dict:
        """What the service takes: `to`, the last step's moment, the moments of the steps between."""
        path = self.path(state)
        moments = {}
        for step in path:
            day = getattr(self, day_field_of(step)).data
            moments[step] = step_moment(day, previous, today) if previous else _plain_moment(day, today)
        last = path[-1]
        data: dict = {"to": last.value, "reason_code": self.reason_code.data or None, "note": self.note.data or None}
        if moments[last] is not None:
            data["occurred_at"] = moments[last]
        data["steps_at"] = {step.value: moments[step] for step in path[:-1]}
        if last == ReferralState.hired and self.start_date.data:
            data["start_date"] = self.start_date.data
        if state is None and self.score.data is not None:
            data["score"] = self.score.data
        return data


def _plain_moment(day: date | None, today: date) -> datetime | None:
    if day is None or day == today:
        return None
    return start_of_day(day) + timedelta(hours=PAST_STEP_HOUR)


class ReferForm(FlaskForm):
    """The "refer" button of one match."""

    opening_id = IntegerField(validators=[DataRequired()])
    score = FloatField(validators=[Optional(), NumberRange(min=0, max=1)])
    kind = HiddenField()


def attach_errors(form: FlaskForm, problem: Problem, fields: dict[str, str], language: str) -> list[str]:
    """Put the service's field errors under the form's fields (in the page's language); return the others."""
    others = []
    for error in problem.errors:
        message = error.zh if language == "zh" else error.en
        field = getattr(form, fields.get(error.field, ""), None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            others.append(message)
    if not problem.errors:
        others.append(problem.title_zh if language == "zh" else problem.title_en)
    return others
