"""``encoder-lora``: a transformers encoder with a sequence-classification head and LoRA adapters.

The two views are encoded as a text pair (x1, x2); an image view contributes its caption. peft's
``SEQ_CLS`` task trains and saves the ``classifier``/``score`` head with the adapter; heads with
other names go in ``params["modules_to_save"]``.
"""

from __future__ import annotations

from typing import ClassVar

from mmoe.families.base import Examples
from mmoe.families.hf_training import LoraFamily, pad_tokens, view_texts


class EncoderLoraFamily(LoraFamily):
    """AutoModelForSequenceClassification + LoRA (default: MiniLM-L6, LoRA on query/value)."""

    lora_task_type = "SEQ_CLS"

    name = "encoder-lora"
    defaults: ClassVar[dict] = {
        "model_path": "resources/models/all-MiniLM-L6-v2",
        "target_modules": ["query", "value"],
        "modules_to_save": None,
        "lr": 1e-3,
        "epochs": 6,
        "patience": 2,
        "batch_size": 16,
        "max_length": 96,
    }

    def load_processor(self, path):
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(path)

    def load_base(self, hp, n_classes, processor, dtype):
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification.from_pretrained(
            hp["model_path"], num_labels=n_classes, dtype=dtype
        )

    def encode(self, processor, examples: Examples, hp, meta):
        encoded = processor(
            view_texts(examples, "x1"),
            view_texts(examples, "x2"),
            truncation=True,
            max_length=hp["max_length"],
        )
        keys = [k for k in encoded if k != "attention_mask"]
        return [{k: encoded[k][i] for k in keys} for i in range(len(examples))]

    def collate(self, processor, items):
        return pad_tokens(items, processor.pad_token_id, self.padding_side)

    def class_logits(self, model, batch, meta):
        return model(**batch).logits
