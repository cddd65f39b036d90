"""A tiny random-weight CLIP folder, as a user's local folder would hold a real image model."""

from __future__ import annotations


def tiny_clip(folder, full: bool):
    """A random-weight CLIP (vision tower alone, or the image-text model) saved with its image
    processor, as a user's local folder would hold a real one."""
    import torch
    from transformers import (
        CLIPConfig,
        CLIPImageProcessor,
        CLIPModel,
        CLIPTextConfig,
        CLIPVisionConfig,
        CLIPVisionModel,
    )

    torch.manual_seed(0)
    sizes = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1}
    vision = CLIPVisionConfig(**sizes, num_attention_heads=2, image_size=32, patch_size=8)
    if full:
        text = CLIPTextConfig(
            **sizes, num_attention_heads=2, vocab_size=99, bos_token_id=0, eos_token_id=1
        )
        config = CLIPConfig(text_config=text.to_dict(), vision_config=vision.to_dict())
        config.projection_dim = 8
        model = CLIPModel(config)
    else:
        model = CLIPVisionModel(vision)
    model.save_pretrained(folder)
    CLIPImageProcessor(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    ).save_pretrained(folder)
    return folder
