"""AlbumGen Desktop: music from cover art, cover art from music."""

__version__ = "0.1.0"
