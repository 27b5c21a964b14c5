"""Forms of the login and admin pages (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

ROLE_CHOICES = [
    SelectChoice("bureau", "县人社局 · bureau"),
    SelectChoice("cadre", "村干部 · cadre"),
    SelectChoice("manager", "车间负责人 · manager"),
    SelectChoice("admin", "系统管理员 · admin"),
]


class LoginForm(FlaskForm):
    name = StringField("登录名 · Login name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码 · Password", validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logging out is a POST with a CSRF token, so no other site can log a user out."""


class UserForm(FlaskForm):
    name = StringField("登录名 · Login name", validators=[DataRequired(), Length(max=64)])
    display_name = StringField("姓名 · Name", validators=[Optional(), Length(max=64)])
    role = SelectField("角色 · Role", choices=ROLE_CHOICES)
    region_codes = StringField(
        "管辖区划代码 · Region codes",
        description="县人社局填县代码；村干部填行政村代码，多个用逗号分隔",
        validators=[Optional(), Length(max=2000)],
    )
    workshop_id = IntegerField("车间编号 · Workshop id", validators=[Optional()])
    password = PasswordField(
        "新密码 · New password",
        description="留空则自动生成并显示一次",
        validators=[Optional(), Length(min=10, max=128)],
    )
    active = BooleanField("启用 · Active", default=True)


class TokenForm(FlaskForm):
    user_id = SelectField("用户 · User", coerce=int)
    label = StringField("用途 · Label", validators=[DataRequired(), Length(max=64)])


class RevokeForm(FlaskForm):
    """A button that revokes one token."""
