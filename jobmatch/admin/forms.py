"""Forms of the administrator's pages (each carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from jobmatch.matches.synonyms import MAX_SYNONYM_CHARS


class ButtonForm(FlaskForm):
    """A button that changes something (train, roll back): only its CSRF token."""


class PromoteForm(FlaskForm):
    version = HiddenField(validators=[DataRequired(), Length(max=64)])


class SynonymForm(FlaskForm):
    skill_code = SelectField(_l("技能"), description=_l("按类别分组；可先在上方搜索"), validate_choice=False)
    synonym = StringField(
        _l("新的写法"),
        description=_l("例如 踩衣车；保存后所有匹配立即使用"),
        validators=[DataRequired(), Length(max=MAX_SYNONYM_CHARS * 2)],
    )
