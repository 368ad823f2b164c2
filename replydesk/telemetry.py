"""Turn off every library's telemetry before any of them is imported.

replydesk is offline first: nothing may phone home. Chroma (posthog), Streamlit (usage stats),
LangChain/LangSmith (tracing), Hugging Face hub and others read these variables at import time, so this
module runs from ``replydesk/__init__.py``.
"""

from __future__ import annotations

import os

_OFF = {
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "CHROMA_TELEMETRY": "False",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "STREAMLIT_SERVER_HEADLESS": "true",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING": "false",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
    "POSTHOG_DISABLED": "1",
    "OTEL_SDK_DISABLED": "true",
}


def disable_telemetry() -> dict[str, str]:
    """Set the opt-out variables (without overriding an explicit user choice to keep them off)."""
    for key, value in _OFF.items():
        os.environ.setdefault(key, value)
    return dict(_OFF)
