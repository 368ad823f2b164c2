"""customers: salutation (Herr/Frau/…) for formal greetings by surname

Revision ID: a0002_salutation
Revises: a0001_core
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "a0002_salutation"
down_revision = "a0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("salutation", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("salutation")
