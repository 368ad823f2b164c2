"""Demo knowledge base of the fictitious telecom FunkWerk (German and English articles) and its brand policy.

The demo brand's policy lives here with its data (``demo/policy.yaml``), not in library code: ``load_demo``
installs it as ``<data_dir>/policy.yaml`` (the installation's policy, see ``guardrails.policy.load_policy``) when
that data directory has none yet, so the demo drafts as FunkWerk while the shipped default stays brand-neutral.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).parent / "demo"
DEMO_ARTICLES = DEMO_DIR / "articles"
DEMO_POLICY = DEMO_DIR / "policy.yaml"
_DEMO_MARK = "# Demo brand policy: FunkWerk"


def install_demo_policy(settings=None) -> str:
    """Make the demo brand's policy the data directory's policy, unless the admin configured another one."""
    from replydesk.settings import get_settings

    settings = settings or get_settings()
    if settings.policy_path is not None:
        return f"policy {settings.policy_path} (REPLYDESK_POLICY_PATH) kept"
    target = Path(settings.data_dir) / "policy.yaml"
    if target.is_file() and not target.read_text(encoding="utf-8").startswith(_DEMO_MARK):
        return f"policy {target} kept (not the demo's)"
    text = DEMO_POLICY.read_text(encoding="utf-8")
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return f"demo policy at {target}"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return f"demo policy installed at {target}"


def load_demo(db) -> str:
    from knowledge_base.service import KnowledgeBase

    policy = install_demo_policy()
    kb = KnowledgeBase.open(db)
    if not DEMO_ARTICLES.is_dir() or not any(DEMO_ARTICLES.glob("*.md")):
        return "no demo articles shipped"
    change = kb.import_path(DEMO_ARTICLES)
    report = kb.sync()  # also repairs an index that lost data
    status = kb.index_status()
    return (f"{len(change.created)} articles new, {len(change.updated)} updated, {len(change.unchanged)} "
            f"unchanged; index {status.chunks_indexed} chunks, {len(status.stale_articles)} stale"
            + (f" ({report.embedded} re-embedded)" if report.embedded else "") + f"; {policy}")
