"""The optional chat model that writes an answer from the passages (ANSWERS_LLM_URL, off by
default): one POST to an OpenAI-compatible `<url>/chat/completions`.

It is only ever given passages of the articles the asker may open (portal.search.answers
picks them from the search service's results, which are filtered by
portal.services.article_access), and told to use nothing else. Any failure (off, refused,
slow, malformed, empty) answers None, and the caller keeps its extractive answer: a model
never decides whether there is an answer, nor which sources are shown."""

import json
import urllib.request
from dataclasses import dataclass

from flask import current_app

RESPONSE_MAX = 256 * 1024  # bytes of the endpoint's answer read at most
ANSWER_MAX = 4000  # characters of a written answer kept
SYSTEM_PROMPT = (
    "You answer a customer's question for a support knowledge base. Use only the passages "
    "given below; do not use any other knowledge. If the passages do not answer the "
    "question, say that you do not know. Answer briefly, in the language of the question "
    "({language}). Do not invent links.")


@dataclass(frozen=True)
class Passage:
    title: str
    url: str
    text: str


def configured() -> bool:
    return bool(current_app.config.get("ANSWERS_LLM_URL"))


def messages(question: str, passages: list[Passage], locale: str) -> list[dict]:
    numbered = "\n\n".join(f"[{n}] {p.title} ({p.url})\n{p.text}"
                           for n, p in enumerate(passages, 1))
    return [{"role": "system", "content": SYSTEM_PROMPT.format(language=locale)},
            {"role": "user", "content": f"Passages:\n\n{numbered}\n\nQuestion: {question}"}]


def write(question: str, passages: list[Passage], locale: str) -> str | None:
    """The model's answer, or None (not configured, no passages, or any error)."""
    config = current_app.config
    base = (config.get("ANSWERS_LLM_URL") or "").rstrip("/")
    if not base.startswith(("http://", "https://")) or not passages:
        return None
    body = json.dumps({"model": config.get("ANSWERS_LLM_MODEL") or "", "temperature": 0,
                       "messages": messages(question, passages, locale)}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if config.get("ANSWERS_LLM_KEY"):
        headers["Authorization"] = f"Bearer {config['ANSWERS_LLM_KEY']}"
    request = urllib.request.Request(f"{base}/chat/completions", data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(  # noqa: S310  (the operator's configured endpoint)
                request, timeout=float(config.get("ANSWERS_LLM_TIMEOUT_SECONDS") or 10)) as resp:
            raw = resp.read(RESPONSE_MAX + 1)
        if len(raw) > RESPONSE_MAX:
            raise ValueError("answer too large")
        text = json.loads(raw)["choices"][0]["message"]["content"]
    except Exception as exc:  # noqa: BLE001  (any failure: the extractive answer stands)
        current_app.logger.warning("chat endpoint failed, extractive answer instead: %s", exc)
        return None
    if not isinstance(text, str) or not text.strip():
        return None
    return text.strip()[:ANSWER_MAX]
