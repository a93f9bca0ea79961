"""The models manifest, the Hugging Face cache, downloads and device policy."""
