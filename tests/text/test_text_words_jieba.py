"""extractor.text.words.cut_words must give exactly jieba's own Tokenizer.tokenize (HMM on).

cut_words re-implements jieba's route (get_DAG + calc) with cached word log-probabilities and
memoises the words of each run of CJK/alphanumeric characters; any drift would silently change
subjects. Checked on every sentence of the sample report and on the 14-character windows before
each figure that facts.context segments.
"""
from __future__ import annotations

import regex

from extractor.reading import read
from extractor.text import prepare
from extractor.text.words import cut_words, tokenizer


def _jieba(text: str, offset: int) -> list[tuple[str, int, int]]:
    return [(w, s + offset, e + offset) for w, s, e in tokenizer().tokenize(text)]


def test_cut_words_equals_jieba_on_sample_sentences_and_windows(sample_path):
    p = prepare(read(sample_path))
    text = p.clean.text
    checked = 0
    for s in p.sentences:
        piece = text[s.start:s.end]
        assert cut_words(piece, s.start) == _jieba(piece, s.start), piece
        checked += 1
    for m in regex.finditer(r"\d", text):
        if m.start() and not text[m.start() - 1].isdigit():
            a = max(0, m.start() - 14)
            assert cut_words(text[a:m.start()], a) == _jieba(text[a:m.start()], a)
            checked += 1
    assert checked > 200


def test_cut_words_known_segmentations_and_mixed_runs():
    # user dictionary word kept whole, HMM on an unknown run, spaces / CRLF / ASCII kept as jieba does
    for text in ("全区地区生产总值增长7.5%", "电商效劳中心建立了5个电商示范站点",
                 "abc def\r\n中文 12.5%增长，（二）", "", "。", "贵州省黔东南州"):
        assert cut_words(text, 3) == _jieba(text, 3)
        assert cut_words(text, 3) == cut_words(text, 3)      # memoised runs give the same words
    assert [w for w, _, _ in cut_words("全区地区生产总值增长7.5%")][:2] == ["全区", "地区生产总值"]
