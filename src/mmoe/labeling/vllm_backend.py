"""``vllm`` backend: vLLM's offline engine inside the job (vLLM is imported lazily).

Rows go to the engine in chunks of ``chunk_rows`` conversations (one ``LLM.chat`` call each,
batched by vLLM), each flushed to the row cache when it ends. Decoding is greedy (temperature 0,
seeded); P(Yes) comes from the first token's logprobs of every vocabulary entry that spells
Yes or No (:mod:`mmoe.labeling.vllm_engine`). With ``python`` set, the engine runs in a worker
process of that interpreter (vLLM's own environment).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from mmoe.labeling.chat import ChatBackend, Completion
from mmoe.labeling.vllm_engine import open_engine

ENGINE_PARAMS = {
    "tensor_parallel_size": 1,
    "max_model_len": None,
    "dtype": "auto",
    "gpu_memory_utilization": 0.9,
}
# Engine settings that size resources but never change an answer (left out of the cache key).
RESOURCE_PARAMS = {"gpu_memory_utilization"}


class VLLMBackend(ChatBackend):
    """Params (besides :class:`ChatBackend`'s): ``tensor_parallel_size`` (1), ``max_model_len``,
    ``dtype`` ("auto"), ``gpu_memory_utilization`` (0.9; on CPU the share of RAM for the KV
    cache), ``top_logprobs`` (20, where ``SamplingParams`` lacks ``logprob_token_ids``),
    ``chat_template_kwargs`` (e.g. ``{"enable_thinking": false}`` for Qwen3), ``engine_kwargs``
    (passed to ``LLM``, e.g. ``limit_mm_per_prompt``), ``python`` (interpreter of vLLM's
    environment: the engine then runs in a worker process).

    ``engine`` is an already started engine to use instead of opening one (tests share one).
    """

    name = "vllm"

    def __init__(self, params: dict, seed: int, engine=None) -> None:
        super().__init__(params, seed)
        self.top_logprobs = int(params.get("top_logprobs", 20))
        self.chat_template_kwargs = params.get("chat_template_kwargs")
        self._engine = engine
        self._owns_engine = engine is None

    def engine_kwargs(self) -> dict:
        kwargs = {key: self.params.get(key, default) for key, default in ENGINE_PARAMS.items()}
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        return {
            "model": self.model,
            "seed": self.seed,
            **kwargs,
            **self.params.get("engine_kwargs", {}),
        }

    def answer_settings(self) -> dict:
        engine = {k: v for k, v in self.engine_kwargs().items() if k not in RESOURCE_PARAMS}
        options = {"top_logprobs": self.top_logprobs, "template": self.chat_template_kwargs}
        return {"engine": engine} | options

    @property
    def engine(self):
        if self._engine is None:
            start = time.perf_counter()
            self._engine = open_engine(self.engine_kwargs(), self.params.get("python"))
            self.stats.startup_seconds += time.perf_counter() - start
        return self._engine

    def close(self) -> None:
        """Stop the engine this backend started (an engine passed in stays up)."""
        if self._owns_engine and self._engine is not None:
            self._engine.close()
            self._engine = None

    def complete(
        self,
        conversations: Sequence[list[dict]],
        max_tokens: int,
        logprobs: bool,
        on_result: Callable[[int, Completion], None],
    ) -> None:
        answers = self.engine.generate(
            list(conversations),
            max_tokens=max_tokens,
            logprobs=logprobs,
            seed=self.seed,
            top_logprobs=self.top_logprobs,
            chat_template_kwargs=self.chat_template_kwargs,
        )
        self.stats.requests += len(answers)
        for index, answer in enumerate(answers):
            self.stats.prompt_tokens += answer.prompt_tokens
            self.stats.completion_tokens += answer.completion_tokens
            on_result(index, Completion(answer.text, answer.p, None, answer.missing_logprobs))
