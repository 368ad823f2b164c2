"""A real Streamlit server with the demo data, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYDESK_") and k not in ("OPENAI_API_KEY",)}
    env.update(REPLYDESK_DATA_DIR=str(data_dir), REPLYDESK_CONFIG=str(data_dir / "none.toml"))
    return env


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, request):
    if not Path(CHROMIUM).exists():
        msg = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    env = _env(data_dir)
    env.update(getattr(request.module, "SERVER_ENV", {}))  # e.g. a short queue refresh interval
    subprocess.run([sys.executable, "-m", "replydesk", "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    # wait for the server's own "ready" line (a state, not a sleep); its output is kept for the error message
    seen: list[str] = []
    for line in iter(proc.stdout.readline, b""):
        seen.append(line.decode(errors="replace"))
        if "URL:" in seen[-1]:
            break
    if proc.poll() is not None or not seen or "URL:" not in seen[-1]:
        proc.kill()
        raise RuntimeError("streamlit did not start: " + "".join(seen)[-2000:])
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining so the server never blocks
    assert urllib.request.urlopen(f"{url}/_stcore/health", timeout=30).status == 200
    yield url, data_dir, env
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="de-DE")
    pg = context.new_page()
    pg.set_default_timeout(20000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def login(page, url: str, username: str, password: str = "demo", path: str = "") -> None:
    page.goto(url + path)
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Posteingang").wait_for()


def message_id(data_dir: Path, external_id: str) -> str:
    import sqlite3

    con = sqlite3.connect(data_dir / "replydesk.db")
    try:
        return con.execute("select id from messages where external_id = ?", (external_id,)).fetchone()[0]
    finally:
        con.close()
