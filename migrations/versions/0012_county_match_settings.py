"""county match settings: each county's village radius (how far "work near home" reaches)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "county_match_settings",
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("village_radius_km", sa.Double(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["regions.id"], name=op.f("fk_county_match_settings_county_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_county_match_settings_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_county_match_settings_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_match_settings")),
        sa.UniqueConstraint("county_id", name=op.f("uq_county_match_settings_county_id")),
    )
    with op.batch_alter_table("county_match_settings", schema=None) as batch_op:
        batch_op.create_index("ix_county_match_settings_updated_at", ["updated_at"], unique=False)


def downgrade():
    op.drop_table("county_match_settings")
