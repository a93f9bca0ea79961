"""Safe loading of images and audio, atomic export, recipe metadata. No torch, no Qt."""
