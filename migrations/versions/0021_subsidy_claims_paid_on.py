"""subsidy claims: the day a claim was paid out

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-06 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('subsidy_claims', sa.Column('paid_on', sa.Date(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): no batch rebuild of the table.
    op.execute('ALTER TABLE subsidy_claims DROP COLUMN paid_on')
