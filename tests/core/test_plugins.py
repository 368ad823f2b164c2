"""Extension points are entry points (``replydesk.plugins``): a real plugin distribution — a ``*.dist-info`` folder
with ``entry_points.txt`` on ``PYTHONPATH``, exactly what pip installs — adds a guardrail check, a command, a table
with its migration, a posting channel and a drafter; a broken entry point is a clear error naming the entry point
and its distribution, never a silently missing command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
import typer

from guardrails.models import Finding


class NoExclamation:
    """Flags every '!' (a brand that never shouts)."""
    rule_id = "no-exclamation"
    cost = 0

    def __init__(self, policy):
        self.policy = policy

    def __call__(self, draft, ctx):
        i = draft.find("!")
        return [] if i < 0 else [Finding(rule=self.rule_id, severity="warn", message="no '!' please",
                                         start=i, end=i + 1, suggestion=None)]


def register(app: typer.Typer) -> None:
    @app.command("hello")
    def hello(name: str = "world") -> None:
        """Say hello (a plugin command)."""
        typer.echo(f"hello {name} from the plugin")


class MemoryChannel:
    name = "memory"
    posted = []

    def post(self, reply):
        raise NotImplementedError


def memory_channel(settings, db=None):
    return MemoryChannel()


class EchoDrafter:
    name = "echo"

    def draft(self, ctx):
        from assistant.models import DraftProposal
        return DraftProposal(text="echo: " + ctx.request.text, engine="llm", meta={"drafter": self.name})


def echo_drafter(policy, settings):
    return EchoDrafter()
'''

MODELS = '''
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from replydesk.db import Base


class Sticker(Base):
    __tablename__ = "plugin_stickers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
'''

MIGRATION = '''
import sqlalchemy as sa
from alembic import op

revision = "p0001_stickers"
down_revision = None
branch_labels = ("stickerplugin",)
depends_on = None


def upgrade():
    op.create_table("plugin_stickers", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("label", sa.String(40), nullable=False))


def downgrade():
    op.drop_table("plugin_stickers")
'''


def make_distribution(where: Path, name: str, entry_points: str, files: dict[str, str] | None = None) -> Path:
    """A minimal installed distribution: its files plus ``<name>-0.1.dist-info`` (METADATA, entry_points.txt)."""
    for rel, text in (files or {}).items():
        path = where / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    info = where / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points), encoding="utf-8")
    return where


def run_cli(args: list[str], plugin_path: Path, tmp_path: Path, **env_extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(plugin_path), "REPLYDESK_DATA_DIR": str(tmp_path / "data"),
           "REPLYDESK_CONFIG": str(tmp_path / "replydesk.toml"), **env_extra}
    return subprocess.run([sys.executable, "-m", "replydesk", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def plugin(tmp_path):
    return make_distribution(tmp_path / "site", "replydesk-stickers", """
        [replydesk.checks]
        no-exclamation = stickerplugin:NoExclamation

        [replydesk.commands]
        stickers = stickerplugin:register

        [replydesk.models]
        stickers = stickerplugin.models

        [replydesk.migrations]
        stickers = stickerplugin.migrations

        [replydesk.channels]
        memory = stickerplugin:memory_channel

        [replydesk.drafters]
        echo = stickerplugin:echo_drafter
    """, {"stickerplugin/__init__.py": PLUGIN, "stickerplugin/models.py": MODELS,
          "stickerplugin/migrations/versions/p0001_stickers.py": MIGRATION})


def test_a_plugin_distribution_adds_a_check_and_a_command(plugin, tmp_path):
    out = run_cli(["check", "--channel", "twitter", "--visibility", "private", "--lang", "en", "--text",
                   "Your router ships tomorrow by DHL, tracking link in your account!", "--json"], plugin, tmp_path)
    assert out.returncode == 0, out.stderr
    rules = [f["rule"] for f in json.loads(out.stdout)["findings"]]
    assert "no-exclamation" in rules

    out = run_cli(["hello", "--name", "Ada"], plugin, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello Ada from the plugin"
    out = run_cli(["--help"], plugin, tmp_path)
    assert "hello" in out.stdout and "check" in out.stdout and "kb" in out.stdout  # ours are all still there


def test_without_the_plugin_the_check_is_not_there(tmp_path):
    out = run_cli(["check", "--channel", "twitter", "--visibility", "private", "--lang", "en", "--text",
                   "Your router ships tomorrow by DHL, tracking link in your account!", "--json"], tmp_path, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "no-exclamation" not in out.stdout


def test_a_plugin_adds_a_table_with_its_own_migration_a_channel_and_a_drafter(plugin, tmp_path):
    script = f"""
from sqlalchemy import inspect
from replydesk.db import Base, Database, import_all_models
from replydesk.plugins import load
from replydesk.settings import get_settings
from assistant.review.channels import channel_from_settings

db = Database("sqlite:///{tmp_path / 'plugin.db'}")
import_all_models()
drafter = load("drafters", "echo")(None, get_settings())
print(sorted(inspect(db.engine).get_table_names()).count("plugin_stickers"),
      "plugin_stickers" in Base.metadata.tables, type(channel_from_settings()).__name__, drafter.name)
"""
    env = {**os.environ, "PYTHONPATH": str(plugin), "REPLYDESK_DATA_DIR": str(tmp_path / "data"),
           "REPLYDESK_CONFIG": str(tmp_path / "replydesk.toml"), "REPLYDESK_POSTING_CHANNEL": "memory"}
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "True", "MemoryChannel", "echo"]


def test_a_broken_command_entry_point_is_a_clear_error(tmp_path):
    site = make_distribution(tmp_path / "site", "replydesk-typo", """
        [replydesk.commands]
        typo = replydesk_typo_cli:register
    """)
    out = run_cli(["--help"], site, tmp_path)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    err = out.stderr
    assert "'typo'" in err and "replydesk_typo_cli:register" in err and "replydesk-typo 0.1" in err
    assert "replydesk.commands" in err and "No module named 'replydesk_typo_cli'" in err


def test_a_broken_check_is_a_clear_error_not_a_missing_rule(tmp_path):
    site = make_distribution(tmp_path / "site", "replydesk-badcheck", """
        [replydesk.checks]
        shouting = badcheck:Shouting
    """, {"badcheck.py": "class Shout:\n    pass\n"})
    out = run_cli(["check", "--channel", "twitter", "--visibility", "public", "--text", "Hallo!", "--json"],
                  site, tmp_path)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "'shouting'" in out.stderr and "replydesk-badcheck 0.1" in out.stderr and "Shouting" in out.stderr


def test_an_unknown_drafter_or_channel_names_the_installed_ones(data_dir):
    from replydesk.plugins import PluginError, load

    with pytest.raises(PluginError, match=r"no drafter named 'gpt5'.*installed: composer, llm"):
        load("drafters", "gpt5")
    with pytest.raises(PluginError, match=r"no channel named 'fax'.*installed: outbox, webhook"):
        load("channels", "fax")


def test_replydesks_own_parts_are_entry_points():
    from replydesk.plugins import plugins

    assert {p.name for p in plugins("commands")} >= {"kb", "check", "assistant", "privacy", "evals", "api"}
    assert [p.name for p in plugins("demo")][:3] == ["articles", "inbox", "users"]  # the order they must run in
    rules = {"length", "banned-phrase", "dead-end", "tone", "address-form", "no-bare-sorry", "unsupported-claim",
             "unapproved-promise", "structure", "pii-public", "confidential-leak", "language", "relevance"}
    assert rules <= {p.name for p in plugins("checks") if p.own}
    assert {p.name for p in plugins("drafters")} >= {"composer", "llm"}
    assert {p.name for p in plugins("channels")} >= {"outbox", "webhook"}


def test_a_plugin_installed_later_migrates_an_existing_database(plugin, tmp_path):
    """A database already at replydesk's heads still gets a newly installed plugin's revisions (the start-up fast
    path that skips Alembic only skips when the database holds exactly every head)."""
    url = f"sqlite:///{tmp_path / 'later.db'}"
    script = f"from sqlalchemy import inspect; from replydesk.db import Database; " \
             f"print('plugin_stickers' in inspect(Database({url!r}).engine).get_table_names())"
    env = {**os.environ, "REPLYDESK_DATA_DIR": str(tmp_path / "data")}
    before = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip() == "False"
    after = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env={**env, "PYTHONPATH": str(plugin)},
                           capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == "True"
