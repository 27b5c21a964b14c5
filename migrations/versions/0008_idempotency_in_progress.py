"""idempotency keys: reserved before the work starts (no answer yet while it runs)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.alter_column('status_code', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('response', existing_type=sa.JSON(), nullable=True)


def downgrade():
    op.execute("DELETE FROM idempotent_requests WHERE status_code IS NULL")
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.alter_column('response', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('status_code', existing_type=sa.Integer(), nullable=False)
