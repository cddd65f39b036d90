"""Build a tiny random-weight Idefics3 (vision-language model) folder that vLLM's CPU build loads.

Run with vLLM's interpreter (its transformers saves the folder vLLM reads)::

    .venv-vllm/bin/python tests/tiny_vlm.py TOKENIZER_FOLDER OUT_FOLDER

Idefics3 because its vLLM model and its transformers processor import without torchvision,
which vLLM's environment lacks (Makefile: llm-setup); LLaVA, Qwen2-VL and most others do not.
A two-layer SigLIP-style vision tower (32x32 images, 8x8 patches, pixel shuffle by 2: 4 image
tokens per image, no tiling) and a two-layer Llama (head size 64, which vLLM's CPU attention
supports) around the tokenizer of ``TOKENIZER_FOLDER`` (the shipped SmolLM2's; the processor
adds Idefics3's image tokens). The chat template is SmolLM2's ChatML, with ``<image>`` where a
message has an image part. Nothing is downloaded.
"""

from __future__ import annotations

import sys

IMAGE_SIZE, PATCH_SIZE, SCALE_FACTOR = 32, 8, 2
IMAGE_SEQ_LEN = (IMAGE_SIZE // PATCH_SIZE) ** 2 // SCALE_FACTOR**2
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}"
    "{% elif part['type'] in ('image', 'image_url') %}\n<image>\n{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build(tokenizer_folder: str, out: str, seed: int = 0) -> None:
    import torch
    from transformers import (
        AutoTokenizer,
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3ImageProcessorPil,
        Idefics3Processor,
        Idefics3VisionConfig,
        LlamaConfig,
    )

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_folder)
    edge = {"longest_edge": IMAGE_SIZE}
    image_processor = Idefics3ImageProcessorPil(
        size=edge, max_image_size=edge, do_image_splitting=False
    )
    # adds <fake_token_around_image>, <image> and <end_of_utterance> to the tokenizer
    processor = Idefics3Processor(
        image_processor, tokenizer, image_seq_len=IMAGE_SEQ_LEN, chat_template=CHAT_TEMPLATE
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    vision = Idefics3VisionConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=1,  # head size 64
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
    )
    text = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,  # head size 64
        num_key_value_heads=1,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    config = Idefics3Config(
        vision_config=vision,
        text_config=text,
        image_token_id=processor.image_token_id,
        scale_factor=SCALE_FACTOR,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = Idefics3ForConditionalGeneration(config).to(torch.float32).eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out)
    processor.save_pretrained(out)
    tokenizer.save_pretrained(out)


if __name__ == "__main__":
    build(*sys.argv[1:3])
