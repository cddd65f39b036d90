"""``vllm`` backend: vLLM's offline engine inside the job (vLLM is imported lazily).

All prompts of a call go to one ``LLM.chat`` call, so vLLM batches them itself. Decoding is
greedy (temperature 0, seeded); P(Yes) comes from the first token's logprobs, matched by token
id against every single-token spelling of Yes/No. Where ``SamplingParams`` accepts
``logprob_token_ids`` (recent vLLM), exactly those answer tokens' logprobs are requested;
otherwise the top ``top_logprobs`` are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mmoe.labeling.answers import answer_token_ids, yes_probability
from mmoe.labeling.chat import ChatBackend, Completion

ENGINE_PARAMS = {
    "tensor_parallel_size": 1,
    "max_model_len": None,
    "dtype": "auto",
    "gpu_memory_utilization": 0.9,
}


def vllm_engine(**kwargs):
    """The real ``vllm.LLM`` (imported here so the package works without vLLM)."""
    from vllm import LLM

    return LLM(**kwargs)


def vllm_sampling_params(**kwargs):
    """The real ``vllm.SamplingParams``."""
    from vllm import SamplingParams

    return SamplingParams(**kwargs)


class VLLMBackend(ChatBackend):
    """Params (besides :class:`ChatBackend`'s): ``tensor_parallel_size`` (1), ``max_model_len``,
    ``dtype`` ("auto"), ``gpu_memory_utilization`` (0.9), ``top_logprobs`` (20),
    ``chat_template_kwargs`` (e.g. ``{"enable_thinking": false}`` for Qwen3), ``engine_kwargs``
    (passed to ``LLM``, e.g. ``limit_mm_per_prompt``, ``mm_processor_kwargs``).

    ``engine_factory`` and ``sampling_factory`` default to vLLM's ``LLM`` and
    ``SamplingParams``; tests pass stand-ins with the same call signatures.
    """

    name = "vllm"

    def __init__(
        self,
        params: dict,
        seed: int,
        engine_factory: Callable = vllm_engine,
        sampling_factory: Callable = vllm_sampling_params,
    ) -> None:
        super().__init__(params, seed)
        self.engine_factory = engine_factory
        self.sampling_factory = sampling_factory
        self.top_logprobs = int(params.get("top_logprobs", 20))
        self.chat_template_kwargs = params.get("chat_template_kwargs")
        self._engine = None

    def engine_kwargs(self) -> dict:
        kwargs = {key: self.params.get(key, default) for key, default in ENGINE_PARAMS.items()}
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        return {
            "model": self.model,
            "seed": self.seed,
            **kwargs,
            **self.params.get("engine_kwargs", {}),
        }

    @property
    def engine(self):
        if self._engine is None:
            self._engine = self.engine_factory(**self.engine_kwargs())
        return self._engine

    def sampling(self, max_tokens: int, answer_ids: dict[int, int] | None):
        common = {"temperature": 0.0, "max_tokens": max_tokens, "seed": self.seed}
        if answer_ids is None:
            return self.sampling_factory(**common)
        try:
            return self.sampling_factory(**common, logprob_token_ids=sorted(answer_ids))
        except TypeError:  # vLLM without logprob_token_ids
            return self.sampling_factory(**common, logprobs=self.top_logprobs)

    def complete(
        self,
        conversations: Sequence[list[dict]],
        max_tokens: int,
        logprobs: bool,
        on_result: Callable[[int, Completion], None],
    ) -> None:
        engine = self.engine
        answer_ids = answer_token_ids(engine.get_tokenizer()) if logprobs else None
        outputs = engine.chat(
            list(conversations),
            sampling_params=self.sampling(max_tokens, answer_ids),
            use_tqdm=True,
            chat_template_kwargs=self.chat_template_kwargs,
        )
        self.stats.requests += len(outputs)
        for index, output in enumerate(outputs):
            sample = output.outputs[0]
            self.stats.prompt_tokens += len(output.prompt_token_ids or ())
            self.stats.completion_tokens += len(sample.token_ids)
            p = float("nan")
            if answer_ids is not None and sample.logprobs:
                first = {token: entry.logprob for token, entry in sample.logprobs[0].items()}
                p = yes_probability(first, answer_ids.get)
            on_result(index, Completion(text=sample.text, p=p))
