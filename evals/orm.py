"""Stored evaluation runs: config, code version, data-set hash, engine, summary, per-case results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from replydesk.db import Base, UTCDateTime, utcnow


class EvalRun(Base):
    __tablename__ = "eval_runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dataset: Mapped[str] = mapped_column(Text)
    dataset_hash: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(32))
    code_version: Mapped[str] = mapped_column(String(100))
    out_dir: Mapped[str] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EvalCaseResult(Base):
    __tablename__ = "eval_case_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(String(100))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
