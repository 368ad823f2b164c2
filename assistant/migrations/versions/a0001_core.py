"""assistant core: customers, handles, records, messages, drafts, audit

Revision ID: a0001_core
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from replydesk.db import UTCDateTime

revision = "a0001_core"
down_revision = None
branch_labels = ("assistant",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("address_form", sa.String(8)),
        sa.Column("tier", sa.String(32)),
        sa.Column("followers", sa.Integer, nullable=False),
        sa.Column("dm_allowed", sa.Boolean, nullable=False),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(64)),
        sa.Column("postal_address", sa.Text),
        sa.Column("birth_date", sa.String(16)),
        sa.Column("notes", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )
    op.create_table(
        "customer_handles",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("handle", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_handles"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], ondelete="CASCADE",
            name="fk_customer_handles_customer_id_customers",
        ),
        sa.UniqueConstraint("channel", "handle", name="uq_customer_handles_channel"),
    )
    op.create_index("ix_customer_handles_customer_id", "customer_handles", ["customer_id"])
    op.create_table(
        "customer_records",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("status", sa.String(64)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("occurred_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_customer_records"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], ondelete="CASCADE",
            name="fk_customer_records_customer_id_customers",
        ),
    )
    op.create_index("ix_customer_records_customer_id", "customer_records", ["customer_id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64)),
        sa.Column("external_id", sa.String(200)),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("author_handle", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("thread_id", sa.String(200)),
        sa.Column("parent_id", sa.String(200)),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("raw", sa.JSON, nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("triage", sa.JSON, nullable=False),
        sa.Column("sla_due_at", UTCDateTime),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], ondelete="SET NULL",
            name="fk_messages_customer_id_customers",
        ),
        sa.UniqueConstraint("external_id", name="uq_messages_external_id"),
    )
    op.create_index("ix_messages_status_sla", "messages", ["status", "sla_due_at"])
    op.create_index("ix_messages_thread_id", "messages", ["thread_id"])
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("needs_human", sa.Boolean, nullable=False),
        sa.Column("fallback_reason", sa.Text),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("tokens_in", sa.Integer, nullable=False),
        sa.Column("tokens_out", sa.Integer, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], ondelete="CASCADE", name="fk_drafts_message_id_messages"
        ),
        sa.UniqueConstraint("message_id", "version", name="uq_drafts_message_id"),
    )
    op.create_index("ix_drafts_message_id", "drafts", ["message_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(64)),
        sa.Column("draft_id", sa.Integer),
        sa.Column("data", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_message_id", "audit_events", ["message_id"])


def downgrade() -> None:
    for table in ("audit_events", "drafts", "messages", "customer_records", "customer_handles", "customers"):
        op.drop_table(table)
