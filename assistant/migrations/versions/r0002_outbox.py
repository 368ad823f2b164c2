"""review: the approvals table becomes the transactional outbox (queued state, retry schedule, posting lease)

Revision ID: r0002_outbox
Revises: r0001_review
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from replydesk.db import UTCDateTime

revision = "r0002_outbox"
down_revision = "r0001_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime))
        batch.add_column(sa.Column("lease_until", UTCDateTime))
        batch.add_column(sa.Column("claimed_by", sa.String(100)))
        batch.add_column(sa.Column("maybe_sent", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("followup_days", sa.Integer))
        batch.create_index("ix_approvals_due", ["state", "next_attempt_at"])
    approvals = sa.table("approvals", sa.column("state", sa.String), sa.column("next_attempt_at", UTCDateTime),
                         sa.column("created_at", UTCDateTime), sa.column("maybe_sent", sa.Boolean))
    # approved-but-not-posted rows are queued now (due at once); a row a dead process left in 'posting' has no
    # lease, so the sweeper reclaims it (its outcome is unknown: maybe sent); failed rows stay for a manual retry
    op.execute(approvals.update().where(approvals.c.state == "approved")
               .values(state="queued", next_attempt_at=approvals.c.created_at))
    op.execute(approvals.update().where(approvals.c.state == "posting").values(maybe_sent=sa.true()))


def downgrade() -> None:
    approvals = sa.table("approvals", sa.column("state", sa.String))
    op.execute(approvals.update().where(approvals.c.state == "queued").values(state="approved"))
    with op.batch_alter_table("approvals") as batch:
        batch.drop_index("ix_approvals_due")
        batch.drop_column("followup_days")
        batch.drop_column("maybe_sent")
        batch.drop_column("claimed_by")
        batch.drop_column("lease_until")
        batch.drop_column("next_attempt_at")
