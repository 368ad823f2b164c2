"""HTTP API latency under concurrent load: p50/p95 of ``POST /check`` and ``POST /draft`` with 4 and 16
concurrent clients (httpx, keep-alive) against ``replydesk serve`` running as its own process on loopback,
next to a baseline measured in the same run: the same call in-process without HTTP (ratio = API / baseline).

Run: ``.venv/bin/python benchmarks/bench_api.py [--requests 200]`` (demo knowledge base, composer engine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import replydesk  # noqa: E402,F401

MESSAGES = [
    "Wie setze ich mein Passwort zurück?",
    "Mein Paket ist seit 5 Tagen unterwegs, wo bleibt es?",
    "Why is my invoice higher than last month?",
    "Kein Netz seit heute Morgen in Berlin-Mitte, was ist los?",
    "Does my plan work for roaming in Switzerland?",
    "Ich erreiche niemanden an der Hotline, wie kann ich euch kontaktieren?",
]
DRAFTS = [
    "Hallo Anna, das tut uns leid! Setz dein Passwort unter 'Passwort vergessen' zurück; der Link gilt 24 Stunden. ^AB",
    "Hi Tom, sorry for the trouble. Your parcel is on its way; we'll check the tracking and reply by 5 pm today. ^CS",
    "Das tut uns leid. Wir können da leider nichts weiter tun!!",
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def load(url: str, token: str, path: str, bodies: list[dict], clients: int, total: int) -> tuple[list[float], float]:
    """``total`` requests spread over ``clients`` threads, each with its own keep-alive connection."""
    lat: list[float] = []
    lock = threading.Lock()
    per = total // clients

    def worker(n: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
            mine = []
            for i in range(per):
                body = bodies[(n * per + i) % len(bodies)]
                t = time.perf_counter()
                r = c.post(path, json=body)
                mine.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
            with lock:
                lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, (len(lat) / (time.perf_counter() - t0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=192, help="requests per endpoint and concurrency level")
    args = ap.parse_args()

    from assistant.api.shapes import check_json, draft_json
    from assistant.api.tokens import hash_token
    from assistant.models import DraftRequest
    from assistant.pipeline import Pipeline
    from guardrails.engine import GuardrailEngine
    from guardrails.models import CheckContext
    from knowledge_base.demo import DEMO_ARTICLES
    from replydesk.db import Database
    from replydesk.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    token = "bench-token"
    env = {**os.environ, "REPLYDESK_DATA_DIR": str(tmp), "REPLYDESK_CONFIG": str(tmp / "none.toml"),
           "REPLYDESK_ENGINE": "composer",
           "REPLYDESK_API_TOKENS": json.dumps({"tokens": [{"name": "bench", "roles": ["agent"],
                                                           "sha256": hash_token(token)}]})}
    for var in ("REPLYDESK_DATABASE_URL", "REPLYDESK_CHROMA_URL", "OPENAI_API_KEY", "REPLYDESK_LLM_BASE_URL"):
        env.pop(var, None)
    cli = [sys.executable, "-m", "replydesk"]
    subprocess.run([*cli, "kb", "import", str(DEMO_ARTICLES)], env=env, check=True, capture_output=True)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("replydesk serve did not start")
            time.sleep(0.2)
        print(f"server up (pipeline built and warmed) in {time.perf_counter() - t0:.1f} s; demo KB; 2 cores shared")

        # baseline: the same calls in-process, no HTTP (this process, sequential)
        settings = Settings(data_dir=tmp, engine="composer")
        pipeline = Pipeline.from_settings(Database(settings.effective_database_url), settings, engine="composer")
        engine = GuardrailEngine.from_policy(settings.policy_path)
        check_bodies = [{"text": d, "channel": "twitter", "visibility": "public"} for d in DRAFTS]
        draft_bodies = [{"text": m, "channel": "twitter", "visibility": "public"} for m in MESSAGES]
        for m in MESSAGES:  # warm
            pipeline.run(DraftRequest(text=m, engine="composer"))

        def base_check(b):
            check_json(engine.check(b["text"], CheckContext(channel=b["channel"], visibility=b["visibility"])))

        def base_draft(b):
            draft_json(pipeline.run(DraftRequest(text=b["text"], channel=b["channel"], visibility=b["visibility"])))

        baseline = {}
        for name, fn, bodies, n in (("check", base_check, check_bodies, 600), ("draft", base_draft, draft_bodies, 120)):
            lat = []
            for i in range(n):
                t = time.perf_counter()
                fn(bodies[i % len(bodies)])
                lat.append((time.perf_counter() - t) * 1000)
            baseline[name] = (pct(lat, 0.5), pct(lat, 0.95))
            print(f"in-process {name:5s}: p50 {baseline[name][0]:7.2f} ms  p95 {baseline[name][1]:7.2f} ms")

        print(f"\n{'endpoint':8s} {'clients':>7s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'mean':>7s} {'req/s':>7s} "
              f"{'p50/base':>9s} {'p95/base':>9s}")
        for name, bodies in (("check", check_bodies), ("draft", draft_bodies)):
            load(url, token, "/" + name, bodies, 4, 16)  # warm the connections and the server's caches
            for clients in (1, 4, 16):
                total = args.requests if name == "check" else max(48, args.requests // 2)
                lat, rps = load(url, token, "/" + name, bodies, clients, total)
                p50, p95 = pct(lat, 0.5), pct(lat, 0.95)
                print(f"/{name:7s} {clients:7d} {len(lat):5d} {p50:8.2f} {p95:8.2f} {statistics.mean(lat):7.2f} "
                      f"{rps:7.1f} {p50 / baseline[name][0]:9.1f} {p95 / baseline[name][1]:9.1f}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
