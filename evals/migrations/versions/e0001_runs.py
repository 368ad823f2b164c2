"""evals: runs and per-case results

Revision ID: e0001_runs
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from replydesk.db import UTCDateTime

revision = "e0001_runs"
down_revision = None
branch_labels = ("evals",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.String(64)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("dataset", sa.Text, nullable=False),
        sa.Column("dataset_hash", sa.String(64), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("code_version", sa.String(100), nullable=False),
        sa.Column("out_dir", sa.Text, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_eval_runs"),
    )
    op.create_table(
        "eval_case_results",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_eval_case_results"),
        sa.ForeignKeyConstraint(["run_id"], ["eval_runs.id"], ondelete="CASCADE",
                                name="fk_eval_case_results_run_id_eval_runs"),
    )
    op.create_index("ix_eval_case_results_run_id", "eval_case_results", ["run_id"])


def downgrade() -> None:
    op.drop_table("eval_case_results")
    op.drop_table("eval_runs")
