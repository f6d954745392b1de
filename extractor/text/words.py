"""jieba words and spaCy Docs for context (subjects, cue words) — never for number boundaries.

One ``jieba.Tokenizer`` per process, initialised lazily and quietly with the domain user
dictionary ``rules/lexicons/jieba_user.txt``; one blank Chinese spaCy vocabulary, created lazily.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import math
import operator
import os
import re
import struct
import sys
import threading
import zlib
from array import array
from pathlib import Path
from typing import Iterable, Sequence

from ..rulefiles import cache_path, read_cache, read_lines, write_cache

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
    """The process-wide jieba tokenizer with the user dictionary (no log output), its prefix
    dictionary complete (jieba's own methods may look up any word)."""
    tk, lazy, _ = _tokenizer()
    if lazy is not None:
        lazy.complete()
    return tk


def complete_dictionary() -> None:
    """Load at once the rest of the dictionary the cutter routes with, which it otherwise
    fills one first character at a time as texts come: for a benchmark that keeps this
    one-off cost of the process out of the stage it times."""
    cutter = _cutter()
    filling = cutter.fill if isinstance(cutter, _RouteCutter) else cutter.lazy
    if filling is not None:
        filling.complete()


@functools.cache
def _tokenizer():
    """The tokenizer with the user dictionary, the :class:`_Dictionary` still filling its
    prefix dictionary (None when it is complete), and the user words (word, frequency or
    None, tag) in the order they were added."""
    jieba = import_jieba()

    logging.getLogger("jieba").setLevel(logging.ERROR)
    jieba.setLogLevel(logging.ERROR)
    with _lock:
        tk = jieba.Tokenizer()
        lazy = _initialize(tk, jieba)
        users = []
        for line in read_lines("lexicons/jieba_user.txt"):
            parts = line.split()
            word = parts[0]
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else None
            users.append((word, freq, tag))
        if lazy is not None:
            # add_word writes the entries of a word and of its prefixes, which all start with
            # its first character; it cuts the word (reads the words of each of its
            # characters) only to suggest a frequency the user dictionary does not give
            lazy.need("".join(w if f is None else w[0] for w, f, _ in users))
        for word, freq, tag in users:
            tk.add_word(word, freq, tag)
    return tk, lazy, tuple(users)


# jieba's dictionary: `Tokenizer.initialize` loads its prefix dictionary (498k words and
# prefixes → frequency) with `marshal.load` from a file object, which reads item by item: 0.7 s
# on an idle machine, over half of a fresh process's start-up. The same dictionary is kept in
# our cache grouped by first character (one block of words and one array of frequencies, with
# each character's range): a word can only matter to a text holding its first character, so
# the cutter loads a character's words the first time a text to cut holds it (the windows cut
# for the sample report hold 201 characters: 14 % of the entries), and the whole rest once it
# has cut enough. Nothing in the file is code, and a damaged file fails its checksum.
# The file: magic, the body's sha256 (names the dictionary, see _RJIEBA_DICTIONARY: computed
# when the file is written, not at every start, where it cost ~10 ms of 7 MB), _DICT_CHECK
# (a CRC-32 of the sha256, the sum and the body, which finds a damaged file in ~1.5 ms; the sum
# of the entries' frequencies, which each start needed: ~5 ms over 349k entries), the body.
_DICT_MAGIC = b"extractor jieba dictionary 3\n"
_DICT_CHECK = struct.Struct("<IQ")
# entries, total frequency, first characters, bytes of them, bytes of the words
_DICT_HEAD = struct.Struct("<QQQQQ")


class _Dictionary:
    """jieba's prefix dictionary filled into ``freq`` one first character at a time.

    Invariant the cutter relies on: before a text is routed, every character of it has been
    passed to :meth:`need`, so each fragment it looks up (which starts with one of them) is in
    ``freq`` exactly when it is in jieba's dictionary."""

    #: runs cut before the rest of the dictionary is loaded at once, which ends the check per
    #: new run (~0.4 µs; a document has a few hundred runs, a corpus of 2 M characters 120k)
    COMPLETE_AFTER = 3000

    def __init__(self, freq: dict, chars: str, char_offsets: array, entry_offsets: array,
                 blob: memoryview, counts: array, digest: bytes = b"",
                 own_total: int | None = None) -> None:
        self.freq = freq
        self.where = dict(zip(chars, range(len(chars))))
        self.todo = set(chars)            # first characters whose words are not loaded yet
        self.char_offsets = char_offsets
        self.entry_offsets = entry_offsets
        self.blob = blob
        self.counts = counts
        self.calls = 0
        self.digest = digest    # the cache file's checksum: names the dictionary it holds
        # the sum of the entries' frequencies (each word once; prefixes are 0)
        self.own_total = sum(counts) if own_total is None else own_total

    def need(self, text: str) -> None:
        """Load the words starting with a character of ``text`` (if not loaded yet)."""
        self.calls += 1
        if self.calls >= self.COMPLETE_AFTER:
            self.complete()
            return
        todo = self.todo
        if not todo.isdisjoint(text):
            for ch in todo.intersection(text):
                self._load(ch)

    def complete(self) -> None:
        for ch in list(self.todo):
            self._load(ch)

    def _block(self, ch: str) -> tuple[list[str], array]:
        """The words starting with ``ch`` and their frequencies, from the file."""
        i = self.where[ch]
        b0, b1 = self.char_offsets[i], self.char_offsets[i + 1]
        e0, e1 = self.entry_offsets[i], self.entry_offsets[i + 1]
        return str(self.blob[b0:b1 - 1], "utf-8").split("\n"), self.counts[e0:e1]

    def _load(self, ch: str) -> None:
        self._store(*self._block(ch))
        self.todo.discard(ch)
        if not self.todo:       # everything is stored: the file's 7 MB can go
            self.blob, self.counts = memoryview(b""), array("i")

    def _store(self, words: list[str], counts: array) -> None:
        self.freq.update(zip(words, counts))

    def frequencies(self, words: Iterable[str]) -> dict[str, int] | None:
        """The dictionary's own frequency of each of ``words`` (0: no word, or only a prefix),
        read from the file (not ``freq``, where a user word replaced it); None once the file's
        bytes are dropped."""
        if not self.todo:
            return None
        blocks: dict[str, bytes] = {}
        out = {}
        for w in words:
            i = self.where.get(w[:1])
            if i is None or "\n" in w:
                out[w] = 0
                continue
            # the word's line in its character's block (a line per entry, in the frequencies'
            # order), found by a byte search instead of the block as a dict (~15x faster)
            block = blocks.get(w[0])
            if block is None:
                block = blocks[w[0]] = b"\n" + bytes(
                    self.blob[self.char_offsets[i]:self.char_offsets[i + 1]])
            at = block.find(b"\n" + w.encode("utf-8", "surrogatepass") + b"\n")
            out[w] = (0 if at < 0
                      else self.counts[self.entry_offsets[i] + block.count(b"\n", 0, at)])
        return out


#: copies of jieba's dictionary kept in the cache (two jieba installs side by side, and a third)
_DICTIONARIES_KEPT = 3


def _dictionary_file(jieba) -> Path | None:
    """Our compact copy of jieba's default dictionary, named after what it was made from (jieba
    version, dictionary path, size and mtime) and its format: another jieba or an edited
    dict.txt is a miss."""
    src = os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME)
    try:
        st = os.stat(src)
    except OSError:
        return None
    key = hashlib.sha256(f"{getattr(jieba, '__version__', '?')}\0{src}\0{st.st_size}\0"
                         f"{st.st_mtime_ns}\0{sys.byteorder}\0".encode()
                         + _DICT_MAGIC).hexdigest()[:32]
    return cache_path("jieba", f"{key}.dict")


def _pack_dictionary(freq: dict, total: int) -> bytes | None:
    """The cache file of a prefix dictionary; None when it cannot be written in this form."""
    groups: dict[str, list[str]] = {}
    for w in freq:
        if type(w) is not str or not w or "\n" in w:
            return None
        groups.setdefault(w[0], []).append(w)
    chars = "".join(groups)
    blob = bytearray()
    char_offsets, entry_offsets, counts = array("q", [0]), array("q", [0]), array("i")
    try:
        for ch, words in groups.items():
            blob += "".join(w + "\n" for w in words).encode("utf-8")
            counts.extend(freq[w] for w in words)        # jieba's frequencies are < 2**31
            char_offsets.append(len(blob))
            entry_offsets.append(len(counts))
        chars_b = chars.encode("utf-8")
    except (OverflowError, TypeError, UnicodeEncodeError):
        return None
    body = (_DICT_HEAD.pack(len(freq), total, len(chars), len(chars_b), len(blob)) + chars_b
            + char_offsets.tobytes() + entry_offsets.tobytes() + bytes(blob) + counts.tobytes())
    digest = hashlib.sha256(body).digest()
    own_total = sum(counts)
    check = zlib.crc32(body, zlib.crc32(digest + _DICT_CHECK.pack(0, own_total)[4:]))
    return _DICT_MAGIC + digest + _DICT_CHECK.pack(check, own_total) + body


def _unpack_dictionary(data: bytes | None, freq: dict) -> tuple[_Dictionary, int] | None:
    """A :class:`_Dictionary` filling ``freq`` and the total frequency, from a cache file; None
    when it is not one, or a damaged one."""
    if data is None or not data.startswith(_DICT_MAGIC):
        return None
    start = len(_DICT_MAGIC) + 32 + _DICT_CHECK.size
    if len(data) < start + _DICT_HEAD.size:
        return None
    digest = data[len(_DICT_MAGIC):len(_DICT_MAGIC) + 32]
    check, own_total = _DICT_CHECK.unpack_from(data, len(_DICT_MAGIC) + 32)
    body = memoryview(data)[start:]
    if zlib.crc32(body, zlib.crc32(digest + _DICT_CHECK.pack(0, own_total)[4:])) != check:
        return None
    n, total, nchars, chars_len, blob_len = _DICT_HEAD.unpack_from(body)
    char_offsets, entry_offsets, counts = array("q"), array("q"), array("i")
    pos = _DICT_HEAD.size
    ends = [pos + chars_len]
    ends.append(ends[-1] + (nchars + 1) * char_offsets.itemsize)
    ends.append(ends[-1] + (nchars + 1) * entry_offsets.itemsize)
    ends.append(ends[-1] + blob_len)
    ends.append(ends[-1] + n * counts.itemsize)
    if len(body) != ends[-1]:
        return None
    try:
        chars = str(body[pos:ends[0]], "utf-8")
    except UnicodeDecodeError:
        return None
    char_offsets.frombytes(body[ends[0]:ends[1]])
    entry_offsets.frombytes(body[ends[1]:ends[2]])
    counts.frombytes(body[ends[3]:ends[4]])
    if (len(chars) != nchars or len(set(chars)) != nchars
            or char_offsets[0] != 0 or char_offsets[-1] != blob_len
            or entry_offsets[0] != 0 or entry_offsets[-1] != n
            or not all(map(operator.lt, char_offsets, char_offsets[1:]))
            or not all(map(operator.lt, entry_offsets, entry_offsets[1:]))):
        return None
    return _Dictionary(freq, chars, char_offsets, entry_offsets, body[ends[2]:ends[3]],
                       counts, bytes(digest), own_total), total


def _initialize(tk, jieba) -> _Dictionary | None:
    """``tk.initialize()`` (jieba's default dictionary) from our compact copy when there is one:
    the returned :class:`_Dictionary` fills ``tk.FREQ`` on demand. Else jieba's own way (None:
    ``tk.FREQ`` is complete), and the copy is written for the next process."""
    path = _dictionary_file(jieba)
    freq: dict = {}
    got = _unpack_dictionary(read_cache(path), freq)
    if got is not None:
        tk.FREQ, tk.total = freq, got[1]
        tk.initialized = True
        return got[0]
    tk.initialize()
    if path is not None:
        blob = _pack_dictionary(tk.FREQ, tk.total)
        if blob is not None:
            # one 7 MB file per jieba release, dictionary file and format: the newest few stay
            write_cache(path, blob, kept=_DICTIONARIES_KEPT)
    return None


def cut_words(text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    """jieba words of ``text`` as (word, start, end) with ``offset`` added to the offsets.

    Exactly ``tokenizer().tokenize(text)`` (default mode, HMM on), computed by :class:`_Cutter`:
    jieba segments every run of ``[\u4E00-\u9FD5a-zA-Z0-9+#&._%-]`` on its own, so the words
    of a run are memoised by its text and the DAG / route of a new run is computed with the
    word log-probabilities cached (same floats, same tie-breaking as jieba's ``calc``); where
    rjieba is installed, :class:`_RouteCutter` takes the route from it (the same words).
    """
    if not text:
        return []
    out = []
    pos = offset
    for w in _cutter().words(text):
        n = pos + len(w)
        out.append((w, pos, n))
        pos = n
    return out


def word_strings(text: str) -> tuple[str, ...]:
    """The words of :func:`cut_words` without offsets (memoised by ``text``, a pure function)."""
    return _cutter().words_of(text)


def word_strings_function():
    """:func:`word_strings` as the cutter's own method, for a caller that segments many
    windows (no two call layers per window); valid while the cutter is (a document)."""
    return _cutter().words_of


_UNSEEN = object()
_STOP = object()
_NO_SCORE = float("-inf")       # below every word's score (they are finite)


class _Cutter:
    """jieba's ``Tokenizer.cut(sentence, HMM=True)`` with a per-run memo (see cut_words)."""

    _MAX_MEMO = 200_000

    def __init__(self, tk, lazy: _Dictionary | None = None) -> None:
        import jieba
        from jieba import finalseg

        self.tk = tk
        self.freq = tk.FREQ
        self.lazy = lazy        # while not None: the dictionary is still filling (see _cut_run)
        self.logtotal = math.log(tk.total)
        self.re_han = jieba.re_han_default
        self.re_skip = jieba.re_skip_default
        # the block shapes words() relies on: runs captured by the split's one group, and the
        # other blocks split at whitespace or CR LF only
        if self.re_han.groups != 1:
            raise RuntimeError("jieba's re_han_default must have one capturing group")
        self.plain_skip = self.re_skip.pattern == "(\r\n|\\s)"   # jieba's own
        self.finalseg = finalseg
        self.finalseg_cut = finalseg.cut
        self.logp: dict[str, object] = {}
        self.memo: dict[str, tuple[str, ...]] = {}      # a run (or a whole text) → its words
        # finalseg.cut (the HMM) of a run of unknown single characters: a pure function of the
        # run while finalseg's force-split words stay the same (the key of the memo)
        self.hmm: dict[str, tuple[str, ...]] = {}
        self.hmm_force = -1

    def cut(self, sentence: str):
        """The words of ``sentence`` (an iterator, as jieba's ``cut``)."""
        return iter(self.words(sentence))

    def words_of(self, sentence: str) -> tuple[str, ...]:
        """``words(sentence)`` as a tuple, memoised by the whole string (a run is its own key)."""
        memo = self.memo
        got = memo.get(sentence)
        if got is None:
            got = tuple(self.words(sentence)) if sentence else ()
            if len(memo) >= self._MAX_MEMO:
                memo.clear()
            memo[sentence] = got
        return got

    def words(self, sentence: str) -> list[str]:
        """The words of ``sentence`` as a list (jieba's ``cut`` order).

        ``re_han.split`` (one capturing group) alternates the other blocks (even places, maybe
        empty) and the runs (odd places), so a block's place says what it is. Outside the runs
        jieba yields every character alone except CR LF (re_skip splits the whitespace off
        and each other piece is cut into characters), so a block without CR LF is its characters."""
        memo = self.memo
        out: list[str] = []
        run = False
        for blk in self.re_han.split(sentence):
            if run:
                got = memo.get(blk)
                if got is None:
                    got = self._cut_run(blk)
                    if len(memo) >= self._MAX_MEMO:
                        memo.clear()
                    if len(self.logp) >= 4 * self._MAX_MEMO:
                        self.logp.clear()
                    memo[blk] = got
                out.extend(got)
            elif blk:
                if self.plain_skip and "\r\n" not in blk:
                    out.extend(blk)
                else:
                    re_skip = self.re_skip
                    for x in re_skip.split(blk):
                        if re_skip.match(x):
                            out.append(x)
                        else:
                            out.extend(x)
            run = not run
        return out

    def _route(self, sentence: str) -> list[int]:
        """jieba's get_DAG + calc: for each index the end (exclusive) of its best word.

        ``self.logp`` maps a fragment to its log-probability ``log(freq) - log(total)`` (a word
        with a non-zero frequency), to None (only a prefix of words: frequency 0) or to _STOP
        (not in jieba's prefix dictionary: no longer word starts with it)."""
        logp = self.logp
        lget = logp.get
        freq = self.freq
        logtotal = self.logtotal
        log = math.log
        alone = 0.0 - logtotal          # a character that is no word: log(1) - log(total)
        n = len(sentence)
        score = [0.0] * (n + 1)
        nxt = [0] * (n + 1)
        for idx in range(n - 1, -1, -1):
            # DAG[idx]: ends i of the words sentence[idx:i+1] with a non-zero frequency; jieba
            # takes the max of (score, i), so on equal scores the later i (the longer word) wins
            best_v = _NO_SCORE
            best_x = -1
            for i in range(idx, n):
                frag = sentence[idx:i + 1]
                v = lget(frag, _UNSEEN)
                if v is _UNSEEN:
                    f = freq.get(frag, _UNSEEN)
                    v = _STOP if f is _UNSEEN else (log(f) - logtotal if f else None)
                    logp[frag] = v
                if v is _STOP:
                    break
                if v is not None:
                    v = v + score[i + 1]
                    if v >= best_v:
                        best_v = v
                        best_x = i
            if best_x < 0:
                score[idx] = alone + score[idx + 1]
                nxt[idx] = idx + 1
            else:
                score[idx] = best_v
                nxt[idx] = best_x + 1
        return nxt

    def _hmm(self, buf: str) -> tuple[str, ...]:
        """``finalseg.cut(buf)`` (memoised)."""
        force = self.finalseg.Force_Split_Words
        if len(force) != self.hmm_force or len(self.hmm) >= self._MAX_MEMO:
            self.hmm.clear()
            self.hmm_force = len(force)
        got = self.hmm.get(buf)
        if got is None:
            got = self.hmm[buf] = tuple(self._finalseg_cut(buf))
        return got

    def _finalseg_cut(self, sentence: str) -> list[str]:
        """jieba's ``finalseg.cut``: HMM words of each Han run, the rest split as jieba does."""
        fs = self.finalseg
        re_han, re_skip, force = fs.re_han, fs.re_skip, fs.Force_Split_Words
        out: list[str] = []
        for blk in re_han.split(sentence):
            if re_han.match(blk):
                for word in self._viterbi_words(blk):
                    if word not in force:
                        out.append(word)
                    else:
                        out.extend(word)
            else:
                out.extend(x for x in re_skip.split(blk) if x)
        return out

    def _viterbi_words(self, s: str) -> list[str]:
        """jieba's ``finalseg.__cut`` of a Han run: ``finalseg.viterbi`` over the states B M E S
        with the same sums in the same order (``(prev + trans) + emit``) and the same
        tie-breaking (``max`` of (prob, state) tuples: the later letter wins a tie), then the
        words of the state path."""
        fs = self.finalseg
        low = fs.MIN_FLOAT
        st, tr, em = fs.start_P, fs.trans_P, fs.emit_P
        eB, eM, eE, eS = em["B"], em["M"], em["E"], em["S"]
        tEB, tSB = tr["E"].get("B", low), tr["S"].get("B", low)
        tMM, tBM = tr["M"].get("M", low), tr["B"].get("M", low)
        tSS, tES = tr["S"].get("S", low), tr["E"].get("S", low)
        tBE, tME = tr["B"].get("E", low), tr["M"].get("E", low)
        c = s[0]
        vB = st["B"] + eB.get(c, low)
        vM = st["M"] + eM.get(c, low)
        vE = st["E"] + eE.get(c, low)
        vS = st["S"] + eS.get(c, low)
        back = []                        # per step: the previous state of B, M, E, S
        for c in s[1:]:
            e = eB.get(c, low)
            x, y = vE + tEB + e, vS + tSB + e          # PrevStatus B: E, S
            nB, pB = (x, "E") if x > y else (y, "S")
            e = eM.get(c, low)
            x, y = vM + tMM + e, vB + tBM + e          # PrevStatus M: M, B
            nM, pM = (x, "M") if x >= y else (y, "B")
            e = eS.get(c, low)
            x, y = vS + tSS + e, vE + tES + e          # PrevStatus S: S, E
            nS, pS = (x, "S") if x >= y else (y, "E")
            e = eE.get(c, low)
            x, y = vB + tBE + e, vM + tME + e          # PrevStatus E: B, M
            nE, pE = (x, "B") if x > y else (y, "M")
            back.append((pB, pM, pE, pS))
            vB, vM, vE, vS = nB, nM, nE, nS
        state = "E" if vE > vS else "S"               # max over (prob, y) for y in "ES"
        path = [state]
        for prev in reversed(back):
            state = prev["BMES".index(state)]
            path.append(state)
        path.reverse()
        words = []
        begin = nexti = 0
        for i, pos in enumerate(path):
            if pos == "B":
                begin = i
            elif pos == "E":
                words.append(s[begin:i + 1])
                nexti = i + 1
            elif pos == "S":
                words.append(s[i])
                nexti = i + 1
        if nexti < len(s):
            words.append(s[nexti:])
        return words

    def _cut_run(self, sentence: str) -> tuple[str, ...]:
        """jieba's ``Tokenizer.__cut_DAG`` (HMM for runs of single characters) of one run."""
        if self.lazy is not None:       # the words of the run's characters, before routing
            if self.lazy.todo:
                self.lazy.need(sentence)
            else:
                self.lazy = None
        nxt = self._route(sentence)
        known = self.freq.get
        out: list[str] = []
        x = 0
        buf = ""
        n = len(sentence)
        while x < n:
            y = nxt[x]
            if y - x == 1:
                buf += sentence[x]
            else:
                if buf:
                    self._flush_singles(buf, out, known)
                    buf = ""
                out.append(sentence[x:y])
            x = y
        if buf:
            self._flush_singles(buf, out, known)
        return tuple(out)

    def _flush_singles(self, buf: str, out: list[str], known) -> None:
        """A run of single-character steps: itself if one character, jieba's HMM if the run is
        not a dictionary word (``known(buf)`` false: no entry or frequency 0), else its
        characters (as ``__cut_DAG`` does)."""
        if len(buf) == 1:
            out.append(buf)
        elif not known(buf):
            out.extend(self._hmm(buf))
        else:
            out.extend(buf)


# Characters that rjieba 0.2.2 (jieba-rs 0.11) puts into its runs but jieba's re_han_default does
# not (CJK extension A, U+9FD6-U+9FFF, compatibility ideographs, the supplementary planes'
# ideographs; found by probing every code point), and lone surrogates, which cannot cross
# into Rust: a text holding one is cut by the Python route.
_OUTSIDE_COMPILED = re.compile(
    "[\u3400-\u4DBF\u9FD6-\u9FFF\uF900-\uFAFF\U00020000-\U0002FA1F\uD800-\uDFFF]")
# jieba's run characters besides the Han block [\u4E00-\u9FD5] (re_han_default)
_RUN_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")


class _RouteCutter(_Cutter):
    """:class:`_Cutter` with jieba's route (get_DAG + calc) computed by rjieba, the HMM and the
    rest still ours: the same words, from a route ~20x faster than the Python one.

    ``route(text, False)`` (rjieba's ``cut`` without HMM) gives, per run, the route's words of
    two or more characters, and its single-character steps alone, except that a stretch of
    single ASCII letters and digits comes joined (jieba's no-HMM cut); outside the runs each
    character alone and CR LF together, as jieba. So a word of one character is a step of
    the route when it is a run character, and one of only ASCII letters and digits is a
    stretch of steps (jieba's dictionary has no such word; :func:`_compiled_route` checks
    the user words): both are gathered into the buffer that jieba's ``__cut_DAG`` fills
    with single steps, which is flushed before every other word as there. Not used:
    rjieba's HMM, whose emission table is rounded to 6 decimals (jieba's has all 17 digits),
    and which keeps ``a.b`` whole where jieba's finalseg gives ``a``, ``.b``."""

    def __init__(self, tk, lazy: _Dictionary | None, route,
                 fill: _RouteDictionary | None) -> None:
        super().__init__(tk, lazy)
        self.rjieba = route
        self.fill = fill        # while not None: route's dictionary is still filling
        self.route = route.cut
        self.known = route.has_word     # every word of route has a non-zero frequency
        self.outside = _OUTSIDE_COMPILED.search

    def words(self, sentence: str) -> list[str]:
        if self.outside(sentence) is not None:
            return super().words(sentence)
        if self.fill is not None:       # the words of the text's characters, before routing
            if self.fill.todo:
                self.fill.need(sentence)
            else:
                self.fill = None
        got = self.route(sentence, False)
        if not any(map(str.isascii, got)) and "11" not in "".join(map(str, map(len, got))):
            # no ASCII stretch and no two single characters in a row (the lengths written one
            # after the other hold no "11"; a length of 11 or one like 1, 1x only sends the
            # text the long way): a single step alone in jieba's buffer is flushed as itself,
            # so the route's words are the words as they are
            return got
        out: list[str] = []
        buf = ""
        for w in got:
            if len(w) == 1:
                if w in _RUN_ASCII or "\u4e00" <= w <= "\u9fd5":
                    buf += w
                    continue
            elif w.isascii() and w.isalnum():
                buf += w
                continue
            if buf:
                self._flush_singles(buf, out, self.known)
                buf = ""
            out.append(w)
        if buf:
            self._flush_singles(buf, out, self.known)
        return out


#: rjieba releases whose no-HMM cut was checked to be jieba 0.42.1's route over the dictionary
#: it is given: it sums ``log(freq) - log(total) + rest`` in jieba's order with glibc's ``log``
#: (the same values as Python's math.log), takes the later end on a tie, and counts as run
#: characters jieba's and those of _OUTSIDE_COMPILED; tests/text/test_text_words_compiled.py
#: compares the words.
_RJIEBA_CHECKED = ("0.2.2",)
# a word the route can never look up (its character is in no run): holds the part of jieba's
# total not loaded yet (and what jieba counts twice: B超, listed twice in dict.txt, and a user
# word's frequency on top of the one it replaces), so that rjieba's total is always jieba's
_FILLER = "\x00"


class _RouteDictionary(_Dictionary):
    """rjieba's dictionary filled from our copy of jieba's one first character at a time, as
    :class:`_Dictionary` fills jieba's (with its own characters to do: the Python one fills
    only for the texts the Python route cuts). The user words are in from the start with the
    frequencies jieba gave them; a default word they replace is skipped when it comes. Used
    when rjieba cannot build the dictionary itself (see :func:`_own_dictionary_route`)."""

    COMPLETE_AFTER = math.inf       # the check per window costs ~0.3 µs of ~4

    def __init__(self, source: _Dictionary, route, users: dict[str, int], rest: int) -> None:
        self.where = source.where
        self.todo = set(source.where)
        self.char_offsets, self.entry_offsets = source.char_offsets, source.entry_offsets
        self.blob, self.counts = source.blob, source.counts
        self.calls = 0
        self.add = route.add_word
        self.users = users
        self.rest = rest

    def _store(self, words: list[str], counts: array) -> None:
        self.rest = _add_words(self.add, zip(words, counts), self.users, self.rest)


def _add_words(add, entries, users: dict[str, int], rest: int) -> int:
    """Add the (word, frequency) entries with a frequency (a prefix has 0) that are not user
    words to rjieba's dictionary; the filler keeps the total; returns what it holds now."""
    for word, freq in entries:
        if freq and word not in users:
            add(word, freq, None)
            rest -= freq
    add(_FILLER, rest, None)
    return rest


def _compiled_route(tk, lazy: _Dictionary | None, users):
    """rjieba's ``Jieba`` with jieba's dictionary, our user words and jieba's total, and the
    :class:`_RouteDictionary` still filling it (None when complete: built by rjieba from its
    own copy of jieba's dictionary, see :func:`_own_dictionary_route`, or filled from jieba's
    complete one); None when rjieba is missing, is not a checked release, or the setting is
    not the checked one."""
    jieba = import_jieba()
    if (getattr(jieba, "__version__", None) != "0.42.1"
            or jieba.re_han_default.pattern != "([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)"
            or jieba.re_skip_default.pattern != "(\r\n|\\s)"
            or tk.dictionary != jieba.DEFAULT_DICT):
        return None
    freqs = {word: tk.FREQ[word] for word, _, _ in users}       # as jieba gave them, last wins
    # a word of ASCII letters and digits only would be taken for a stretch of single steps
    if any(f and w.isascii() and w.isalnum() or _FILLER in w for w, f in freqs.items()):
        return None
    try:
        release = _rjieba_release()
        if release is None:
            return None
        route = _own_dictionary_route(*release, lazy, users, freqs, tk.total)
        if route is not None:
            return route, None
        route = release[1].empty()
    except Exception:   # noqa: BLE001  (a broken install: the Python route does the same)
        return None
    _add_users(route, users, freqs)
    rest = tk.total - sum(freqs.values())
    if lazy is not None and lazy.todo:
        route.add_word(_FILLER, rest, None)
        return route, _RouteDictionary(lazy, route, freqs, rest)
    _add_words(route.add_word, tk.FREQ.items(), freqs, rest)     # jieba's dictionary is complete
    return route, None


#: per checked rjieba release, the checksum of our copy of the dictionary its ``Jieba()`` is
#: built from (its ``_pack_dictionary`` of jieba 0.42.1's dict.txt): the release embeds that
#: dict.txt's words with the same frequencies (one line less: B超 is listed twice in jieba's;
#: compared word by word with the copy decompressed from rjieba 0.2.2's library), so the
#: route's dictionary is built in Rust (0.1 s) instead of filled with one add_word a word
#: (0.43 µs each, ~0.26 s a process on a first pass over the corpus, in every pool worker).
_RJIEBA_DICTIONARY = {
    "0.2.2": "6a82ca6e3d17c2aaf40e5ee62edd82f0a9d63c7fbdb144fe00dc6e23997bcb40",
}


def _own_dictionary_route(version: str, cls, lazy: _Dictionary | None, users,
                          freqs: dict[str, int], total: int):
    """rjieba's ``Jieba()`` (its own dictionary) with our user words and a filler making its
    total jieba's ``total``, when ``lazy`` is our copy of that same dictionary (told by its
    checksum); else None. rjieba's total starts as the sum of its words' frequencies (each word
    once) and add_word replaces a word's frequency, total included; a user word that jieba
    gives frequency 0 would have to leave the dictionary, which rjieba cannot do (None)."""
    if lazy is None or lazy.digest.hex() != _RJIEBA_DICTIONARY.get(version):
        return None
    own = lazy.frequencies(freqs)
    if own is None or any(own[w] and not f for w, f in freqs.items()):
        return None
    rest = total - lazy.own_total - sum(f - own[w] for w, f in freqs.items() if f)
    if rest < 0:
        return None
    route = cls()
    _add_users(route, users, freqs)
    route.add_word(_FILLER, rest, None)
    return route


def _add_users(route, users, freqs: dict[str, int]) -> None:
    """The user words with the frequencies jieba gave them (``freqs``), in their order."""
    for word, _, tag in users:
        if freqs[word]:             # a frequency 0 takes the word out of jieba's route
            route.add_word(word, freqs[word], tag)


def _rjieba_class():
    """rjieba's ``Jieba`` class if rjieba is a checked release (else None)."""
    release = _rjieba_release()
    return release[1] if release is not None else None


def _rjieba_release():
    """(version, ``Jieba`` class) of rjieba if it is a checked release (else None).

    The release is told by its ``rjieba-<version>.dist-info`` folder beside the package (the
    wheel has no ``__version__``; importlib.metadata costs 60 ms of start-up). The package's
    ``__init__`` builds a default ``Jieba`` at import (0.2 s, 24 MB) that this process would
    never use, so when rjieba is not imported yet its extension module is loaded by itself
    (and registered under its name, so that a later ``import rjieba`` uses it)."""
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("rjieba")       # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = list(spec.submodule_search_locations)[0]
    site = os.path.dirname(folder)
    try:
        infos = [n for n in os.listdir(site)
                 if n.startswith("rjieba-") and n.endswith(".dist-info")]
    except OSError:
        return None
    version = infos[0][len("rjieba-"):-len(".dist-info")] if len(infos) == 1 else None
    if version not in _RJIEBA_CHECKED:
        return None
    if "rjieba" in sys.modules:
        return version, sys.modules["rjieba"].Jieba
    name = "rjieba.rjieba"
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, "rjieba" + suffix)
        if os.path.isfile(path):
            loader = importlib.machinery.ExtensionFileLoader(name, path)
            module = importlib.util.module_from_spec(
                importlib.util.spec_from_file_location(name, path, loader=loader))
            loader.exec_module(module)
            sys.modules[name] = module
            return version, module.Jieba
    return None


@functools.cache
def _cutter() -> _Cutter:
    tk, lazy, users = _tokenizer()
    compiled = _compiled_route(tk, lazy, users)
    return _Cutter(tk, lazy) if compiled is None else _RouteCutter(tk, lazy, *compiled)


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
