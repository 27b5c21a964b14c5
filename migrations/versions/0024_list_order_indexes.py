"""list order indexes: referrals by their latest change, employments by start date (newest first)

The referral and employment lists are read newest first with the id as the tiebreak; without an index in
that order an administrator's every page sorted the province's rows.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 00:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_referrals_state_since_id', 'referrals', ['state_since', 'id'], unique=False)
    op.create_index('ix_employments_start_date_id', 'employments', ['start_date', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_employments_start_date_id', table_name='employments')
    op.drop_index('ix_referrals_state_since_id', table_name='referrals')
