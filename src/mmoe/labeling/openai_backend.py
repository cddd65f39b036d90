"""``openai`` backend: any OpenAI-compatible chat endpoint (``vllm serve``, a hosted API).

Requests run concurrently (at most ``concurrency`` at once) and are retried with exponential
backoff and jitter on 408, 429, 5xx, timeouts, connection errors and malformed bodies; any other
4xx (e.g. ``top_logprobs`` above the server's maximum) stops the run at once, unretried. P(Yes)
comes from the first answer token's ``top_logprobs``, or, with ``logprob_token_ids`` (vLLM
servers), from exactly the answer tokens of the model's vocabulary. The API key is read from the
environment variable named by ``api_key_env`` and only ever placed in the request header.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
from collections.abc import Callable, Sequence

from mmoe.labeling.answers import answer_token_ids, token_label, yes_probability
from mmoe.labeling.chat import ChatBackend, Completion

RETRIED_4XX = {408, 429}
TOKEN_ID_PREFIX = "token_id:"  # vLLM's spelling of a token with return_tokens_as_token_ids


class RetryableError(Exception):
    """A failure worth trying again (rate limit, server error, malformed body)."""

    def __init__(self, kind: str, retry_after: float | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.retry_after = retry_after


class RequestRejected(RuntimeError):
    """The server refused a request for a reason retrying cannot fix (a 4xx other than 408/429)."""


def _labeler(answer_ids: dict[int, int] | None) -> Callable[[str], int | None]:
    """Token (string) -> label: by vLLM token id when ``answer_ids`` is given, else by spelling."""
    if answer_ids is None:
        return token_label

    def label(token: str) -> int | None:
        if not token.startswith(TOKEN_ID_PREFIX):
            return None
        return answer_ids.get(int(token.removeprefix(TOKEN_ID_PREFIX)))

    return label


def parse_completion(
    body: bytes, logprobs: bool, answer_ids: dict[int, int] | None = None
) -> tuple[Completion, dict]:
    """The answer and the usage from a chat-completions response body; raises RetryableError.

    With ``answer_ids`` (requested as ``logprob_token_ids``), every requested id must come back
    in the first token's ``top_logprobs``; otherwise P(Yes) is NaN and the answer is marked.
    """
    try:
        data = json.loads(body)
        choice = data["choices"][0]
        text = choice["message"]["content"]
        if text is not None and not isinstance(text, str):
            raise TypeError("content is not a string")
        p, missing = math.nan, False
        content = (choice.get("logprobs") or {}).get("content") or []
        if logprobs and content:
            first = content[0]
            tokens = {item["token"]: item["logprob"] for item in first.get("top_logprobs") or []}
            tokens.setdefault(first["token"], first["logprob"])
            label = _labeler(answer_ids)
            if answer_ids is not None:
                returned = {t for t in tokens if label(t) is not None}
                missing = len(returned) < len(answer_ids)
            p = math.nan if missing else yes_probability(tokens, label)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise RetryableError("malformed body") from exc
    return Completion(text=text, p=p, missing_logprobs=missing), data.get("usage") or {}


class OpenAIBackend(ChatBackend):
    """Params (besides :class:`ChatBackend`'s): ``base_url`` (default the OpenAI API),
    ``api_key_env`` (default ``OPENAI_API_KEY``; no key is sent when it is unset),
    ``concurrency`` (32), ``timeout`` (60 s), ``max_retries`` (6), ``backoff`` (0.5 s, doubled
    per retry, at most ``max_backoff`` 30 s), ``top_logprobs`` (20, the OpenAI maximum),
    ``logprob_token_ids`` (false; true for a vLLM server: ask for the answer tokens' logprobs by
    id, the ids read from ``tokenizer``, a local folder, default ``model``), ``extra_body``
    (merged into each request, e.g. ``{"chat_template_kwargs": {"enable_thinking": false}}``)."""

    name = "openai"

    def __init__(self, params: dict, seed: int) -> None:
        super().__init__(params, seed)
        self.base_url = str(params.get("base_url", "https://api.openai.com/v1")).rstrip("/")
        self.api_key_env = str(params.get("api_key_env", "OPENAI_API_KEY"))
        self.concurrency = int(params.get("concurrency", 32))
        self.timeout = float(params.get("timeout", 60.0))
        self.max_retries = int(params.get("max_retries", 6))
        self.backoff = float(params.get("backoff", 0.5))
        self.max_backoff = float(params.get("max_backoff", 30.0))
        self.top_logprobs = int(params.get("top_logprobs", 20))
        self.by_token_ids = bool(params.get("logprob_token_ids", False))
        self.tokenizer = str(params.get("tokenizer", self.model))
        self.extra_body = dict(params.get("extra_body") or {})
        self.random = random.Random(seed)
        self._answer_ids: dict[int, int] | None = None

    def answer_settings(self) -> dict:
        options = {"top_logprobs": self.top_logprobs, "extra_body": self.extra_body}
        return options | {"logprob_token_ids": self.by_token_ids}

    @property
    def answer_ids(self) -> dict[int, int] | None:
        """The answer tokens' ids (with ``logprob_token_ids``), read from the local tokenizer."""
        if self.by_token_ids and self._answer_ids is None:
            from transformers import AutoTokenizer

            self._answer_ids = answer_token_ids(AutoTokenizer.from_pretrained(self.tokenizer))
        return self._answer_ids

    def complete(
        self,
        conversations: Sequence[list[dict]],
        max_tokens: int,
        logprobs: bool,
        on_result: Callable[[int, Completion], None],
    ) -> None:
        try:
            asyncio.run(self._complete_all(conversations, max_tokens, logprobs, on_result))
        except ExceptionGroup as group:  # from the TaskGroup: raise the first failure itself
            raise group.exceptions[0] from None

    async def _complete_all(self, conversations, max_tokens, logprobs, on_result) -> None:
        import aiohttp  # the ``llm`` extra: only needed once requests are sent

        key = os.environ.get(self.api_key_env)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        pending = iter(range(len(conversations)))
        answer_ids = self.answer_ids if logprobs else None
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.concurrency),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        ) as session:

            async def worker() -> None:
                for index in pending:
                    body = self._body(conversations[index], max_tokens, logprobs, answer_ids)
                    completion = await self._request(
                        session, body, logprobs, answer_ids, aiohttp.ClientError
                    )
                    on_result(index, completion)

            async with asyncio.TaskGroup() as group:  # a RequestRejected cancels the others
                for _ in range(self.concurrency):
                    group.create_task(worker())

    def _body(self, conversation: list[dict], max_tokens: int, logprobs: bool, answer_ids) -> dict:
        body = {"model": self.model, "messages": conversation, "max_completion_tokens": max_tokens}
        body |= {"temperature": 0, "seed": self.seed}
        if logprobs and answer_ids is not None:
            body |= {"logprobs": True, "logprob_token_ids": sorted(answer_ids)}
            body |= {"return_tokens_as_token_ids": True}
        elif logprobs:
            body |= {"logprobs": True, "top_logprobs": self.top_logprobs}
        return body | self.extra_body

    async def _request(self, session, body: dict, logprobs: bool, answer_ids, transport_error):
        """One request with retries; ``transport_error`` is the client's connection error."""
        url = f"{self.base_url}/chat/completions"
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                self.stats.requests += 1
                async with session.post(url, json=body) as response:
                    status, content = response.status, await response.read()
                    retry_after = _seconds(response.headers.get("Retry-After"))
                if status in RETRIED_4XX or status >= 500:
                    raise RetryableError(f"HTTP {status}", retry_after)
                if status >= 400:
                    self.stats.errors[f"HTTP {status}"] += 1
                    raise RequestRejected(
                        f"{url} rejected the request with HTTP {status} (not retried: check the "
                        f"model name and settings such as top_logprobs={self.top_logprobs} "
                        f"against the server's limits): {content[:300].decode(errors='replace')}"
                    )
                completion, usage = parse_completion(content, logprobs, answer_ids)
                self.stats.prompt_tokens += int(usage.get("prompt_tokens") or 0)
                self.stats.completion_tokens += int(usage.get("completion_tokens") or 0)
                return completion
            except RetryableError as exc:
                kind, retry_after = exc.kind, exc.retry_after
            except TimeoutError:
                kind = "timeout"
            except transport_error as exc:
                kind = type(exc).__name__
            self.stats.errors[kind] += 1
            if attempt < self.max_retries:
                self.stats.retries += 1
                await asyncio.sleep(self._delay(attempt, retry_after))
        return Completion(None, error=f"{kind} after {self.max_retries + 1} attempts")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff)
        return min(self.max_backoff, self.backoff * 2**attempt) * (0.5 + self.random.random())


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
