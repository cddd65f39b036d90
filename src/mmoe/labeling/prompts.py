"""Prompt templates (the paper's Appendix F for labels, G for captions) and chat messages.

A template is the instruction; the item (text or image) always comes after it, so a shared
instruction prefix can be cached by the engine. ``{task}`` in a template is replaced by the
dataset's task description (params ``task``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import mimetypes
from pathlib import Path

from PIL import Image

_MUSTARD_IMAGE = (
    "Are the people in the image being sarcastic or not? You need to think based on their "
    "figurative language, body language, and facial emotion. Sarcasm often happens when people "
    'have intense feelings or emotions. Answer with "Yes" or "No". Follow your initial judgment '
    "and explain why."
)
_MMSARCASM_IMAGE = (
    "Think step by step. Does this image contain very obvious sarcasm? Answer yes or no first. "
    "Then explain the reason."
)
_TEXT = (
    "Please analyze the text provided below for sarcasm. Begin your response by stating whether "
    "the text is sarcastic, answering with a simple 'Yes' or 'No.' Follow your initial judgment "
    "with a detailed explanation of your reasoning. Focus on identifying any elements within the "
    "text that contribute to a sarcastic tone, such as linguistic cues, context, or contrast "
    "between what is said and what may be implied. Text to evaluate:"
)
_MUSTARD_CAPTION = (
    "Describe the body language, figurative language, face emotion together with their scenario "
    "for characters in the TV show screenshot briefly."
)
_CAPTION = (
    "Provide a comprehensive description of the image, focusing on its key elements. Include "
    "details such as the main subjects, their positions and interactions within the scene, the "
    "background setting, and any notable objects or features. Mention the colors, textures, and "
    "any text or symbols present. Highlight any action or emotion that is depicted. Also, specify "
    "the overall atmosphere or mood of the image, and how these elements collectively contribute "
    "to the narrative or message being conveyed."
)
# (purpose, view kind) -> {dataset or "*": template}: the paper's prompts (Appendix F.1, F.2, G).
PAPER_PROMPTS = {
    ("label", "image"): {"mustard": _MUSTARD_IMAGE, "*": _MMSARCASM_IMAGE},
    ("label", "text"): {"*": _TEXT},
    ("caption", "image"): {"mustard": _MUSTARD_CAPTION, "*": _CAPTION},
}
# Used instead of the paper's (sarcasm) prompts when a dataset states its own task.
TASK_PROMPT = '{task} Answer with "Yes" or "No".'
PARAM_KEYS = {"label": "prompt", "caption": "caption_prompt"}


def instruction(purpose: str, kind: str, dataset: str, params: dict) -> str:
    """The rendered instruction for ``purpose`` (label or caption) on a view of ``kind``.

    Precedence: params ``prompt`` / ``caption_prompt``; then, for labels, ``TASK_PROMPT`` when
    params give a ``task``; then the paper's prompt for the dataset.
    """
    template = params.get(PARAM_KEYS[purpose])
    if template is None and purpose == "label" and params.get("task"):
        template = TASK_PROMPT
    if template is None:
        defaults = PAPER_PROMPTS.get((purpose, kind))
        if defaults is None:
            raise ValueError(f"no default {purpose} prompt for {kind} views; set params.prompt")
        template = defaults.get(dataset.lower(), defaults["*"])
    if "{task}" in template and not params.get("task"):
        raise ValueError(f"the {purpose} prompt uses {{task}} but params give no task")
    return template.replace("{task}", str(params.get("task", "")))


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def prompt_hash(purpose: str, instruction_text: str, settings: dict) -> str:
    """Stable hash of the rendered instruction, its purpose and the settings that shape inputs."""
    return sha256(json.dumps([purpose, instruction_text, settings], sort_keys=True))


def image_bytes(path: Path, max_pixels: int | None) -> tuple[bytes, str]:
    """An image file's bytes and MIME type, downscaled to at most ``max_pixels`` if given."""
    data = path.read_bytes()
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    if max_pixels:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > max_pixels:
                scale = (max_pixels / (image.width * image.height)) ** 0.5
                size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
                out = io.BytesIO()
                image.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(out, "PNG")
                return out.getvalue(), "image/png"
    return data, mime


def image_data_url(path: Path, max_pixels: int | None = None) -> str:
    data, mime = image_bytes(path, max_pixels)
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def messages(instruction_text: str, kind: str, content: str, max_pixels: int | None = None):
    """OpenAI-format chat messages: the instruction first, then the text or the image."""
    if kind == "text":
        return [{"role": "user", "content": f"{instruction_text}\n\n{content}"}]
    url = image_data_url(Path(content), max_pixels)
    parts = [
        {"type": "text", "text": instruction_text},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    return [{"role": "user", "content": parts}]


def content_hash(kind: str, content: str) -> str:
    """Hash of a view's content: the text itself, or the image file's bytes (not its path)."""
    return sha256(Path(content).read_bytes() if kind == "image" else content)
