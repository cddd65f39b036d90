"""``causal-lm-lora``: a decoder LLM (Qwen2-, Llama-style) prompted with both views, LoRA-trained.

The class logits are the next-token logits of one answer token per class: for two classes the
first token of ``answer_words`` (default No/Yes) after ``question``; for more (the R/U/S fuser)
those of ``fuser_answer_words`` after ``fuser_question``. With ``chat_template`` (default) and a
tokenizer that has one, the prompt is the user turn of a chat (after the ``system`` turn, or the
template's default one) and the answer is the assistant's first token; otherwise the raw prompt is
followed by " <answer>". Prompts are left-padded so that the answer is predicted at the last
position of every row, and only that position's logits are computed (``logits_to_keep=1``).
"""

from __future__ import annotations

from typing import ClassVar

from mmoe.families.base import Examples
from mmoe.families.hf_training import LoraFamily, pad_tokens, view_texts

PROMPT = "Input 1: {x1}\nInput 2: {x2}\nQuestion: {question} ({choices})\nAnswer:"
FUSER_QUESTION = (
    "Do both inputs give the answer (R), only one of them (U), or only the two together (S)?"
)


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
        "keep_view_tail": [],
        "prompt": PROMPT,
        "chat_template": True,
        "system": None,
        "question": "Which answer is right?",
        "answer_words": ["No", "Yes"],
        "fuser_question": FUSER_QUESTION,
        "fuser_answer_words": ["R", "U", "S"],
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
        """The question, answer words and their first tokens for ``n_classes``, and whether the
        prompt goes through the chat template."""
        binary = n_classes == 2
        words = hp["answer_words"] if binary else hp["fuser_answer_words"]
        if len(words) != n_classes:
            raise ValueError(f"{len(words)} answer words for {n_classes} classes: {words}")
        tokenizer = self.tokenizer(processor)
        chat = bool(hp["chat_template"] and tokenizer.chat_template)
        space = "" if chat else " "
        ids = [tokenizer.encode(space + w, add_special_tokens=False)[0] for w in words]
        if len(set(ids)) != len(ids):
            raise ValueError(f"answer words {words} do not start with distinct tokens")
        question = hp["question"] if binary else hp["fuser_question"]
        return {"answer_words": words, "answer_ids": ids, "question": question, "chat": chat}

    def view_text(self, examples: Examples, view: str) -> list[str]:
        """What a view contributes to the prompt."""
        return view_texts(examples, view)

    def prompt_ids(self, processor, examples: Examples, hp, meta) -> list[list[int]]:
        """Token ids of each example's prompt: views cut to their first ``max_view_tokens`` (their
        last for the views in ``keep_view_tail``, e.g. a dialogue whose target utterance comes
        last), the prompt to its last ``max_length`` tokens (the question and answer cue come
        last)."""
        tokenizer = self.tokenizer(processor)
        unknown = set(hp["keep_view_tail"]) - {"x1", "x2"}
        if unknown:
            raise ValueError(f"keep_view_tail names {sorted(unknown)}: the views are x1 and x2")

        def cut(view):
            ids = tokenizer(self.view_text(examples, view), add_special_tokens=False)["input_ids"]
            n = hp["max_view_tokens"]
            kept = [i[-n:] if view in hp["keep_view_tail"] else i[:n] for i in ids]
            return tokenizer.batch_decode(kept)

        x1, x2 = cut("x1"), cut("x2")
        choices = " or ".join(meta["answer_words"])
        prompts = [
            hp["prompt"].format(x1=a, x2=b, question=meta["question"], choices=choices)
            for a, b in zip(x1, x2, strict=True)
        ]
        if meta["chat"]:
            system = [{"role": "system", "content": hp["system"]}] if hp["system"] else []
            prompts = [
                tokenizer.apply_chat_template(
                    [*system, {"role": "user", "content": p}],
                    add_generation_prompt=True,
                    tokenize=False,
                )
                for p in prompts
            ]
        ids = tokenizer(prompts, add_special_tokens=not meta["chat"])["input_ids"]
        return [i[-hp["max_length"] :] for i in ids]

    def encode(self, processor, examples, hp, meta):
        return [{"input_ids": ids} for ids in self.prompt_ids(processor, examples, hp, meta)]

    def collate(self, processor, items):
        return pad_tokens(items, self.tokenizer(processor).pad_token_id, self.padding_side)

    def class_logits(self, model, batch, meta):
        positions = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
        out = model(**batch, position_ids=positions, logits_to_keep=1, use_cache=False)
        return out.logits[:, -1, meta["answer_ids"]]
