"""Secrets come only from the environment or a secrets folder, as SecretStr, and are never shown."""

from __future__ import annotations

import logging

from typer.testing import CliRunner

SECRETS = {
    "llm_api_key": "sk-live-SECRET-llm-4711",
    "webhook_secret": "whsec-SECRET-0815",
    "database_url": "sqlite:////tmp/replydesk-secret-test/SECRETPATH.db",
}


def test_secrets_dir_is_read_and_masked(data_dir, tmp_path, monkeypatch, caplog):
    from replydesk.cli import app
    from replydesk.settings import get_settings, reset_settings_cache

    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "OPENAI_API_KEY").write_text(SECRETS["llm_api_key"])
    (secrets_dir / "REPLYDESK_WEBHOOK_SECRET").write_text(SECRETS["webhook_secret"])
    monkeypatch.setenv("REPLYDESK_SECRETS_DIR", str(secrets_dir))
    reset_settings_cache()
    settings = get_settings()
    assert settings.llm_api_key.get_secret_value() == SECRETS["llm_api_key"]
    assert settings.webhook_secret.get_secret_value() == SECRETS["webhook_secret"]
    assert SECRETS["llm_api_key"] not in repr(settings) and SECRETS["llm_api_key"] not in str(settings)

    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    for args in (["config"], ["config", "--json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        for secret in (SECRETS["llm_api_key"], SECRETS["webhook_secret"]):
            assert secret not in result.output
    for secret in (SECRETS["llm_api_key"], SECRETS["webhook_secret"]):
        assert secret not in caplog.text


def test_database_password_never_printed(data_dir, monkeypatch):
    from replydesk.cli import app
    from replydesk.settings import reset_settings_cache

    monkeypatch.setenv("REPLYDESK_DATABASE_URL", "postgresql+psycopg://app:S3cr3tPw@db.internal:5432/rd")
    reset_settings_cache()
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 0
    assert "S3cr3tPw" not in result.output and "db.internal" in result.output
