"""Forms of the login and admin pages (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from jobmatch.accounts.tokens import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS

# What each role is called on the pages (translated when the page is drawn).
ROLE_LABELS = {
    "bureau": _l("县人社局"),
    "cadre": _l("村干部"),
    "manager": _l("车间负责人"),
    "admin": _l("系统管理员"),
}
ROLE_CHOICES = [SelectChoice(code, label) for code, label in ROLE_LABELS.items()]


class LoginForm(FlaskForm):
    name = StringField(_l("登录名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logging out is a POST with a CSRF token, so no other site can log a user out."""


class UserForm(FlaskForm):
    name = StringField(_l("登录名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("角色"), choices=ROLE_CHOICES)
    # Picked by name (jobmatch/admin/pickers.py); the values are division codes and workshop ids.
    regions = SelectMultipleField(
        _l("管辖范围"),
        description=_l("县人社局选县；村干部选一个或多个行政村（可输入名称或拼音首字母查找）"),
        validate_choice=False,
    )
    workshop_id = SelectField(
        _l("车间"),
        description=_l("车间负责人管理的车间"),
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
        validate_choice=False,
    )
    password = PasswordField(
        _l("新密码"),
        description=_l("留空则自动生成并显示一次"),
        validators=[Optional(), Length(min=10, max=128)],
    )
    active = BooleanField(_l("启用"), default=True)


class TokenForm(FlaskForm):
    user_id = SelectField(_l("用户"), coerce=int)
    label = StringField(_l("用途"), validators=[DataRequired(), Length(max=64)])
    expires_in_days = IntegerField(
        _l("有效天数"),
        default=DEFAULT_TOKEN_DAYS,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_TOKEN_DAYS)],
    )


class RevokeForm(FlaskForm):
    """A button that revokes one token."""
