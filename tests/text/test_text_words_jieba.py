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


def test_hmm_of_unknown_runs_equals_jieba_finalseg(sample_path):
    # the cutter's own viterbi must give finalseg.cut's words (same sums, same tie-breaking)
    import random

    from jieba import finalseg

    from extractor.text.words import _cutter

    cutter = _cutter()
    text = prepare(read(sample_path)).clean.text
    rnd = random.Random(7)
    pieces = ["", "a", "ab cd", "abc中文12.5%", "的的的的", "一二三四五六七", "贵州省黔东南州"]
    for _ in range(3000):
        n = rnd.randint(1, 12)
        i = rnd.randrange(len(text) - n)
        pieces.append(text[i:i + n])
        pieces.append("".join(chr(rnd.randint(0x4E00, 0x9FA5)) for _ in range(n)))
    for piece in pieces:
        assert cutter._finalseg_cut(piece) == list(finalseg.cut(piece)), piece


def test_blocks_between_runs_cut_as_jieba_does(sample_path):
    # words() takes a block outside the runs as its characters unless it holds CR LF (then
    # jieba's re_skip split): random pieces of the sample with blanks, CR LF and marks mixed in
    import random

    text = prepare(read(sample_path)).clean.text
    rnd = random.Random(11)
    extras = ["\r\n", "\n", "\r", " ", "\u3000", "\t", "，", "“", "）", "\r\n\r\n", " \r\n "]
    for _ in range(2000):
        n = rnd.randint(1, 20)
        i = rnd.randrange(len(text) - n)
        piece = list(text[i:i + n])
        for _ in range(rnd.randint(0, 3)):
            piece.insert(rnd.randint(0, len(piece)), rnd.choice(extras))
        piece = "".join(piece)
        assert cut_words(piece, 5) == _jieba(piece, 5), piece
