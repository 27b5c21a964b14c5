"""county match settings: each county's village radius (how far "work near home" reaches)

Also clears the skill readings stored with the older dictionary, which now reads general labour
(普工, 杂工, 力工) as no particular skill and reads 修路, 水产养殖, 农产品加工, 箱包制作 and 果树种植
differently: the matching index reads a missing reading from the written skills, and
`codes.backfill()` (run by `flask demo load`, also on a database that has data) stores them again.

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
    op.execute("UPDATE laborers SET skill_codes = NULL")
    op.execute("UPDATE openings SET required_skill_codes = NULL")


def downgrade():
    op.drop_table("county_match_settings")
