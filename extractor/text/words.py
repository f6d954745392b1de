"""jieba words and spaCy Docs for context (subjects, cue words) — never for number boundaries.

One ``jieba.Tokenizer`` per process, initialised lazily and quietly with the domain user
dictionary ``rules/lexicons/jieba_user.txt``; one blank Chinese spaCy vocabulary, created lazily.
"""
from __future__ import annotations

import functools
import logging
import threading
from typing import Iterable, Sequence

from ..rulefiles import read_lines

_lock = threading.Lock()


def import_jieba():
    """``import jieba`` without ``pkg_resources``: jieba 0.42 imports it only to open its own
    data files and falls back to a plain ``open`` next to its module when it is missing; the
    import of pkg_resources (~0.4-1.4 s) was most of jieba's import time and of the start-up."""
    import sys

    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba
        return jieba
    sys.modules["pkg_resources"] = None       # makes `import pkg_resources` raise ImportError
    try:
        import jieba
    finally:
        if sys.modules.get("pkg_resources", 0) is None:
            del sys.modules["pkg_resources"]
    return jieba


@functools.cache
def tokenizer():
    """The process-wide jieba tokenizer with the user dictionary (no log output)."""
    jieba = import_jieba()

    logging.getLogger("jieba").setLevel(logging.ERROR)
    jieba.setLogLevel(logging.ERROR)
    with _lock:
        tk = jieba.Tokenizer()
        tk.initialize()
        for line in read_lines("lexicons/jieba_user.txt"):
            parts = line.split()
            word = parts[0]
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else None
            tk.add_word(word, freq, tag)
    return tk


def cut_words(text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    """jieba words of ``text`` as (word, start, end) with ``offset`` added to the offsets."""
    if not text:
        return []
    return [(w, s + offset, e + offset) for w, s, e in tokenizer().tokenize(text)]


@functools.cache
def vocab():
    import spacy

    return spacy.blank("zh").vocab


def build_doc(text: str, base: int, words: Sequence[tuple[str, int, int]],
              protected: Iterable[tuple[int, int]] = ()):
    """A spaCy Doc over ``text`` (which starts at clean offset ``base``) from ``words``.

    Token boundaries are the word boundaries, minus those strictly inside a protected span, plus
    the protected spans' own edges, so each protected span is exactly one token. ``doc.text ==
    text``; the clean offset of a token is ``base + token.idx`` (also kept as
    ``doc.user_data["clean_start"]``).
    """
    from spacy.tokens import Doc

    n = len(text)
    bounds = {0, n}
    for _w, s, e in words:
        bounds.add(s - base)
        bounds.add(e - base)
    prot = []
    for ps, pe in protected:
        a, b = max(ps - base, 0), min(pe - base, n)
        if a < b:
            prot.append((a, b))
    for a, b in prot:
        bounds = {x for x in bounds if not a < x < b}
        bounds.add(a)
        bounds.add(b)
    cuts = sorted(x for x in bounds if 0 <= x <= n)
    toks = [text[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]
    doc = Doc(vocab(), words=toks, spaces=[False] * len(toks))
    doc.user_data["clean_start"] = base
    return doc
