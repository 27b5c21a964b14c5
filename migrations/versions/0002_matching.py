"""matching: skill codes, change watermarks, skill synonyms

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
    op.create_table(
        "skill_synonyms",
        sa.Column("skill_code", sa.String(length=64), nullable=False),
        sa.Column("synonym", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_skill_synonyms_created_by_id_users")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_skill_synonyms_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_synonyms")),
        sa.UniqueConstraint("synonym", name=op.f("uq_skill_synonyms_synonym")),
    )
    with op.batch_alter_table("skill_synonyms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skill_synonyms_skill_code"), ["skill_code"], unique=False)
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
    op.drop_table("skill_synonyms")
    for table in ("households", "referrals", "employments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_updated_at")
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_index('ix_openings_updated_at')
        batch_op.drop_column('required_skill_codes')

    with op.batch_alter_table('laborers', schema=None) as batch_op:
        batch_op.drop_index('ix_laborers_updated_at')
        batch_op.drop_column('skill_codes')

