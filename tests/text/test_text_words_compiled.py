"""The compiled route (rjieba's DAG and route, our HMM) must give exactly the pure-Python
``_Cutter``'s words, which tests/text/test_text_words_jieba.py holds equal to jieba's own cut.

Compared on what the context stage cuts (the sentences of the corpus and the windows before each
figure), on random and adversarial strings (digits, Latin, marks, CR LF and other blanks,
traditional characters, user words, characters rjieba counts as Han and jieba does not, long runs
of unknown characters for the HMM), and on the words whose route depends on jieba's total.
"""
from __future__ import annotations

import random

import pytest
import regex

from extractor.rulefiles import read_lines
from extractor.text import words


@pytest.fixture(scope="module")
def cutters():
    """The pure-Python cutter over jieba's complete dictionary, and a compiled one as a worker
    has it: rjieba's own copy of jieba's dictionary (when ours is jieba's), else one that fills
    as it cuts (from our copy of jieba's) or is complete."""
    tk = words.tokenizer()                      # the dictionary complete: the reference
    fresh, lazy, users = words._tokenizer.__wrapped__()
    compiled = words._compiled_route(fresh, lazy, users)
    if compiled is None:
        pytest.skip("rjieba (a checked release) is not installed: the Python route cuts alone")
    return words._Cutter(tk, None), words._RouteCutter(fresh, lazy, *compiled), tk


def _same(cutters, texts) -> int:
    python, compiled, _ = cutters
    n = 0
    for t in texts:
        assert compiled.words(t) == python.words(t), t
        n += 1
    return n


def test_the_process_cutter_routes_with_rjieba(cutters):
    assert type(words._cutter()) is words._RouteCutter
    assert words.cut_words("全区地区生产总值增长7.5%", 2)[:2] == [("全区", 2, 4),
                                                           ("地区生产总值", 4, 10)]


def test_words_whose_route_depends_on_the_total(cutters):
    # f(金)·f(湖)/f(金湖) = 62,637,495 and f(变)·f(低)/f(变低) = 62,641,328 lie between jieba's
    # total (62,641,967: B超 counted twice, each user word's frequency added on top of the one
    # it replaces) and rjieba's own (62,636,869): without the filler word both would be split
    python, compiled, tk = cutters
    for text, want in (("金湖", ["金湖"]), ("变低", ["变低"]), ("缘会", ["缘", "会"]),
                       ("洗起", ["洗起"])):
        assert tk.lcut(text) == python.words(text) == compiled.words(text) == want


@pytest.mark.slow
def test_same_words_on_the_corpus_sentences_and_figure_windows(cutters, corpus_prepared,
                                                               sample_prepared):
    texts = []
    for p in [sample_prepared] + [p for _, p in corpus_prepared]:
        text = p.clean.text
        texts.extend(text[s.start:s.end] for s in p.sentences)
        for m in regex.finditer(r"\d", text):
            if m.start() and not text[m.start() - 1].isdigit():
                texts.append(text[max(0, m.start() - 14):m.start()])
    assert _same(cutters, texts) > 40_000


def test_same_words_on_random_and_adversarial_strings(cutters, sample_prepared):
    _, _, tk = cutters
    rnd = random.Random(20261127)
    text = sample_prepared.clean.text
    raw = sample_prepared.doc.text
    common = sorted(set(text) & {chr(c) for c in range(0x4E00, 0x9FD6)})
    allhan = [chr(c) for c in range(0x4E00, 0x9FD6)]
    rare = sorted(set(allhan) - set(common))
    traditional = list("們國經濟發展與報告區縣鄉鎮這個時間問題關於會議長東車馬鳥魚門開關書學習實際環境體")
    users = [ln.split()[0] for ln in read_lines("lexicons/jieba_user.txt")]
    dict_words = [w for w, f in tk.FREQ.items() if f and len(w) > 1]
    # cut by the Python route: rjieba counts them as Han, jieba does not (and a lone surrogate)
    outside = list("㐀㐁䶵\u9fd6\u9fe0\u9fff豈\ufa6d𠀀𠀁𪜀𫝀𫠝\U0002f800\ud800")
    blanks = ["\r\n", "\n", "\r", " ", "\t", "\u3000", "\xa0", "\x0b", "\x0c", "\x1c", "\x85",
              "\u2028", "\u200b", "\ufeff", "\x00"]
    marks = list("，。、；：？！“”‘’（）《》【】—…·％＋－０１２３４５６７８９ＡＢａｂ①Ⅲ"
                 "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    latin = list("abcxyzABCXYZ0123456789") + [
        "12.5%", "3.14", "WES-5.4.5", "GDP", "iPhone", "C++", "B超", "4S店", "a.b", "1.2.3",
        "50%", ".5", "_x", "#1", "&&", "Ａ股", "é", "Ω"]
    kinds = [common, common, traditional, allhan, users, dict_words, dict_words, outside, blanks,
             marks, latin, latin]
    texts = [raw[i:i + rnd.randint(1, 60)] for i in
             (rnd.randrange(len(raw) - 60) for _ in range(3000))]
    for _ in range(8000):
        mix = rnd.sample(kinds, rnd.randint(1, 5))
        texts.append("".join(rnd.choice(rnd.choice(mix)) for _ in range(rnd.randint(1, 40))))
    for _ in range(200):                        # long runs of unknown characters: the HMM
        texts.append("".join(rnd.choice(rare if rnd.random() < .7 else allhan)
                             for _ in range(rnd.randint(20, 300))))
    for _ in range(2000):
        texts.append("".join(rnd.choice(dict_words if rnd.random() < .8 else users)
                             for _ in range(rnd.randint(2, 20))))
    texts += users + [a + b for a in users for b in rnd.sample(users, 3)]
    assert _same(cutters, texts) > 13_000
    python, compiled, _ = cutters
    for t in ("鑫淼犇骉的的的", "abc def\r\n中文 12.5%增长，（二）", "中㐀文", "x\r\n\ty", ""):
        assert compiled.words(t) == python.words(t) == tk.lcut(t)


def test_rjieba_runs_differ_from_jiebas_only_in_the_characters_cut_by_python(cutters):
    # two characters that no dictionary word holds and the HMM does not take as Han come back
    # as one piece from rjieba's HMM when rjieba counts them as run characters, else alone
    _, compiled, _ = cutters
    cut = compiled.rjieba.cut
    han = regex.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]")
    wrong, extra = [], 0
    for cp in list(range(0x80, 0x10000)) + list(range(0x20000, 0x40000)):
        c = chr(cp)
        if 0xD800 <= cp <= 0xDFFF or han.match(c):
            continue
        if cut(c + c, True) == [c + c]:
            extra += 1
            if not words._OUTSIDE_COMPILED.match(c):
                wrong.append(hex(cp))
    assert not wrong and extra > 60_000


def _total_is(route, total: int, chars: str, side: int) -> bool:
    """Whether ``route`` (changed: probe words added) routes as if its total were ``total``,
    told by two new characters X Y (no dictionary word starts with them) and the words X, Y, XY
    with frequencies a, b, F such that a·b = F·T + side, T the total with them added: XY wins
    over X + Y exactly when F·(the route's total) >= a·b, so the word XY is kept for side -1
    and split for side +1 when the route's total is T, and a total off by one flips it."""
    x, y = chars
    for f in range(2, 200):
        n = f * total + 2 * f * f + side        # (a - F)(b - F), from a·b - F·(total + a + b + F)
        d = next((d for d in range(2, 20_000) if n % d == 0), None)
        if d is not None:
            break
    a, b = d + f, n // d + f
    assert a * b == f * (total + a + b + f) + side
    for word, freq in ((x, a), (y, b), (x + y, f)):
        route.add_word(word, freq, None)
    return route.cut(x + y, False) == ([x + y] if side < 0 else [x, y])


def _probe_chars(tk) -> str:
    firsts = {w[0] for w in tk.FREQ}
    return "".join([c for c in map(chr, range(0x9FA5, 0x4E00, -1)) if c not in firsts][:2])


def test_the_route_from_rjiebas_own_dictionary_is_jiebas(cutters, monkeypatch):
    # the process route: rjieba's Jieba() (jieba's dictionary built in Rust), our user words and
    # jieba's total to the unit; the same as the route filled word by word from our copy
    _, compiled, tk = cutters
    fresh, lazy, users = words._tokenizer.__wrapped__()
    if lazy is None:
        pytest.skip("no copy of jieba's dictionary in the cache: its checksum is not known")
    got = words._compiled_route(fresh, lazy, users)
    assert got[1] is None and compiled.fill is None
    assert all(map(got[0].has_word, (w for w, f in tk.FREQ.items() if f)))
    chars = _probe_chars(tk)
    for side in (-1, 1):
        assert _total_is(words._compiled_route(fresh, lazy, users)[0], tk.total, chars, side)
        # the probe tells a total off by one
        assert not _total_is(words._compiled_route(fresh, lazy, users)[0], tk.total - side,
                             chars, side)
    monkeypatch.setattr(words, "_RJIEBA_DICTIONARY", {})    # another dictionary: filled
    route, fill = words._compiled_route(fresh, lazy, users)
    fill.complete()
    assert _total_is(route, tk.total, chars, -1)
    assert _total_is(words._compiled_route(tk, None, users)[0], tk.total, chars, 1)


def test_a_dictionary_other_than_rjiebas_own_is_filled(cutters):
    fresh, lazy, users = words._tokenizer.__wrapped__()
    if lazy is None:
        pytest.skip("no copy of jieba's dictionary in the cache")
    lazy.digest = bytes(32)                    # an edited dict.txt: another checksum
    route, fill = words._compiled_route(fresh, lazy, users)
    assert fill is not None and fill.todo
    freqs = {w: fresh.FREQ[w] for w, _, _ in users}
    # a user word of frequency 0 that rjieba's dictionary holds: rjieba cannot drop it
    lazy.digest = bytes.fromhex(words._RJIEBA_DICTIONARY["0.2.2"])
    word = next(w for w in ("地区生产总值", "生产总值") if lazy.frequencies([w])[w])
    release = words._rjieba_release()
    assert words._own_dictionary_route(*release, lazy, users, dict(freqs, **{word: 0}),
                                       fresh.total) is None
    assert words._own_dictionary_route(*release, lazy, users, freqs, fresh.total) is not None


def test_the_compiled_dictionary_fills_per_first_character_then_all_at_once(cutters,
                                                                            monkeypatch):
    python, _, tk = cutters
    fresh, lazy, users = words._tokenizer.__wrapped__()
    if lazy is None:
        pytest.skip("no copy of jieba's dictionary in the cache: it is filled at once")
    monkeypatch.setattr(words, "_RJIEBA_DICTIONARY", {})    # not rjieba's own dictionary
    route, fill = words._compiled_route(fresh, lazy, users)
    cutter = words._RouteCutter(fresh, lazy, route, fill)
    text = "建立了5个电商示范站点，地区生产总值增长，鑫淼犇骉"
    assert cutter.words(text) == python.words(text)
    assert fill.todo and not fill.todo & set(text) and lazy.todo == set(lazy.where) - {
        w[0] for w, _, _ in users}                      # the Python side loaded no more
    complete = words._compiled_route(tk, None, users)[0]    # from jieba's complete dictionary
    fill.complete()
    for w in ("金湖", "变低", "缘会", "地区生产总值", "B超", "不存在的词"):
        assert route.has_word(w) == complete.has_word(w) == bool(tk.FREQ.get(w)), w
        assert route.cut(w, False) == complete.cut(w, False)


def test_an_unchecked_rjieba_release_leaves_the_python_route(cutters, monkeypatch):
    _, _, tk = cutters
    monkeypatch.setattr(words, "_RJIEBA_CHECKED", ("0.0.0",))
    assert words._rjieba_class() is None
    assert words._compiled_route(tk, None, words._tokenizer()[2]) is None


def test_no_dictionary_word_is_only_ascii_letters_and_digits(cutters):
    # rjieba's no-HMM cut joins a stretch of single ASCII letters and digits: _RouteCutter takes
    # such a piece for single steps, which holds while no word of two or more is made of them
    _, _, tk = cutters
    assert not [w for w, f in tk.FREQ.items() if f and len(w) > 1 and w.isascii() and w.isalnum()]


def test_complete_dictionary_loads_what_the_cutter_routes_with(cutters):
    words.complete_dictionary()
    cutter = words._cutter()
    assert cutter.fill is None or not cutter.fill.todo
    assert cutter.words("金湖变低缘会") == ["金湖", "变低", "缘", "会"]


def _route_as_is(cutter, text) -> bool:
    """Whether _RouteCutter.words returns the route's own list (its shortcut) for ``text``."""
    real, lists = cutter.route, []
    cutter.route = lambda t, hmm: lists.append(real(t, hmm)) or lists[-1]
    try:
        out = cutter.words(text)
    finally:
        cutter.route = real
    return bool(lists) and out is lists[-1]


def test_the_route_is_returned_as_is_only_where_the_words_are_the_same(cutters, sample_prepared):
    # no ASCII stretch and no two single characters in a row: a lone single step is flushed
    # as itself, so the route's list is the words; taken on windows with lone single steps
    # too (not only on those without any), and compared with the Python route on both sides
    python, compiled, tk = cutters
    text = sample_prepared.clean.text
    windows = [text[max(0, m.start() - 14):m.start()] for m in regex.finditer(r"(?<!\d)\d", text)]
    windows += [text[i:i + n] for n in (3, 8, 20, 60) for i in range(0, len(text) - n, 37)]
    windows += ["发展的经济", "的经济发展", "在经济发展中的", "经济的发展", "中国的12", "的1个", "a的经济"]
    as_is = lone = 0
    for w in windows:
        got = compiled.words(w)
        assert got == python.words(w), w
        if _route_as_is(compiled, w):
            as_is += 1
            lone += 1 in map(len, got)
    assert as_is > 100 and lone > 30, (as_is, lone)
    for w in ("经济的发展", "发展的经济"):
        assert _route_as_is(compiled, w) and tk.lcut(w) == compiled.words(w)
    for w in ("在经济发展中的", "a的经济", "经济abc发展"):     # singles in a row, ASCII: the long way
        assert not _route_as_is(compiled, w)
