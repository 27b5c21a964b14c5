"""The administrator's home: accounts at a glance and the system's health."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from jobmatch import datakey
from jobmatch.accounts.models import ApiToken, User
from jobmatch.extensions import db
from jobmatch.jobs.models import FAILED, QUEUED, RUNNING, Job
from jobmatch.modelbase import utcnow

# Tokens that end within this many days are listed so they can be renewed in time.
TOKEN_WARNING_DAYS = 14
RECENT_JOBS = 8


def accounts() -> dict:
    """Accounts by role (active and disabled), and tokens that end soon."""
    by_role: dict[str, dict[str, int]] = {}
    for role, active, count in db.session.execute(
        sa.select(User.role, User.active, sa.func.count()).group_by(User.role, User.active)
    ):
        by_role.setdefault(role.value, {"active": 0, "disabled": 0})["active" if active else "disabled"] += count
    now = utcnow()
    ending = db.session.scalars(
        sa.select(ApiToken)
        .where(
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            ApiToken.expires_at <= now + timedelta(days=TOKEN_WARNING_DAYS),
        )
        .order_by(ApiToken.expires_at)
    ).all()
    live_tokens = db.session.scalar(
        sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    )
    return {"by_role": by_role, "tokens_ending": ending, "live_tokens": live_tokens}


def health() -> list[dict]:
    """Each part of the system with ok True/False and what it says (both languages)."""
    from jobmatch.matches.service import serving_model

    checks = []
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks.append(_check("database", True, "数据库可用", "database answers", db.engine.dialect.name))
        ok = datakey.status() == datakey.MATCHES
        checks.append(
            _check(
                "data_key",
                ok,
                "数据密钥可读取已存数据" if ok else "数据密钥与数据不匹配",
                "data key reads the data" if ok else "data key does not match the data",
            )
        )
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        checks.append(_check("database", False, "数据库无法访问", "database unreachable"))
    try:
        version = serving_model().version
        checks.append(_check("ranker", True, "排序模型已加载", "ranker loaded", version))
    except Exception:  # a model file that cannot load: shown, not raised
        checks.append(_check("ranker", False, "排序模型无法加载", "ranker cannot load"))
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.state.in_([QUEUED, RUNNING])))
    failed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Job)
        .where(Job.state == FAILED, Job.finished_at >= utcnow() - timedelta(days=1))
    )
    checks.append(
        _check(
            "jobs",
            failed == 0,
            f"后台任务：{waiting} 个排队或运行中，24 小时内失败 {failed} 个",
            f"background jobs: {waiting} waiting or running, {failed} failed in 24 hours",
        )
    )
    return checks


def _check(name: str, ok: bool, zh: str, en: str, detail: str = "") -> dict:
    return {"name": name, "ok": ok, "zh": zh, "en": en, "detail": detail}


def recent_jobs() -> list[Job]:
    return db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(RECENT_JOBS)).all()
