"""The reference library: albums with Features and cover embeddings, import and retrieval."""
