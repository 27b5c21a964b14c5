"""The bureau's forms: workshops, employers, and the small forms of claims and month closing.

As with the opening form (jobmatch/posts/forms.py), only parsing is checked here; every rule is the
service's, whose field errors come back under the field they name.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from jobmatch.posts.forms import EMPLOYER_KIND_LABELS, Coordinate, Day, WholeNumber
from jobmatch.posts.models import Employer
from jobmatch.vocab import CertificationStatus, WageMode
from workshops.models import Workshop

WAGE_MODE_LABELS = {
    WageMode.piece.value: _l("计件"),
    WageMode.day.value: _l("计日"),
    WageMode.month.value: _l("计月"),
}
CERTIFICATION_LABELS = {
    CertificationStatus.applied.value: _l("申请认定中"),
    CertificationStatus.certified.value: _l("已认定"),
    CertificationStatus.suspended.value: _l("暂停认定"),
}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class ServiceErrors:
    """Puts the service's FieldErrors under the form's fields; returns those that belong to no field."""

    FIELD_FOR_ERROR: dict[str, str] = {}

    def add_service_errors(self, errors, language: str) -> list[str]:
        general = []
        for error in errors:
            message = error.zh if language == "zh" else error.en
            name = self.FIELD_FOR_ERROR.get(error.field, error.field)
            if name in self._fields and name != "csrf_token":
                if not self[name].errors:
                    self[name].errors = [message]
            else:
                general.append(message)
        return general


def _id_or_none(raw: str | None) -> int | None:
    return int(raw) if (raw or "").isdigit() else None


class WorkshopForm(ServiceErrors, FlaskForm):
    name = StringField(_l("车间名称"))
    operator_id = SelectField(_l("经营主体"), validate_choice=False)
    village_code = SelectField(_l("所在村"), validate_choice=False)
    address = StringField(_l("地址"))
    latitude = Coordinate(_l("纬度"), description=_l("不填时用所在村的位置"))
    longitude = Coordinate(_l("经度"))
    products = StringField(_l("主要产品"), description=_l("如：服装加工、电子元件组装"))
    capacity = WholeNumber(_l("可容纳人数"))
    wage_mode = SelectField(_l("计酬方式"), choices=_choices(WAGE_MODE_LABELS), default="piece")
    flexible_hours = BooleanField(_l("弹性工时"), default=True)
    home_piecework = BooleanField(_l("可带回家做（居家计件）"))

    def service_data(self) -> dict:
        """What workshops.service.save_workshop takes (the API's WorkshopIn)."""
        return {
            "name": self.name.data or "",
            "operator_id": _id_or_none(self.operator_id.data),
            "village_code": self.village_code.data or "",
            "address": self.address.data or None,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "products": self.products.data or None,
            "capacity": self.capacity.data,
            "wage_mode": self.wage_mode.data,
            "flexible_hours": self.flexible_hours.data,
            "home_piecework": self.home_piecework.data,
        }


def workshop_initial(workshop: Workshop) -> dict:
    return {
        "name": workshop.name,
        "operator_id": str(workshop.operator_id or ""),
        "village_code": workshop.village.code,
        "address": workshop.address,
        "latitude": workshop.latitude,
        "longitude": workshop.longitude,
        "products": workshop.products,
        "capacity": workshop.capacity,
        "wage_mode": workshop.wage_mode.value,
        "flexible_hours": workshop.flexible_hours,
        "home_piecework": workshop.home_piecework,
    }


class EmployerForm(ServiceErrors, FlaskForm):
    name = StringField(_l("名称"))
    kind = SelectField(_l("类型"), choices=_choices(EMPLOYER_KIND_LABELS), default="enterprise")
    credit_code = StringField(_l("统一社会信用代码"), description=_l("18 位，可不填"))
    region_code = SelectField(_l("所在村"), validate_choice=False, description=_l("县外的用工主体可不填"))
    address = StringField(_l("地址"))
    contact_name = StringField(_l("联系人"))
    contact_phone = StringField(_l("联系电话"))

    def service_data(self, employer: Employer | None = None) -> dict:
        """What posts.service.save_employer takes (the API's EmployerIn); a blank phone keeps the stored one."""
        data = {
            "name": self.name.data or "",
            "kind": self.kind.data,
            "credit_code": self.credit_code.data or None,
            "region_code": self.region_code.data or None,
            "address": self.address.data or None,
            "contact_name": self.contact_name.data or None,
        }
        if self.contact_phone.data or employer is None:
            data["contact_phone"] = self.contact_phone.data or None
        if employer is not None and data["region_code"] is None and employer.region_id is None:
            del data["region_code"]
        return data


def employer_initial(employer: Employer) -> dict:
    # The phone is not put back into the form: it is personal data, shown masked; typing a new one replaces it.
    return {
        "name": employer.name,
        "kind": employer.kind.value,
        "credit_code": employer.credit_code,
        "region_code": employer.region.code if employer.region else "",
        "address": employer.address,
        "contact_name": employer.contact_name,
    }


class CertificationForm(FlaskForm):
    status = StringField()


class ClaimForm(ServiceErrors, FlaskForm):
    """Record a due subsidy as claimed."""

    employment_id = StringField()
    rule_code = StringField()
    claimed_on = Day(_l("申领日期"), description=_l("不填为今天"))


class PaidForm(ServiceErrors, FlaskForm):
    """Record that a claim was paid out."""

    paid_on = Day(_l("发放日期"), description=_l("不填为今天"))


class CloseMonthForm(ServiceErrors, FlaskForm):
    month = StringField(_l("月份"))
    workshop_id = StringField()
    note = StringField(_l("备注"))


class ReopenForm(ServiceErrors, FlaskForm):
    reason = StringField(_l("重新开放的原因"))
