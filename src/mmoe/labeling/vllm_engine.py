"""vLLM's offline engine, in this process or in a worker process of vLLM's own environment.

vLLM pins its own torch and transformers, so it may live in a separate virtual environment
(docs/llm-labeling.md). :class:`LocalEngine` drives ``vllm.LLM`` where vLLM imports;
:class:`WorkerEngine` runs a LocalEngine in ``python -m mmoe.labeling.vllm_worker`` started with
that environment's interpreter, exchanging plain requests and answers over a pipe. Both return
:class:`Generation` records, so the backend does not care where the engine runs.
"""

from __future__ import annotations

import ctypes
import dataclasses
import inspect
import logging
import math
import pickle
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass

from mmoe.labeling.answers import answer_token_ids, yes_probability

log = logging.getLogger(__name__)


@dataclass
class Generation:
    """One conversation's answer: text, P(Yes) (NaN if unknown), token counts, and whether the
    requested answer-token logprobs did not all come back."""

    text: str
    p: float
    prompt_tokens: int
    completion_tokens: int
    missing_logprobs: bool = False


def has_field(cls, name: str) -> bool:
    """Whether ``cls`` (a msgspec struct, dataclass or plain class) takes the field ``name``."""
    fields = getattr(cls, "__struct_fields__", None)
    if fields is None and dataclasses.is_dataclass(cls):
        fields = [field.name for field in dataclasses.fields(cls)]
    if fields is None:
        fields = inspect.signature(cls).parameters
    return name in fields


class LocalEngine:
    """``vllm.LLM(**engine_kwargs)`` in this process (``llm_factory`` and ``sampling_factory``
    default to vLLM's ``LLM`` and ``SamplingParams``; tests pass stand-ins)."""

    def __init__(self, engine_kwargs: dict, llm_factory=None, sampling_factory=None) -> None:
        if llm_factory is None or sampling_factory is None:
            from vllm import LLM, SamplingParams

            llm_factory, sampling_factory = llm_factory or LLM, sampling_factory or SamplingParams
        self.llm = llm_factory(**engine_kwargs)
        self.sampling_factory = sampling_factory
        self.by_token_ids = has_field(sampling_factory, "logprob_token_ids")
        self._answer_ids: dict[int, int] | None = None

    @property
    def answer_ids(self) -> dict[int, int]:
        if self._answer_ids is None:
            self._answer_ids = answer_token_ids(self.llm.get_tokenizer())
        return self._answer_ids

    def sampling(self, max_tokens: int, logprobs: bool, seed: int, top_logprobs: int):
        common = {"temperature": 0.0, "max_tokens": max_tokens, "seed": seed}
        if not logprobs:
            return self.sampling_factory(**common)
        if self.by_token_ids:
            log.info("P(Yes) from logprob_token_ids: %d answer tokens", len(self.answer_ids))
            return self.sampling_factory(**common, logprob_token_ids=sorted(self.answer_ids))
        log.info("SamplingParams has no logprob_token_ids: P(Yes) from the top %d", top_logprobs)
        return self.sampling_factory(**common, logprobs=top_logprobs)

    def generate(
        self,
        conversations: list,
        max_tokens: int,
        logprobs: bool,
        seed: int,
        top_logprobs: int = 20,
        chat_template_kwargs: dict | None = None,
    ) -> list[Generation]:
        """Greedy answers to ``conversations`` (one ``LLM.chat`` call, batched by vLLM)."""
        outputs = self.llm.chat(
            conversations,
            sampling_params=self.sampling(max_tokens, logprobs, seed, top_logprobs),
            use_tqdm=False,
            chat_template_kwargs=chat_template_kwargs,
        )
        return [self._generation(output, logprobs) for output in outputs]

    def _generation(self, output, logprobs: bool) -> Generation:
        sample = output.outputs[0]
        p, missing = math.nan, False
        if logprobs:
            first = {token: entry.logprob for token, entry in (sample.logprobs or [{}])[0].items()}
            missing = self.by_token_ids and not set(self.answer_ids) <= set(first)
            p = math.nan if missing else yes_probability(first, self.answer_ids.get)
        return Generation(
            sample.text, p, len(output.prompt_token_ids or ()), len(sample.token_ids), missing
        )

    def close(self) -> None:
        self.llm = None


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the parent dies (Linux), so no engine is orphaned."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class WorkerEngine:
    """A :class:`LocalEngine` in a worker process run by ``python`` (vLLM's environment).

    The worker's log lines are copied to this process's ``sys.stderr`` (the job's log).
    """

    def __init__(self, python: str, engine_kwargs: dict, grace: float = 15.0) -> None:
        self.python, self.grace = python, grace
        self.process = subprocess.Popen(
            [python, "-m", "mmoe.labeling.vllm_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent,
        )
        self.echo = threading.Thread(target=self._echo, daemon=True)
        self.echo.start()
        self._call("start", engine_kwargs)

    def _echo(self) -> None:
        for line in iter(self.process.stderr.readline, b""):
            sys.stderr.write(line.decode(errors="replace"))

    def generate(self, conversations: list, **options) -> list[Generation]:
        return self._call("generate", {"conversations": conversations, **options})

    def _call(self, method: str, payload):
        try:
            pickle.dump((method, payload), self.process.stdin)
            self.process.stdin.flush()
            status, result = pickle.load(self.process.stdout)
        except (EOFError, BrokenPipeError) as exc:
            code = self.process.wait()
            self.echo.join(timeout=5)
            raise RuntimeError(
                f"the vLLM worker ({self.python}) exited with code {code} during {method}; "
                "its log is above"
            ) from exc
        if status == "error":
            raise RuntimeError(f"the vLLM worker ({self.python}) failed during {method}: {result}")
        return result

    def close(self) -> None:
        """Stop the worker and its engine: end of input, then SIGTERM after ``grace`` seconds
        (a worker still busy with a chunk), then SIGKILL."""
        self.process.stdin.close()
        for stop in (None, self.process.terminate, self.process.kill):
            if stop is not None:
                stop()
            try:
                self.process.wait(timeout=self.grace)
                break
            except subprocess.TimeoutExpired:
                continue
        self.echo.join(timeout=5)
        self.process.stdout.close()
        self.process.stderr.close()


def open_engine(engine_kwargs: dict, python: str | None = None):
    """A :class:`WorkerEngine` run by ``python`` if given, else a :class:`LocalEngine`."""
    return WorkerEngine(python, engine_kwargs) if python else LocalEngine(engine_kwargs)
