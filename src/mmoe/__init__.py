"""MMoE: mixtures of multimodal interaction experts, as an importable library."""

__version__ = "0.1.0"
