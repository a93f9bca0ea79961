"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from albumgen_desktop.core.features import Features
from albumgen_desktop.core.genres import GENRES

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
words = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=10)
# "None" typed by a user is their text; the property tests look for a leaked Python None.
style_text = st.lists(words.filter(lambda w: w.lower() != "none"), min_size=0, max_size=6).map(" ".join)
free_genre = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), min_size=1, max_size=3
).map(" ".join)

features = st.builds(
    Features,
    acousticness=unit,
    danceability=unit,
    energy=unit,
    instrumentalness=unit,
    liveness=unit,
    speechiness=unit,
    valence=unit,
    loudness_db=st.floats(min_value=-60.0, max_value=0.0, allow_nan=False),
    tempo_bpm=st.floats(min_value=40.0, max_value=220.0, allow_nan=False),
    key=st.none() | st.integers(0, 11),
    mode=st.sampled_from(["major", "minor"]),
    time_signature=st.integers(3, 7),
    genre=st.sampled_from(("",) + GENRES) | free_genre,
    style=style_text,
)
