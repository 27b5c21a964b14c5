"""GET /me writes its answer itself: it must say what UserOut says of the same user, for every role."""

from __future__ import annotations

import pytest

from jobmatch.accounts.api import UserOut
from jobmatch.accounts.models import User
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow


@pytest.mark.parametrize("role", ["admin", "bureau", "cadre", "manager"])
def test_me_answers_what_the_schema_makes_of_the_user(as_role, county, role):
    user = db.session.get(User, county["users"][role].id)
    user.last_login_at = utcnow()
    user.display_name = "显示名"
    db.session.commit()
    answer = as_role(role).get("/api/v1/me")
    assert answer.status_code == 200
    assert answer.get_json() == UserOut().dump(db.session.get(User, user.id))
    assert answer.get_json()["last_login_at"].endswith("+00:00")
