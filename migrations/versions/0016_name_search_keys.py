"""pinyin search keys for laborers' and household heads' names

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-06 14:20:00

"""
from alembic import op
import sqlalchemy as sa

from jobmatch.text import NAME_KEY_LENGTH, name_search_key


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0012'
branch_labels = None
depends_on = None


def _fill(table: str, source: str, target: str) -> None:
    """Compute the key of every existing row (names are short: one pass in Python)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id, {source} FROM {table}")).all()
    update = sa.text(f"UPDATE {table} SET {target} = :key WHERE id = :id")
    batch = [{"id": row[0], "key": name_search_key(row[1])} for row in rows]
    if batch:
        conn.execute(update, batch)


def upgrade():
    with op.batch_alter_table('laborers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(NAME_KEY_LENGTH), nullable=False, server_default=''))
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_name_key', sa.String(NAME_KEY_LENGTH), nullable=False, server_default=''))
    _fill('laborers', 'name', 'name_key')
    _fill('households', 'head_name', 'head_name_key')


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of households would drop a table
    # that laborers still reference.
    op.execute("ALTER TABLE households DROP COLUMN head_name_key")
    op.execute("ALTER TABLE laborers DROP COLUMN name_key")
