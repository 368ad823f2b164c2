"""A queue-driven fake chat model: returns its script in order and fails loudly when the script runs out."""

from __future__ import annotations

from collections import deque
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr


class ScriptExhausted(AssertionError):
    """The code under test called the model more often than the test scripted."""


class ScriptedChatModel(BaseChatModel):
    """Each entry is a reply text, an ``AIMessage``, an exception to raise, or a callable(messages) → text.
    Calls are recorded."""

    script: list[Any]
    _queue: deque = PrivateAttr()
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    def model_post_init(self, __context: Any) -> None:
        self._queue = deque(self.script)

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        return self._calls

    @property
    def remaining(self) -> int:
        return len(self._queue)

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        self._calls.append(list(messages))
        if not self._queue:
            raise ScriptExhausted(f"ScriptedChatModel: script exhausted after {len(self._calls) - 1} call(s); "
                                  "the code called the model more often than the test expected")
        item = self._queue.popleft()
        if isinstance(item, BaseException):
            raise item
        if callable(item):  # a reply computed from the prompt
            item = item(messages)
        message = item if isinstance(item, AIMessage) else AIMessage(
            content=str(item), usage_metadata={"input_tokens": 100, "output_tokens": 40, "total_tokens": 140})
        return ChatResult(generations=[ChatGeneration(message=message)])
