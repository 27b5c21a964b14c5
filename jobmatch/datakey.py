"""Is the data key the one the database's personal data was written with?

A lost `instance/data.key` used to be replaced silently by a new key, after which every read
of a laborer failed while /readyz said ok. The database now keeps a check value of the key
(`crypto.key_check_value`, an HMAC that reveals nothing of the key): the app refuses to start
with a key whose check value differs, and /readyz reports it. A database written before the
check value existed gets one at the first start whose key decrypts a stored value.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from jobmatch import crypto
from jobmatch.config import ConfigError
from jobmatch.extensions import db
from jobmatch.modelbase import UTCDateTime, utcnow

log = logging.getLogger(__name__)

# The one row of data_key_checks.
CHECK_ROW_ID = 1

MATCHES = "ok"
MISMATCH = "mismatch"

MISMATCH_MESSAGE = (
    "The data key (JOBMATCH_DATA_KEY, or instance/data.key) does not match the data in the database: "
    "ID numbers, phones and health notes written with another key cannot be read with it. "
    "Start with the key the data was written with (from where it is kept, apart from the backups). "
    "数据密钥（JOBMATCH_DATA_KEY 或 instance/data.key）与数据库中的数据不匹配，"
    "无法读取身份证号、电话和健康状况；请使用写入这些数据时的密钥启动。"
)


class DataKeyCheck(db.Model):
    """The check value of the data key the database's personal data is encrypted with."""

    __tablename__ = "data_key_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_value: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _encrypted_sample() -> str | None:
    """One stored ciphertext, from the first encrypted column that holds any (None in an empty database)."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, crypto.EncryptedText):
                raw = sa.type_coerce(column, sa.Text)
                value = db.session.execute(
                    sa.select(raw).where(raw.like(crypto.CIPHERTEXT_PREFIX + "%")).limit(1)
                ).scalar()
                if value is not None:
                    return value
    return None


def status(ring: crypto.Keyring | None = None, record: bool = False) -> str:
    """MATCHES or MISMATCH for the key (the configured one unless given); with record, a database
    without a check value gets this key's."""
    expected = crypto.key_check_value(ring)
    row = db.session.get(DataKeyCheck, CHECK_ROW_ID)
    if row is not None:
        return MATCHES if hmac.compare_digest(row.check_value, expected) else MISMATCH
    sample = _encrypted_sample()
    if sample is not None and not crypto.reads(sample, ring):
        return MISMATCH
    if record:
        db.session.add(DataKeyCheck(id=CHECK_ROW_ID, check_value=expected))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            # Another worker starting at the same moment wrote it first: compare with theirs.
            db.session.rollback()
            return status(ring)
    return MATCHES


def check_at_start(encoded_key: str) -> None:
    """Refuse to start with a key that does not match the data (ConfigError); a database not there yet passes.

    Checked before the key is installed, so a refused app leaves the process's key as it was.
    """
    try:
        result = status(crypto.keyring_from(encoded_key), record=True)
    except sa.exc.DBAPIError as exc:
        # No schema yet (before `flask db upgrade`) or no database: /readyz reports the latter.
        db.session.rollback()
        log.info("data key not checked at start: %s", type(exc.orig).__name__)
        return
    finally:
        db.session.remove()
        # The check's connection is not kept: an app made and dropped (a command, a test, a gunicorn master
        # before it forks) leaves no connection open, and a refused one none either.
        db.engine.dispose()
    if result == MISMATCH:
        raise ConfigError(MISMATCH_MESSAGE)
