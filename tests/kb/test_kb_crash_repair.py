"""Issue 12 item 12: a ``kill -9`` during ``kb import`` must not leave articles unsearchable for good.

The import writes the articles in one transaction and then syncs the index (embeds the chunks, writes them to
Chroma and to the chunk table). A process killed in between left articles without chunk rows (and vectors without
rows, or rows without vectors); importing the same files again found them "unchanged" and repaired nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from knowledge_base.orm import ArticleRow, ChunkRow, KbMeta

ROOT = Path(__file__).resolve().parents[2]
N_ARTICLES = 320
TOPICS = ["Rechnung", "Lieferung", "Roaming", "Vertrag", "Router", "SIM-Karte", "Tarif", "Störung"]


def _marker(i: int) -> str:
    """A word that occurs in exactly one article (letters only, so no tokenizer splits it)."""
    letters = "".join("bcdfghjklmnpqrstvwxz"[int(d)] for d in f"{i:03d}")
    return f"quorx{letters}vel"


def _write_articles(folder: Path, n: int = N_ARTICLES) -> dict[str, str]:
    folder.mkdir(parents=True)
    markers = {}
    for i in range(n):
        aid = f"crash-article-{i:03d}"
        topic = TOPICS[i % len(TOPICS)]
        markers[aid] = _marker(i)
        (folder / f"{aid}.md").write_text(
            f"---\nid: {aid}\ntitle: {topic} Frage {i}\nlanguage: de\ntags:\n- {topic.lower()}\nchannels: []\n"
            f"status: published\n---\n# {topic} Frage {i}\n## Antwort\nZum Thema {topic}: der Fall {i} wird mit dem "
            f"Verfahren {markers[aid]} geklärt, das in Mein FunkWerk beschrieben ist.\n## Nächster Schritt\n"
            f"Melde dich bei uns, wenn {topic} nach zwei Werktagen noch offen ist.\n",
            encoding="utf-8")
    return markers


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYDESK_") and k != "OPENAI_API_KEY"}
    env.update(REPLYDESK_DATA_DIR=str(data_dir), REPLYDESK_CONFIG=str(data_dir / "none.toml"))
    return env


def _counts(db) -> tuple[int, int, bool]:
    with db.session() as s:
        articles = s.scalar(select(func.count()).select_from(ArticleRow)) or 0
        chunks = s.scalar(select(func.count()).select_from(ChunkRow)) or 0
        synced = s.get(KbMeta, "last_sync") is not None
    return articles, chunks, synced


def test_kill_minus_nine_during_kb_import_then_import_again_repairs_the_index(data_dir, tmp_path):
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import get_database

    folder = tmp_path / "articles"
    markers = _write_articles(folder)
    env = _env(data_dir)
    cmd = [sys.executable, "-m", "replydesk", "kb", "import", str(folder)]
    db = get_database()  # the same SQLite file the subprocess uses (same REPLYDESK_DATA_DIR)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    state = (0, 0, False)
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            state = _counts(db)
        except Exception:  # noqa: BLE001  (tables not created yet)
            state = (0, 0, False)
        if state[0] > 0 and not state[2]:  # the articles are committed, the index sync is still running
            break
        time.sleep(0.02)  # polling interval, not a wait for an outcome
    assert proc.poll() is None, f"import finished before it could be killed: {proc.communicate()[0].decode()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    articles, chunks, synced = _counts(db)
    assert articles == N_ARTICLES and not synced, (articles, chunks, synced)  # killed mid-sync

    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{N_ARTICLES} unchanged" in again.stdout, again.stdout

    kb = KnowledgeBase.open(db)
    with db.session() as s:
        sql_ids = set(s.scalars(select(ChunkRow.id)))
        with_chunks = set(s.scalars(select(ChunkRow.article_id).distinct()))
    assert with_chunks == set(markers), sorted(set(markers) - with_chunks)[:10]
    assert kb.vectors.ids() == sql_ids  # every chunk has its vector, no orphan vector
    status = kb.index_status()
    assert status.stale_articles == [] and status.missing_vectors == 0, status
    unsearchable = [aid for aid, word in markers.items()
                    if aid not in [p.article_id for p in kb.search(f"Verfahren {word}", k=3)]]
    assert unsearchable == [], f"{len(unsearchable)} articles unsearchable, e.g. {unsearchable[:5]}"


def test_vectors_lost_from_chroma_are_re_embedded_by_an_import_a_one_article_edit_or_reindex(data_dir, tmp_path):
    """Chunk rows present, vectors gone (a Chroma write lost): index_status says so, and any sync repairs it."""
    from knowledge_base.models import ArticleIn
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import get_database

    folder = tmp_path / "articles"
    _write_articles(folder, 40)
    db = get_database()
    kb = KnowledgeBase.open(db)
    kb.import_path(folder)
    all_ids = kb.vectors.ids()
    lost = sorted(all_ids)[::3]
    kb.vectors.delete(lost)
    kb._status = None
    assert kb.index_status().missing_vectors == len(lost)

    # An import of unchanged articles repairs it.
    change = kb.import_path(folder)
    assert len(change.unchanged) == 40
    assert kb.vectors.ids() == all_ids and kb.index_status().missing_vectors == 0

    # The sync of a one-article edit repairs vectors lost elsewhere (a cheap id comparison finds them; only the
    # missing ones are embedded, not the whole KB).
    kb.vectors.delete(lost)
    report = kb.sync(["crash-article-000"])
    assert kb.vectors.ids() == all_ids and report.embedded == len(lost), report
    edited = kb.get_article("crash-article-000")
    kb.save(ArticleIn.model_validate(edited.model_dump() | {"body": edited.body + "\nNeu."}))
    assert kb.vectors.ids() == all_ids | {c for c in kb.vectors.ids() if c.startswith("crash-article-000#")}

    # kb reindex repairs it too.
    kb.vectors.delete(lost)
    kb.reindex()
    assert kb.vectors.ids() == all_ids and kb.index_status().missing_vectors == 0
