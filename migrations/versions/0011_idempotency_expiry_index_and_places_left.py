"""idempotency keys found for expiry through an index on created_at; openings' places left recomputed

Places left (remaining_headcount) are the headcount less the people employed in the post now; rows
that clients had set otherwise are put right (never below 0).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.create_index('ix_idempotent_requests_created_at', ['created_at'], unique=False)
    hired = (
        "(SELECT count(*) FROM employments"
        " WHERE employments.opening_id = openings.id AND employments.end_date IS NULL)"
    )
    op.execute(
        f"UPDATE openings SET remaining_headcount = CASE WHEN headcount > {hired} THEN headcount - {hired} ELSE 0 END"
        f" WHERE remaining_headcount <> CASE WHEN headcount > {hired} THEN headcount - {hired} ELSE 0 END"
    )


def downgrade():
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotent_requests_created_at')
