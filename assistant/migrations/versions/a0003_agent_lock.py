"""messages: the agent's lock (locked_by/locked_until), separate from the worker lease (claimed_by/claimed_until)

Revision ID: a0003_agent_lock
Revises: a0002_salutation
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from replydesk.db import UTCDateTime

revision = "a0003_agent_lock"
down_revision = "a0002_salutation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("locked_by", sa.String(100)))
        batch.add_column(sa.Column("locked_until", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("locked_by")
