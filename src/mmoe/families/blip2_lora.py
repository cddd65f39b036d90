"""``blip2-lora``: BLIP-2 (``Blip2ForConditionalGeneration``) with LoRA on its language model.

The image view goes through the vision encoder and Q-Former, whose query outputs fill the model
config's ``num_query_tokens`` image tokens at the start of the prompt; the text view goes in the
prompt. Class logits are answer-token logits, as in ``causal-lm-lora``.
"""

from __future__ import annotations

from typing import ClassVar

from mmoe.families.base import Examples
from mmoe.families.causal_lm_lora import CausalLMLoraFamily


def image_view(examples: Examples) -> str:
    """The name of the (single) image view."""
    images = [v for v in ("x1", "x2") if examples.view_kinds.get(v) == "image"]
    if len(images) != 1:
        raise ValueError(
            f"blip2-lora needs exactly one image view, got kinds {examples.view_kinds}"
        )
    return images[0]


class Blip2LoraFamily(CausalLMLoraFamily):
    """Blip2ForConditionalGeneration + LoRA on the language model's attention projections."""

    lora_task_type = None  # LoRA on the language model only, no task head

    name = "blip2-lora"
    defaults: ClassVar[dict] = {
        **CausalLMLoraFamily.defaults,
        "target_modules": r".*language_model.*\.(q_proj|v_proj)",
        "prompt": "Question: {question} Text: {text} Answer:",
        "chat_template": False,  # the image tokens lead the prompt
        "max_length": 256,
    }

    def tokenizer(self, processor):
        return processor.tokenizer

    def load_processor(self, path):
        from transformers import Blip2Processor

        processor = Blip2Processor.from_pretrained(path)
        if processor.tokenizer.pad_token is None:
            processor.tokenizer.pad_token = processor.tokenizer.eos_token
        return processor

    def load_base(self, hp, n_classes, processor, dtype):
        from transformers import Blip2ForConditionalGeneration

        model = Blip2ForConditionalGeneration.from_pretrained(hp["model_path"], dtype=dtype)
        model.config.text_config.pad_token_id = self.tokenizer(processor).pad_token_id
        return model

    def prepare(self, processor, hp, n_classes):
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(hp["model_path"])
        return {
            **super().prepare(processor, hp, n_classes),
            "image_token_id": config.image_token_index,
            "num_query_tokens": config.num_query_tokens,
        }

    def view_text(self, examples, view):
        if view == image_view(examples):
            return [""] * len(examples)
        return super().view_text(examples, view)

    def prompt_ids(self, processor, examples, hp, meta):
        text_view = "x2" if image_view(examples) == "x1" else "x1"
        hp = {**hp, "prompt": hp["prompt"].replace("{text}", "{" + text_view + "}")}
        return super().prompt_ids(processor, examples, hp, meta)

    def encode(self, processor, examples, hp, meta):
        image_ids = [meta["image_token_id"]] * meta["num_query_tokens"]
        paths = getattr(examples, image_view(examples))
        return [
            {"input_ids": image_ids + ids, "image": path}
            for ids, path in zip(self.prompt_ids(processor, examples, hp, meta), paths, strict=True)
        ]

    def collate(self, processor, items):
        from PIL import Image

        batch = super().collate(processor, items)
        images = []
        for item in items:
            with Image.open(item["image"]) as image:
                images.append(image.convert("RGB"))
        batch["pixel_values"] = processor.image_processor(images, return_tensors="pt")[
            "pixel_values"
        ]
        return batch

    def class_logits(self, model, batch, meta):
        out = model(**batch, logits_to_keep=1)
        return out.logits[:, -1, meta["answer_ids"]]
