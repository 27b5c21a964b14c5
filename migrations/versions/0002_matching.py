"""matching: skill codes and change watermarks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:07:09.318479

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    for table in ("households", "referrals", "employments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_updated_at", ["updated_at"], unique=False)
    with op.batch_alter_table('laborers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skill_codes', sa.JSON(), nullable=True))
        batch_op.create_index('ix_laborers_updated_at', ['updated_at'], unique=False)

    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_skill_codes', sa.JSON(), nullable=True))
        batch_op.create_index('ix_openings_updated_at', ['updated_at'], unique=False)



def downgrade():
    for table in ("households", "referrals", "employments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_updated_at")
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_index('ix_openings_updated_at')
        batch_op.drop_column('required_skill_codes')

    with op.batch_alter_table('laborers', schema=None) as batch_op:
        batch_op.drop_index('ix_laborers_updated_at')
        batch_op.drop_column('skill_codes')

