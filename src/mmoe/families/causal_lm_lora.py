"""``causal-lm-lora``: a decoder LLM (Qwen2-style) prompted with both views and trained with LoRA.

The class logits are the next-token logits of one answer token per class (the first token of
" No"/" Yes" for two classes; ``params["answer_words"]`` otherwise, e.g. R/U/S for the fuser).
Prompts are left-padded so that the answer is predicted at the last position for every row.
"""

from __future__ import annotations

from typing import ClassVar

from mmoe.families.base import Examples
from mmoe.families.hf_training import LoraFamily, pad_tokens, view_texts

PROMPT = "Input 1: {x1}\nInput 2: {x2}\nQuestion: {question}\nAnswer:"


class CausalLMLoraFamily(LoraFamily):
    """AutoModelForCausalLM + LoRA; image views enter the prompt as their captions."""

    lora_task_type = "CAUSAL_LM"

    name = "causal-lm-lora"
    padding_side = "left"
    defaults: ClassVar[dict] = {
        "model_path": None,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "lr": 2e-4,
        "epochs": 3,
        "batch_size": 8,
        "max_length": 384,
        "max_view_tokens": 160,
        "prompt": PROMPT,
        "question": "Which answer is right?",
        "answer_words": None,
    }

    def tokenizer(self, processor):
        """The text tokenizer inside ``processor``."""
        return processor

    def load_processor(self, path):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    def load_base(self, hp, n_classes, processor, dtype):
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(hp["model_path"], dtype=dtype)
        model.config.pad_token_id = self.tokenizer(processor).pad_token_id
        return model

    def prepare(self, processor, hp, n_classes):
        words = hp["answer_words"] or (
            ["No", "Yes"] if n_classes == 2 else [chr(65 + c) for c in range(n_classes)]
        )
        if len(words) != n_classes:
            raise ValueError(f"{len(words)} answer words for {n_classes} classes: {words}")
        tokenizer = self.tokenizer(processor)
        ids = [tokenizer.encode(" " + w, add_special_tokens=False)[0] for w in words]
        if len(set(ids)) != len(ids):
            raise ValueError(f"answer words {words} do not start with distinct tokens")
        return {"answer_words": words, "answer_ids": ids}

    def view_text(self, examples: Examples, view: str) -> list[str]:
        """What a view contributes to the prompt."""
        return view_texts(examples, view)

    def prompt_ids(self, processor, examples: Examples, hp) -> list[list[int]]:
        """Token ids of each example's prompt: views cut to ``max_view_tokens``, the prompt to its
        last ``max_length`` tokens (the question and answer cue come last)."""
        tokenizer = self.tokenizer(processor)

        def cut(texts):
            ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
            return tokenizer.batch_decode([i[: hp["max_view_tokens"]] for i in ids])

        x1, x2 = cut(self.view_text(examples, "x1")), cut(self.view_text(examples, "x2"))
        prompts = [
            hp["prompt"].format(x1=a, x2=b, question=hp["question"])
            for a, b in zip(x1, x2, strict=True)
        ]
        return [ids[-hp["max_length"] :] for ids in tokenizer(prompts)["input_ids"]]

    def encode(self, processor, examples, hp, meta):
        return [{"input_ids": ids} for ids in self.prompt_ids(processor, examples, hp)]

    def collate(self, processor, items):
        return pad_tokens(items, self.tokenizer(processor).pad_token_id, self.padding_side)

    def class_logits(self, model, batch, meta):
        positions = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
        out = model(**batch, position_ids=positions, logits_to_keep=1)
        return out.logits[:, -1, meta["answer_ids"]]
