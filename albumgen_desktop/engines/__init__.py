"""Analysis and generation engines: torch/transformers/diffusers/librosa, imported lazily. No Qt."""
