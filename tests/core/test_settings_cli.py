from __future__ import annotations

import json

from typer.testing import CliRunner

from replydesk.cli import app


def test_config_masks_secrets(data_dir, monkeypatch):
    from replydesk.settings import reset_settings_cache

    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("REPLYDESK_DATABASE_URL", "postgresql+psycopg://u:hunter2pw@db.example/x")
    reset_settings_cache()
    result = CliRunner().invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    assert secret not in result.output and "hunter2pw" not in result.output
    values = json.loads(result.output)
    assert values["llm_api_key"] == "**********"
    assert values["effective_database_url"] == "postgresql+psycopg://u:***@db.example/x"
    result = CliRunner().invoke(app, ["config"])
    assert secret not in result.output and "hunter2pw" not in result.output


def test_toml_file_is_read(data_dir, tmp_path, monkeypatch):
    from replydesk.settings import get_settings, reset_settings_cache

    (tmp_path / "replydesk.toml").write_text('llm_model = "llama3.1"\nui_language = "en"\n')
    reset_settings_cache()
    s = get_settings()
    assert s.llm_model == "llama3.1" and s.ui_language == "en"
    monkeypatch.setenv("REPLYDESK_LLM_MODEL", "qwen")
    reset_settings_cache()
    assert get_settings().llm_model == "qwen"  # env wins over the file


def test_telemetry_is_off():
    import os

    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def test_config_masks_webhook_and_chroma_urls(data_dir, monkeypatch):
    """Issue 12 item 17: URLs that carry tokens are shown as scheme://host[:port]/*** only."""
    from replydesk.settings import reset_settings_cache

    monkeypatch.setenv("REPLYDESK_WEBHOOK_URL", "https://hooks.example.com/services/T0KEN-s3cr3t?sig=q-s3cr3t")
    monkeypatch.setenv("REPLYDESK_CHROMA_URL", "https://admin:pw-s3cr3t@chroma.example.net:8443/?token=c-s3cr3t")
    reset_settings_cache()
    result = CliRunner().invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    assert "s3cr3t" not in result.output and "admin" not in result.output, result.output
    values = json.loads(result.output)
    assert values["webhook_url"] == "https://hooks.example.com/***"
    assert values["chroma_url"] == "https://chroma.example.net:8443/***"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["config"])
    assert result.exit_code == 0 and "s3cr3t" not in result.output and "hooks.example.com" in result.output
