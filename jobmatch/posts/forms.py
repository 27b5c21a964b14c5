"""The opening form of the bureau's pages: it parses what was typed; posts/service.py judges it.

Only the parsing (a number that is not a number, a date that is not a date) is checked here, in the
page's language; every rule (required fields, age and wage ranges, the site) is the service's, so the
page and `POST /api/v1/openings` refuse the same things with the same messages.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField, DecimalField, FloatField
from wtforms.fields.choices import SelectChoice

from jobmatch import text
from jobmatch.pickers import NEW
from jobmatch.posts.models import Opening
from jobmatch.posts.service import NEW_EMPLOYER
from jobmatch.vocab import EmployerKind, OpeningKind, OpeningStatus, PhysicalIntensity, WageUnit, WorkingPattern

KIND_LABELS = {
    OpeningKind.enterprise.value: _l("企业岗位"),
    OpeningKind.public_welfare.value: _l("公益性岗位"),
    OpeningKind.workshop.value: _l("帮扶车间岗位"),
}
KIND_HINTS = {
    OpeningKind.enterprise.value: _l("企业、合作社等用工主体招聘的岗位"),
    OpeningKind.public_welfare.value: _l("只面向脱贫户和监测户劳动力，优先照顾弱劳动力和年龄较大的人"),
    OpeningKind.workshop.value: _l("在帮扶车间就业的岗位"),
}
STATUS_LABELS = {OpeningStatus.open.value: _l("招聘中"), OpeningStatus.closed.value: _l("已关闭")}
WAGE_UNIT_LABELS = {
    WageUnit.month.value: _l("元/月"),
    WageUnit.day.value: _l("元/天"),
    WageUnit.piece.value: _l("元/件"),
}
PATTERN_LABELS = {
    WorkingPattern.full_time.value: _l("全职"),
    WorkingPattern.flexible_hours.value: _l("弹性工时"),
    WorkingPattern.home_piecework.value: _l("居家计件"),
}
INTENSITY_LABELS = {
    PhysicalIntensity.light.value: _l("轻体力"),
    PhysicalIntensity.medium.value: _l("中等体力"),
    PhysicalIntensity.heavy.value: _l("重体力"),
}
EMPLOYER_KIND_LABELS = {
    EmployerKind.enterprise.value: _l("企业"),
    EmployerKind.cooperative.value: _l("合作社"),
    EmployerKind.village_collective.value: _l("村集体"),
    EmployerKind.workshop_operator.value: _l("车间经营主体"),
}
# Errors the service reports on fields the form does not show, shown on the field the user can change.
FIELD_FOR_ERROR = {"remaining_headcount": "headcount"}
# The fields of an employer registered with the post, and the service's names for them.
NEW_EMPLOYER_FIELDS = {
    "employer_name": "name",
    "employer_kind": "kind",
    "employer_contact_name": "contact_name",
    "employer_contact_phone": "contact_phone",
}


class WholeNumber(IntegerField):
    """An integer; full-width digits are accepted; blank is None."""

    def process_formdata(self, valuelist):
        raw = text.normalize_digits(valuelist[0]) if valuelist else ""
        self.data = None
        if raw:
            try:
                self.data = int(raw)
            except ValueError as error:
                raise ValueError(_l("须为整数")) from error


class Money(DecimalField):
    """An amount in yuan with at most two decimals; blank is None."""

    def process_formdata(self, valuelist):
        raw = text.normalize_digits(valuelist[0]) if valuelist else ""
        self.data = None
        if raw:
            try:
                self.data = Decimal(raw).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError) as error:
                raise ValueError(_l("须为数字，如 3500 或 120.5")) from error


class Coordinate(FloatField):
    def process_formdata(self, valuelist):
        raw = text.normalize_digits(valuelist[0]) if valuelist else ""
        self.data = None
        if raw:
            try:
                self.data = float(raw)
            except ValueError as error:
                raise ValueError(_l("须为数字，如 28.4213")) from error


class Day(DateField):
    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            try:
                self.data = date.fromisoformat(text.normalize_digits(raw).replace("/", "-"))
            except ValueError as error:
                raise ValueError(_l("须为日期，如 2026-12-31")) from error


def _code(opening: Opening) -> str | None:
    return opening.region.code if opening.region else None


def initial(opening: Opening) -> dict:
    """The edit form's values for a stored opening."""
    values = {
        "kind": opening.kind.value,
        "title": opening.title,
        "employer_id": str(opening.employer_id or ""),
        "workshop_id": str(opening.workshop_id or ""),
        "headcount": opening.headcount,
        "deadline": opening.deadline,
        "status": opening.status.value,
        "region_code": _code(opening) or "",
        "site_name": opening.site_name,
        "required_skills": "，".join(opening.required_skills_raw or opening.required_skills or []),
        "age_min": opening.age_min,
        "age_max": opening.age_max,
        "physical_intensity": opening.physical_intensity.value,
        "wage_min": opening.wage_min,
        "wage_max": opening.wage_max,
        "wage_unit": opening.wage_unit.value,
        "working_pattern": opening.working_pattern.value,
        "shuttle": opening.shuttle,
        "organised_transfer": opening.organised_transfer,
        "accommodation": opening.accommodation,
        "description": opening.description,
    }
    region = opening.region
    if region is None or (opening.latitude, opening.longitude) != (region.latitude, region.longitude):
        # Coordinates of their own (a site away from the village's centre) are shown; a village's are implied.
        values |= {"latitude": opening.latitude, "longitude": opening.longitude}
    return values


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class OpeningForm(FlaskForm):
    kind = HiddenField()
    title = StringField(_l("岗位名称"))
    employer_id = SelectField(_l("用工主体"), validate_choice=False)
    # A new employer, registered with the post when employer_id is "new" (or left blank with a name typed).
    employer_name = StringField(_l("单位名称"))
    employer_kind = SelectField(_l("类型"), choices=_choices(EMPLOYER_KIND_LABELS), default="enterprise")
    employer_contact_name = StringField(_l("联系人"))
    employer_contact_phone = StringField(_l("联系电话"))
    workshop_id = SelectField(_l("帮扶车间"), validate_choice=False)
    headcount = WholeNumber(_l("招聘人数"))
    deadline = Day(_l("报名截止日期"), description=_l("不填表示长期有效"))
    status = SelectField(_l("状态"), choices=_choices(STATUS_LABELS), default="open")
    region_code = SelectField(_l("工作地点（村）"), validate_choice=False)
    site_name = StringField(_l("地点名称"), description=_l("县外或不在村里的工作地点，如“宁波市北仑区某厂区”"))
    latitude = Coordinate(_l("纬度"))
    longitude = Coordinate(_l("经度"))
    required_skills = StringField(
        _l("所需技能"), description=_l("多个技能用逗号分隔；写法不限，如“做衣服”会对应到“缝纫工”")
    )
    age_min = WholeNumber(_l("最低年龄"))
    age_max = WholeNumber(_l("最高年龄"))
    physical_intensity = SelectField(_l("体力强度"), choices=_choices(INTENSITY_LABELS), default="medium")
    wage_min = Money(_l("最低工资"))
    wage_max = Money(_l("最高工资"))
    wage_unit = SelectField(_l("工资单位"), choices=_choices(WAGE_UNIT_LABELS), default="month")
    working_pattern = SelectField(_l("工作方式"), choices=_choices(PATTERN_LABELS), default="full_time")
    shuttle = BooleanField(_l("有班车接送"))
    organised_transfer = BooleanField(_l("组织外出转移就业（统一接送）"))
    accommodation = BooleanField(_l("提供住宿"))
    description = TextAreaField(_l("岗位说明"))
    # Sent by the "save anyway" button of the warning about an identical open post.
    confirm_duplicate = BooleanField()

    def service_data(self, opening: Opening | None = None) -> dict:
        """What the service takes (the same fields as the API's OpeningIn); blanks left out where a default serves."""
        kind = self.kind.data
        data: dict = {
            "kind": kind,
            "title": self.title.data or "",
            "headcount": self.headcount.data,
            "deadline": self.deadline.data,
            "region_code": self.region_code.data or None,
            "site_name": self.site_name.data or None,
            "required_skills": self.required_skills.data or "",
            "physical_intensity": self.physical_intensity.data,
            "wage_min": self.wage_min.data,
            "wage_max": self.wage_max.data,
            "wage_unit": self.wage_unit.data,
            "working_pattern": self.working_pattern.data,
            "shuttle": self.shuttle.data,
            "organised_transfer": self.organised_transfer.data,
            "accommodation": self.accommodation.data,
            "description": self.description.data or None,
        }
        if kind == OpeningKind.workshop:
            data["workshop_id"] = int(self.workshop_id.data) if (self.workshop_id.data or "").isdigit() else None
        else:
            # "new" is no id: the service gives the post the id of the employer it registers.
            data["employer_id"] = int(self.employer_id.data) if (self.employer_id.data or "").isdigit() else None
        for key in ("age_min", "age_max"):
            if self[key].data is not None:
                data[key] = self[key].data
        site = (self.latitude.data, self.longitude.data)
        if (
            opening is not None
            and data["region_code"] != _code(opening)
            and site == (opening.latitude, opening.longitude)
        ):
            # A new village with the old coordinates left as they were: the site moves to the village.
            site = (None, None)
        if site != (None, None) or opening is not None:
            data |= {"latitude": site[0], "longitude": site[1]}
        if opening is not None:
            data["status"] = self.status.data
            if data["headcount"] is None:
                del data["headcount"]
        return data

    def new_employer(self) -> dict | None:
        """The employer to register with the post: chosen as "new", or a name typed with no employer chosen."""
        if self.kind.data == OpeningKind.workshop:
            return None
        chosen = self.employer_id.data or ""
        if chosen != NEW and not (chosen == "" and (self.employer_name.data or "").strip()):
            return None
        data = {name: self[field].data or None for field, name in NEW_EMPLOYER_FIELDS.items()}
        return data | {"name": data["name"] or "", "kind": self.employer_kind.data}

    def add_service_errors(self, errors, language: str) -> list[str]:
        """Put each FieldError under its field, in the page's language; returns those that belong to no field."""
        general = []
        for error in errors:
            message = error.zh if language == "zh" else error.en
            name = FIELD_FOR_ERROR.get(error.field, error.field)
            if name.startswith(NEW_EMPLOYER):
                name = "employer_" + name.removeprefix(NEW_EMPLOYER)
            if name in self._fields and name not in ("kind", "csrf_token"):
                if not self[name].errors:  # one message per field: the first the service gives
                    self[name].errors = [message]
            else:
                general.append(message)
        return general
