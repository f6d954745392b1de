"""Bytes → str for plain-text containers.

Order of evidence, cheapest first:

1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE): the BOM decides, and is stripped;
2. NUL / control bytes: BOM-less UTF-16 (NULs mostly on one parity, decodes strictly to plausible
   text) or else "binary file, not text";
3. strict UTF-8 (the fast path: one C-level ``bytes.decode``; ASCII is reported as ``utf-8``);
4. legacy Chinese encodings. GB18030 decodes almost any byte string strictly (Big5 bytes included,
   and often UTF-8 bytes too), and GB2312-range text often decodes as Big5, so "decodes without
   error" cannot decide. Each candidate (utf-8 with replacement, gb18030, big5/cp950/big5hkscs) is
   decoded on a sample and scored by the share of its non-ASCII characters that are among the few
   hundred most frequent Chinese characters (simplified and traditional forms): a right decoding
   of Chinese prose scores above 0.5, a wrong one (private-use characters, kana, rare Han) a few
   percent. With fewer than ``MIN_HAN`` Han characters the least damaged candidate wins (then the
   score, then GB18030 before Big5 before UTF-8); charset-normalizer is asked only when no
   candidate reads as Chinese at all (another encoding altogether);
5. the winner decodes the whole file strictly; if that fails, with ``errors="replace"`` only when
   under ``MAX_DAMAGE`` of the characters are replaced (recorded as e.g. ``gb18030+replace``);
   otherwise the file is refused as mixed or damaged.

All heavy work is C-level (``bytes.decode``, ``bytes.count``, ``bytes.translate``, ``str.count``);
Python-level loops only ever touch a bounded sample.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass

import regex

from ..errors import ReadError

# A decoded text may contain at most this share of U+FFFD replacement characters we introduced.
MAX_DAMAGE = 0.01
# Bytes looked at to choose between candidate encodings.
SAMPLE_BYTES = 256 * 1024
# Below this many Han characters in the sample the frequency score is not evidence.
MIN_HAN = 20
# A right decoding of Chinese prose has a common-character share far above this.
MIN_SCORE = 0.12
# Control bytes (other than \t \n \v \f \r) tolerated in text, as a share of all bytes.
MAX_CONTROL = 0.001

# The most frequent Chinese characters (general prose and the report genre), simplified forms and
# the traditional forms of those that differ. Used only to tell a right decoding from a wrong one.
_COMMON_SIMPLIFIED = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过"
    "发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前"
    "开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重"
    "并物手应战向头文体政美相见被利什二等产或新己制身果加西月话合回特代内信表化老给世位次度门任常先"
    "海通教原东声提立及比员解水名真论处走义各入几口认条平系气题活更别打变四总何电数安少报才结反受目"
    "量再感建务做接必场件计管期市直资命山金指许统区保至队形社便空决治展科司五基书非则听白界达光放强"
    "即像难且权思象完设式路记南品住告类求据程北边死张该交规万取格望觉术领共确传观清今切院让识带导争"
    "运风步改收根干造言联持组每济车亲极林服快办议往元证近失转令准布始存未远台单具字爱流备连调深商算"
    "质团集百需价党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八"
    "功包片史委查轻易早曾除农找装广显标谈图念六引历首医局专费号尽另周较注语仅考落青随选列红响虽推势"
    "参希众构房半节土投某案维革划致律足态护七兴派验责营星够章音跟志底站严例防族供效续施留讲型料终答"
    "紧绝察京段依批群项故按河米围江织害双境客纪采举攻友止细愿千值仍钱破网热助育属坐限速刻乐否刚状率"
    "甚独般普创假久错承印股脑预益若微继送急素药适省初喜卫源食险待述陆习置居劳财环排福纳欢警获模充负"
    "停游层冷略范简判担州静退既宗积余检差富协角占配征修降阶审坚善超免压银买养执副乱抗帮宣优著田铁控"
    "税左右份艺阵概块守酒户烈款靠评版宝座释景顾登货互付慢换闻核介坏良序升监临域掉括县减编肯测败散温"
    "困渐封救贵缺楼尚移班智亦短掌恐遗固席秘谢遇康虑均销藏旧端探录春乡附吸予港板庭归额含顺输招脱补督"
    "油旅材笔亿础训私庄丝宽促延震弃伟缓售申培诚盛振染措残途侵刑绿迅套贸毕轮库迹尤竞街"
)
_COMMON_TRADITIONAL = (
    "這個們來說國時對會後過當於裡從發進種還麼經與學見無點開長問體機實現動關兩間將為並應戰頭變總幾認"
    "條氣題區報設計產業務員質資萬億縣鎮鄉農環項場際構議黨導領組織費貿濟價穩創興歷層級邊營擴電網據確"
    "歲醫療衛辦規劃範標準選舉協調積極職責稅財預審監督檢查處廣護險養視聽書畫藝術灣鐵車輛運輸園樓廠鋼"
    "銷售購買賣額筆綜續維繼華陽東亞歐洲務們實現統計達經濟圍約線離門樣聯專節紀論識讓權傳觀態區"
)
_COMMON_HAN = frozenset(_COMMON_SIMPLIFIED + _COMMON_TRADITIONAL)

_HAN = regex.compile(r"\p{Han}")
_ASCII_RUN = regex.compile(r"[\x00-\x7f]+")
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
# Characters that plausible report text is made of (for BOM-less UTF-16 sniffing).
_IMPLAUSIBLE = regex.compile(r"[^\p{Han}\p{P}\p{S}\p{L}\p{N}\s\u3000-\u303f\uff00-\uffef]")

# (bom, codec, label); UTF-32 before UTF-16 because FF FE 00 00 starts with FF FE.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

# Leading bytes of common binary formats, to say what a misnamed file probably is.
_MAGIC = (
    (b"%PDF-", "it looks like a PDF; give it the .pdf suffix"),
    (b"PK\x03\x04", "it looks like a zip archive (.docx/.xlsx?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "it looks like a legacy MS Office file (.doc/.xls); "
                                          "save it as .docx"),
    (b"\x89PNG\r\n\x1a\n", "it looks like a PNG image"),
    (b"\xff\xd8\xff", "it looks like a JPEG image"),
    (b"GIF8", "it looks like a GIF image"),
    (b"\x1f\x8b", "it looks like a gzip archive"),
    (b"Rar!", "it looks like a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "it looks like a 7-Zip archive"),
    (b"\x7fELF", "it looks like an executable"),
    (b"MZ", "it looks like a Windows executable"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str       # label recorded on the Document, "+replace" when damage was repaired
    replaced: int = 0   # U+FFFD characters introduced by the decoding


def decode_text(data: bytes, *, source: str) -> Decoded:
    """Decode the bytes of a text file; raise ReadError(source, reason) when it is not text."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            if codec == "utf-8":
                _refuse_control_bytes(body, source)
            else:
                sample = codecs.getincrementaldecoder(codec)(errors="replace").decode(
                    body[:SAMPLE_BYTES], final=False)
                bad = len(_IMPLAUSIBLE.findall(sample)) + sample.count("\ufffd")
                if bad > 0.01 * len(sample):
                    raise ReadError(source, f"binary file, not text (a {codec} byte-order mark "
                                            "followed by bytes that are not text)")
            return _decode_whole(body, codec, label, source)
    _refuse_binary_magic(data, source)
    if b"\x00" in data:  # memchr: free when there is none
        utf16 = _sniff_utf16(data)
        if utf16 is not None:
            return utf16
    _refuse_control_bytes(data, source)
    # Fast path: most real files are UTF-8 (C-speed strict decode). ASCII is reported as utf-8.
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data, source)


def decode_with_declared(data: bytes, codec: str, *, source: str) -> Decoded | None:
    """Strictly decode with a declared charset (HTML meta); None when it does not fit the bytes."""
    try:
        info = codecs.lookup(codec)
    except LookupError:
        return None
    name = _canonical(info.name)
    try:
        return Decoded(data.decode(name), name)
    except UnicodeDecodeError:
        return None


def _canonical(name: str) -> str:
    """GBK and GB2312 data are decoded as GB18030 (their superset); other names as Python's."""
    name = codecs.lookup(name).name
    if name in ("gbk", "gb2312", "hz", "cp936"):
        return "gb18030"
    return name


def _refuse_binary_magic(data: bytes, source: str) -> None:
    for magic, hint in _MAGIC:
        if data.startswith(magic):
            if magic == b"MZ" and b"\x00" not in data[:512]:
                continue  # "MZ" can start a text file; an executable has NULs right away
            raise ReadError(source, f"binary file, not text ({hint})")


def _refuse_control_bytes(data: bytes, source: str) -> None:
    # text has none of them, as a rule: one memchr per byte value says so (a C-speed scan each,
    # ~4x faster together than the copy that counts them); only then are they counted
    if not any(map(data.__contains__, _CONTROL_BYTES)):
        return
    control = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if control > MAX_CONTROL * len(data):
        nul = data.count(0)
        raise ReadError(source, f"binary file, not text ({control} control bytes in {len(data)}, "
                                f"{nul} of them NUL)")


def _sniff_utf16(data: bytes) -> Decoded | None:
    """BOM-less UTF-16: the NULs of ASCII characters sit on odd (LE) or even (BE) offsets (CJK
    characters such as 一 U+4E00 put a few on the other parity)."""
    nul = data.count(0)
    if nul == 0 or len(data) % 2 or len(data) < 4:
        return None
    even = data[0::2].count(0)
    odd = nul - even
    if odd >= 0.75 * nul:
        codec = "utf-16-le"
    elif even >= 0.75 * nul:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    sample = text[:SAMPLE_BYTES // 2]
    if len(_IMPLAUSIBLE.findall(sample)) > 0.01 * len(sample):
        return None
    return Decoded(text, codec)


def _decode_whole(body: bytes, codec: str, label: str, source: str) -> Decoded:
    """Decode all of ``body`` strictly, else with replacement if the damage is small."""
    try:
        return Decoded(body.decode(codec), label)
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = body.decode(codec, errors="replace")
    replaced = text.count("\ufffd") - _literal_replacements(body, codec)
    if replaced > MAX_DAMAGE * max(len(text), 1):
        raise ReadError(source, f"mixed or damaged encoding: read as {label}, {replaced} of "
                                f"{len(text)} characters cannot be decoded (first bad byte at "
                                f"offset {first_bad})")
    return Decoded(text, f"{label}+replace", replaced)


def _literal_replacements(data: bytes, codec: str) -> int:
    """U+FFFD characters genuinely present in the file (not introduced by us)."""
    try:
        return data.count("\ufffd".encode(codec))
    except UnicodeEncodeError:
        return 0


@dataclass(slots=True)
class _Candidate:
    codec: str
    label: str
    damage: float
    han: int
    score: float


def _score(text: str) -> tuple[int, float]:
    """(Han characters, common Han characters / non-ASCII characters) of a bounded sample.

    The denominator is every non-ASCII character, not only Han ones: wrong decodings also make
    private-use characters, kana, box drawing … which must count against them.
    """
    han = _HAN.findall(text)
    if not han:
        return 0, 0.0
    non_ascii = len(_ASCII_RUN.sub("", text))
    common = sum(1 for ch in han if ch in _COMMON_HAN)  # bounded by the sample size
    return len(han), common / max(non_ascii, 1)


def _evaluate(sample: bytes, codec: str, label: str) -> _Candidate:
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    text = decoder.decode(sample, final=False)  # a character cut by the sample end is not damage
    replaced = text.count("\ufffd") - _literal_replacements(sample, codec)
    han, score = _score(text)
    return _Candidate(codec, label, replaced / max(len(text), 1), han, score)


def _big5_codec(data: bytes) -> str:
    """The narrowest Big5 variant that decodes the sample (big5 ⊂ cp950; big5hkscs for HK)."""
    for codec in ("big5", "cp950", "big5hkscs"):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            decoder.decode(data, final=False)
            return codec
        except UnicodeDecodeError:
            continue
    return "cp950"


def _decode_legacy(data: bytes, source: str) -> Decoded:
    sample = data[:SAMPLE_BYTES]
    big5 = _big5_codec(sample)
    candidates = [_evaluate(sample, "utf-8", "utf-8"),
                  _evaluate(sample, "gb18030", "gb18030"),
                  _evaluate(sample, big5, big5)]
    usable = [c for c in candidates if c.damage <= MAX_DAMAGE]
    best = max(usable, key=lambda c: (c.score, -c.damage), default=None)
    if best is not None and best.han < MIN_HAN:
        # Too few Han characters for the score alone: least damage first, then the score, then
        # the likelier encoding of a mainland report (GB18030, Big5, UTF-8 in that order).
        prior = {"gb18030": 0, "utf-8": 2}
        best = min(usable, key=lambda c: (c.damage, -c.score, prior.get(c.codec, 1)))
    elif best is None or best.score < MIN_SCORE:
        # Nothing reads as Chinese prose: perhaps another encoding altogether (our score means
        # nothing there), so charset-normalizer's guess wins if it decodes cleanly.
        guess = _ask_charset_normalizer(sample)
        if guess is not None:
            other = _evaluate(sample, guess, guess)
            if other.damage <= MAX_DAMAGE:
                best = other
    if best is None:
        detail = ", ".join(f"{c.label} {c.damage:.1%}" for c in candidates)
        raise ReadError(source, "mixed or unknown encoding: no candidate decodes it cleanly "
                                f"(share of undecodable characters: {detail})")
    return _decode_whole(data, best.codec, best.label, source)


def _ask_charset_normalizer(sample: bytes) -> str | None:
    """charset-normalizer's best guess as a canonical codec name (GBK/GB2312 → gb18030)."""
    try:
        from charset_normalizer import from_bytes
        match = from_bytes(sample).best()
        return _canonical(match.encoding) if match is not None else None
    except Exception:  # noqa: BLE001 - a detector failure only means "no opinion"
        return None
