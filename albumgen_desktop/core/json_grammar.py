"""Constrained decoding for the Features JSON: every output parses and every value is in range.

The output language is fixed: one JSON object with the Features keys in a fixed
order, numbers on fixed grids (unit values with two decimals, loudness and tempo in
whole units) and categories from closed lists (keys, modes, the genre vocabulary).
It is a finite language, so a small non-deterministic automaton over characters
recognises exactly its prefixes. At each step the model may only pick tokens whose
text keeps the output a prefix of some valid object; once the object is complete
only end-of-sequence is allowed. Every path therefore ends in a valid object, and
since every token consumes at least one character, ``max_chars`` tokens are enough.
Works with any tokenizer: the automaton walks a character trie of the vocabulary
(built once per vocabulary), and the allowed tokens are cached per automaton state.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from albumgen_desktop.core.features import UNIT_FEATURES, Features
from albumgen_desktop.core.genres import GENRES

KEY_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
State = tuple[int, str]  # (piece index, text typed within that piece)


@dataclass(frozen=True)
class Piece:
    literal: str = ""
    options: tuple[str, ...] = ()

    @property
    def is_literal(self) -> bool:
        return not self.options


def features_pieces() -> list[Piece]:
    unit = tuple(f"{i / 100:.2f}" for i in range(101))
    fields: list[tuple[str, tuple[str, ...], bool]] = [(name, unit, False) for name in UNIT_FEATURES]
    fields += [
        ("loudness_db", tuple(str(v) for v in range(-60, 1)), False),
        ("tempo_bpm", tuple(str(v) for v in range(40, 221)), False),
        ("key", KEY_NAMES, True),
        ("mode", ("major", "minor"), True),
        ("time_signature", tuple(str(v) for v in range(3, 8)), False),
        ("genre", tuple(g for g in GENRES if '"' not in g and "\\" not in g), True),
    ]
    pieces: list[Piece] = []
    text = "{"
    for i, (name, options, quoted) in enumerate(fields):
        text += ("" if i == 0 else ", ") + json.dumps(name) + ": " + ('"' if quoted else "")
        pieces.append(Piece(literal=text))
        pieces.append(Piece(options=options))
        text = '"' if quoted else ""
    pieces.append(Piece(literal=text + "}"))
    return pieces


class Grammar:
    """The prefix automaton of a sequence of literal and choice pieces."""

    def __init__(self, pieces: list[Piece]) -> None:
        self.pieces = pieces
        self.max_chars = sum(len(p.literal) if p.is_literal else max(map(len, p.options)) for p in pieces)

    def start(self) -> frozenset[State]:
        return frozenset({(0, "")})

    def _step(self, state: State, ch: str) -> set[State]:
        index, typed = state
        if index >= len(self.pieces):
            return set()
        piece = self.pieces[index]
        out: set[State] = set()
        if piece.is_literal:
            if piece.literal[len(typed)] == ch:
                grown = typed + ch
                out.add((index + 1, "") if grown == piece.literal else (index, grown))
            return out
        grown = typed + ch
        if any(o.startswith(grown) for o in piece.options):
            out.add((index, grown))
        if typed in piece.options:  # the value may end here and the next piece begin
            out |= self._step((index + 1, ""), ch)
        return out

    def advance(self, states: frozenset[State], text: str) -> frozenset[State]:
        current = set(states)
        for ch in text:
            current = {nxt for s in current for nxt in self._step(s, ch)}
            if not current:
                break
        return frozenset(current)

    def is_complete(self, states: frozenset[State]) -> bool:
        return any(index >= len(self.pieces) for index, _ in states)

    def random_text(self, rng: random.Random) -> str:
        """A uniformly random walk through the automaton to a complete text."""
        states, text = self.start(), ""
        while not self.is_complete(states):
            ch = rng.choice(sorted(self.next_chars(states)))
            text += ch
            states = self.advance(states, ch)
        return text

    def next_chars(self, states: frozenset[State]) -> set[str]:
        chars: set[str] = set()
        for index, typed in states:
            if index >= len(self.pieces):
                continue
            piece = self.pieces[index]
            if piece.is_literal:
                chars.add(piece.literal[len(typed)])
                continue
            chars |= {o[len(typed)] for o in piece.options if o.startswith(typed) and len(o) > len(typed)}
            if typed in piece.options:
                chars |= self.next_chars(frozenset({(index + 1, "")}))
        return chars


class TokenTrie:
    """Every usable token text of a vocabulary in a character trie: node = (ids ending here,
    children by next character). Built once per vocabulary (``for_vocabulary`` caches it), so
    that a constraint visits only the tokens its grammar can still accept."""

    def __init__(self, token_texts: dict[int, str], exclude: set[int]) -> None:
        self.root: tuple[list[int], dict[str, tuple]] = ([], {})
        for token_id, text in token_texts.items():
            if not text or not text.isascii() or not text.isprintable() or token_id in exclude:
                continue
            node = self.root
            for ch in text:
                node = node[1].setdefault(ch, ([], {}))
            node[0].append(token_id)

    _cache: dict[tuple[str, frozenset[int]], TokenTrie] = {}

    @classmethod
    def for_vocabulary(cls, token_texts: dict[int, str], exclude: set[int]) -> TokenTrie:
        """The trie of this vocabulary, built on first use (a 49k vocabulary takes ~0.5 s)."""
        import hashlib

        digest = hashlib.sha1("\0".join(f"{i}\1{t}" for i, t in sorted(token_texts.items())).encode()).hexdigest()
        key = (digest, frozenset(exclude))
        if key not in cls._cache:
            cls._cache[key] = cls(token_texts, exclude)
        return cls._cache[key]


class TokenConstraint:
    """Which token ids keep the output valid, for any tokenizer's vocabulary.

    The grammar's automaton walks the vocabulary's character trie: a branch is followed only
    while the text so far keeps the output a prefix of a valid object, so the cost per state
    is the number of tokens that could still fit, not the size of the vocabulary (SmolVLM's
    49k tokens: the character-by-character scan of every token took 9-15 s per output).
    Results are cached per automaton state."""

    def __init__(self, grammar: Grammar, token_texts: dict[int, str], eos_ids: set[int]) -> None:
        self.grammar = grammar
        self.eos_ids = sorted(eos_ids)
        self.trie = TokenTrie.for_vocabulary(token_texts, set(eos_ids))
        self._cache: dict[frozenset[State], list[int]] = {}
        self._steps: dict[tuple[frozenset[State], str], frozenset[State]] = {}

    def _advance(self, states: frozenset[State], ch: str) -> frozenset[State]:
        key = (states, ch)
        if key not in self._steps:
            self._steps[key] = self.grammar.advance(states, ch)
        return self._steps[key]

    def allowed(self, states: frozenset[State]) -> list[int]:
        if states in self._cache:
            return self._cache[states]
        if self.grammar.is_complete(states):
            result = list(self.eos_ids)
        else:
            result = []
            stack = [(self.trie.root, states)]
            while stack:
                (_, children), here = stack.pop()
                for ch in self.grammar.next_chars(here) & children.keys():
                    after = self._advance(here, ch)
                    if after:
                        child = children[ch]
                        result.extend(child[0])
                        stack.append((child, after))
            result.sort()
        self._cache[states] = result
        return result


def parse_features(text: str) -> Features:
    """The Features an output of this grammar names (keys as names, 'C#' etc.)."""
    from albumgen_desktop.core.features import key_index

    data = json.loads(text)
    data["key"] = key_index(data["key"])
    return Features.from_dict(data)
