"""Bad input: every failure is a ReadError whose message names the file and the reason."""
from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from extractor.errors import ExtractorError, ReadError
from extractor.reading import Limits, read, read_bytes
from extractor.reading.docx_reader import ZipLimits

from ._writers import write_docx, write_pdf, write_scanned_pdf


def _error(path: Path | str, **kw) -> ReadError:
    with pytest.raises(ReadError) as info:
        read(path, **kw)
    err = info.value
    assert isinstance(err, ExtractorError) and err.code == "E100"
    assert Path(str(path)).name in str(err), str(err)
    assert err.path == str(path) and err.reason in str(err)
    return err


# ------------------------------------------------------------------------------ file system
def test_missing_path(tmp_path: Path) -> None:
    err = _error(tmp_path / "不存在的总结.txt")
    assert err.reason == "no such file"


def test_directory(tmp_path: Path) -> None:
    d = tmp_path / "报告目录.txt"
    d.mkdir()
    assert _error(d).reason == "is a directory, not a file"


def test_not_a_regular_file() -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null on this system")
    assert "not a regular file" in _error("/dev/null").reason


def _as_nobody(fn) -> str:
    """Run ``fn()`` in a forked child with uid/gid nobody; return what it returns (a str)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            out = fn()
        except BaseException as exc:  # noqa: BLE001 - report anything to the parent
            out = f"child failed: {type(exc).__name__}: {exc}"
        os.write(w, out.encode("utf-8"))
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        out = fh.read().decode("utf-8")
    os.waitpid(pid, 0)
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_no_permission() -> None:
    """A file the user may not read. As root (CI runs as root, where chmod does not deny), the
    read runs in a forked child that has dropped to uid nobody."""
    base = Path(tempfile.mkdtemp(prefix="extractor-perm-"))
    try:
        base.chmod(0o755)
        locked = base / "保密总结.txt"
        locked.write_text("全年实现地区生产总值1349.08亿元", encoding="utf-8")
        locked.chmod(0o000)
        closed_dir = base / "closed"
        closed_dir.mkdir()
        inner = closed_dir / "内部.txt"
        inner.write_text("增长5.2%", encoding="utf-8")
        closed_dir.chmod(0o000)

        def attempt() -> str:
            results = []
            for p in (locked, inner):
                try:
                    read(p)
                    results.append("read")
                except ReadError as exc:
                    results.append(str(exc))
            return "\n".join(results)

        if os.geteuid() == 0:
            if not hasattr(os, "fork") or not hasattr(os, "setuid"):
                pytest.skip("running as root without fork/setuid: chmod does not deny root")
            out = _as_nobody(attempt)
        else:
            out = attempt()
        assert out.split("\n") == [f"{locked}: permission denied", f"{inner}: permission denied"]
    finally:
        for p in (base / "closed", base / "保密总结.txt"):
            if p.exists():
                p.chmod(0o700)
        shutil.rmtree(base)


def test_size_limit(tmp_path: Path, sample_text: str) -> None:
    path = tmp_path / "大文件.txt"
    data = sample_text.encode("utf-8")
    path.write_bytes(data)
    err = _error(path, limits=Limits(max_input_bytes=len(data) - 1))
    assert err.reason == (f"file is {len(data)} bytes, above the input limit of "
                          f"{len(data) - 1} bytes")
    assert read(path, limits=Limits(max_input_bytes=len(data))).text == sample_text
    with pytest.raises(ReadError, match="above the input limit"):
        read_bytes(data, source="x.txt", suffix=".txt", limits=Limits(max_input_bytes=100))


def test_size_limit_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRACTOR_MAX_INPUT_BYTES", "12345")
    assert Limits().max_input_bytes == 12345
    monkeypatch.setenv("EXTRACTOR_MAX_INPUT_BYTES", "")
    assert Limits().max_input_bytes == 200 * 1024 * 1024


# ------------------------------------------------------------------------------ content
def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "空文件.txt"
    path.write_bytes(b"")
    assert _error(path).reason == "empty file"
    for suffix in (".docx", ".pdf", ".html"):
        p = tmp_path / f"空{suffix}"
        p.write_bytes(b"")
        assert _error(p).reason == "empty file"


def test_binary_renamed_txt(tmp_path: Path) -> None:
    path = tmp_path / "数据.txt"
    path.write_bytes(bytes(range(256)) * 64)
    err = _error(path)
    assert err.reason.startswith("binary file, not text")
    assert "NUL" in err.reason


@pytest.mark.parametrize(("writer", "hint"), [("docx", "zip"), ("pdf", "PDF")])
def test_document_renamed_txt(tmp_path: Path, sample_lines: list[str], writer: str,
                              hint: str) -> None:
    real = tmp_path / f"real.{writer}"
    if writer == "docx":
        write_docx(real, sample_lines)
    else:
        write_pdf(real, [["全年实现地区生产总值1349.08亿元"]])
    renamed = tmp_path / "其实不是文本.txt"
    renamed.write_bytes(real.read_bytes())
    err = _error(renamed)
    assert err.reason.startswith("binary file, not text") and hint in err.reason


def test_control_characters_mostly(tmp_path: Path) -> None:
    path = tmp_path / "控制符.txt"
    path.write_bytes(("增长5.2%".encode("utf-8") + b"\x01\x02\x03\x1b") * 200)
    assert _error(path).reason.startswith("binary file, not text")


def test_each_control_byte_counts(tmp_path: Path) -> None:
    """Every control byte value is seen (the check first asks whether any is there at all): a
    few are tolerated, more than MAX_CONTROL of the bytes make the file binary."""
    from extractor.reading.encoding import _CONTROL_BYTES, MAX_CONTROL

    body = "全年实现地区生产总值1349.08亿元。\n".encode("utf-8") * 400
    room = int(MAX_CONTROL * len(body))
    for b in _CONTROL_BYTES:
        path = tmp_path / f"c{b}.txt"
        path.write_bytes(body + bytes([b]) * max(1, room // 2))
        assert read(path).text.startswith("全年")                # a few: still text
        path.write_bytes(body + bytes([b]) * (room + 2))
        assert _error(path).reason.startswith("binary file, not text"), b


def test_truncated_multibyte_utf8_is_repaired_and_recorded(tmp_path: Path,
                                                           sample_text: str) -> None:
    data = sample_text.encode("utf-8")
    cut = data[:-2]                           # the last character (3 bytes) loses two bytes
    path = tmp_path / "截断.txt"
    path.write_bytes(cut)
    doc = read(path)
    assert doc.encoding == "utf-8+replace"
    assert doc.text == sample_text[:-1] + "\ufffd"


def test_truncated_multibyte_gb18030_is_repaired_and_recorded(tmp_path: Path,
                                                              sample_text: str) -> None:
    data = sample_text.encode("gb18030")
    path = tmp_path / "截断.txt"
    path.write_bytes(data[:-1])               # the last character (2 bytes) loses one
    doc = read(path)
    assert doc.encoding == "gb18030+replace"
    assert doc.text == sample_text[:-1] + "\ufffd"


def test_mixed_encodings_half_and_half(tmp_path: Path, sample_text: str) -> None:
    half = len(sample_text) // 2
    data = sample_text[:half].encode("utf-8") + sample_text[half:].encode("gb18030")
    path = tmp_path / "混合编码.txt"
    path.write_bytes(data)
    err = _error(path)
    # no candidate is clean on the sample (the first 256 KB holds both halves)
    assert err.reason.startswith("mixed or unknown encoding: no candidate decodes it cleanly")
    assert "utf-8 4" in err.reason and "gb18030 " in err.reason


def test_mixed_encodings_beyond_the_sample(tmp_path: Path, sample_text: str) -> None:
    """The sample decides UTF-8; the GB18030 tail found when decoding the whole file is refused."""
    head = (sample_text + "\n").encode("utf-8") * 60       # ~800 KB, beyond the 256 KB sample
    data = head + (sample_text.encode("gb18030") * 20)
    path = tmp_path / "后半段GBK.txt"
    path.write_bytes(data)
    err = _error(path)
    assert err.reason.startswith("mixed or damaged encoding: read as utf-8, ")
    first = next(i for i, b in enumerate(sample_text.encode("gb18030")) if b >= 0x80)
    assert err.reason.endswith(f"(first bad byte at offset {len(head) + first})")


def test_mixed_encodings_one_stray_word(tmp_path: Path, sample_text: str) -> None:
    """A single GBK word pasted into a UTF-8 report: small damage, repaired and recorded."""
    data = sample_text.encode("utf-8") + "附表".encode("gbk")
    path = tmp_path / "夹杂.txt"
    path.write_bytes(data)
    doc = read(path)
    assert doc.encoding == "utf-8+replace"
    assert doc.text.startswith(sample_text)
    assert 1 <= doc.text[len(sample_text):].count("\ufffd") <= 4


def test_unknown_encoding_garbage(tmp_path: Path) -> None:
    path = tmp_path / "乱码.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 40)
    err = _error(path)
    assert "encoding" in err.reason or "binary" in err.reason


def test_fifty_megabytes_on_one_line(tmp_path: Path) -> None:
    unit = "工程完成投资1200万元，已预付650万元，同比增长15.6%；"
    reps = 50 * 1024 * 1024 // len(unit.encode("utf-8")) + 1
    path = tmp_path / "一行五十兆.txt"
    path.write_bytes(unit.encode("utf-8") * reps)
    assert path.stat().st_size >= 50 * 1024 * 1024
    doc = read(path)
    assert doc.encoding == "utf-8"
    assert len(doc.text) == len(unit) * reps
    assert "\n" not in doc.text
    assert doc.text[:len(unit)] == unit and doc.text[-len(unit):] == unit
    assert doc.text.count("万元") == 2 * reps


def test_large_one_line_gb18030(tmp_path: Path) -> None:
    unit = "全年实现地区生产总值1349.08亿元，同比增长5.2%；"
    reps = 8 * 1024 * 1024 // len(unit.encode("gb18030"))
    path = tmp_path / "大.txt"
    path.write_bytes(unit.encode("gb18030") * reps)
    doc = read(path)
    assert doc.encoding == "gb18030"
    assert doc.text == unit * reps


# ------------------------------------------------------------------------------ pdf
def test_scanned_pdf(tmp_path: Path) -> None:
    path = write_scanned_pdf(tmp_path / "扫描件.pdf")
    err = _error(path)
    assert err.reason.startswith("scanned PDF") and "OCR" in err.reason


def test_encrypted_pdf_needs_password(tmp_path: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption("user-secret", ownerPassword="owner"))
    c.drawString(40, 800, "GDP 1349.08")
    c.showPage()
    c.save()
    path = tmp_path / "加密.pdf"
    path.write_bytes(buf.getvalue())
    assert _error(path).reason == "encrypted PDF: it needs a password"


@pytest.mark.parametrize("damage", ["truncated", "garbage", "not-pdf"])
def test_corrupt_pdf(tmp_path: Path, damage: str) -> None:
    good = write_pdf(tmp_path / "good.pdf", [["全年实现地区生产总值1349.08亿元"]]).read_bytes()
    data = {"truncated": good[: len(good) // 3],
            "garbage": b"%PDF-1.4\n" + bytes(range(256)) * 20,
            "not-pdf": "这不是PDF，只是文字。".encode("utf-8")}[damage]
    path = tmp_path / "损坏.pdf"
    path.write_bytes(data)
    err = _error(path)
    assert "PDF" in err.reason


def test_pdf_page_limit(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "多页.pdf", [["第一页"], ["第二页"], ["第三页"]])
    assert _error(path, limits=Limits(max_pdf_pages=2)).reason == "PDF has 3 pages (limit 2)"


# ------------------------------------------------------------------------------ docx
def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def test_zip_bomb_docx(tmp_path: Path) -> None:
    huge = b"<w:t>" + b" " * (40 * 1024 * 1024) + b"</w:t>"  # 40 MB of blanks, deflates ~1000x
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": huge})
    assert len(data) < 200 * 1024
    path = tmp_path / "炸弹.docx"
    path.write_bytes(data)
    err = _error(path)
    assert err.reason.startswith("zip bomb suspected: member word/document.xml expands")


def test_docx_total_expansion_limit(tmp_path: Path, sample_lines: list[str]) -> None:
    path = write_docx(tmp_path / "正常.docx", sample_lines)
    err = _error(path, limits=Limits(zip=ZipLimits(max_unzipped_bytes=10_000)))
    assert err.reason.startswith("zip bomb suspected: members expand to")


def test_docx_with_entity_expansion(tmp_path: Path, sample_lines: list[str]) -> None:
    good = write_docx(tmp_path / "good.docx", sample_lines[:2])
    with zipfile.ZipFile(good) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    xml = members["word/document.xml"].decode("utf-8")
    laughs = ('<!DOCTYPE w:document [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                        for i in range(1, 10))
              + "]>")
    head, rest = xml.split("?>", 1)
    xml = head + "?>" + laughs + rest.replace("科技局", "&lol9;科技局", 1)
    members["word/document.xml"] = xml.encode("utf-8")
    path = tmp_path / "实体炸弹.docx"
    path.write_bytes(_zip(members))
    err = _error(path)
    assert err.reason == ("unsafe XML: word/document.xml declares a DOCTYPE/ENTITY "
                          "(entity expansion is refused)")


def test_docx_with_external_entity_in_other_part(tmp_path: Path, sample_lines: list[str]) -> None:
    good = write_docx(tmp_path / "good.docx", sample_lines[:1])
    with zipfile.ZipFile(good) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    styles = members["word/styles.xml"].decode("utf-8")
    head, rest = styles.split("?>", 1)
    members["word/styles.xml"] = (head + '?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                                  + rest).encode("utf-8")
    path = tmp_path / "外部实体.docx"
    path.write_bytes(_zip(members))
    assert "word/styles.xml declares a DOCTYPE" in _error(path).reason


@pytest.mark.parametrize(("data", "reason"), [
    (b"PK\x03\x04 not really a zip", "not a valid .docx (zip) file"),
    ("纯文本，不是docx".encode("utf-8"), "not a valid .docx (zip) file"),
    (None, "not a .docx: the archive has no word/document.xml"),
])
def test_not_a_docx(tmp_path: Path, data: bytes | None, reason: str) -> None:
    if data is None:
        data = _zip({"hello.txt": "你好".encode("utf-8")})
    path = tmp_path / "假的.docx"
    path.write_bytes(data)
    assert _error(path).reason.startswith(reason)


def test_docx_damaged_member(tmp_path: Path, sample_lines: list[str]) -> None:
    data = bytearray(write_docx(tmp_path / "good.docx", sample_lines).read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("word/document.xml")
    # flip bytes inside the compressed document.xml: CRC or inflate error
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 10, start + 40):
        data[k] ^= 0xFF
    path = tmp_path / "损坏.docx"
    path.write_bytes(bytes(data))
    err = _error(path)
    assert "docx" in err.reason


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf"])
def test_binary_after_a_byte_order_mark(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "伪装.txt"
    path.write_bytes(bom + bytes(range(256)) * 32)
    err = _error(path)
    assert err.reason.startswith("binary file, not text")


def test_only_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "只有BOM.txt"
    path.write_bytes(b"\xef\xbb\xbf")
    assert _error(path).reason == "empty file (nothing after the byte-order mark)"


def test_whitespace_only_text_is_a_document(tmp_path: Path) -> None:
    """Not an error at reading: blank text is text (the pipeline finds no facts in it)."""
    path = tmp_path / "空白.txt"
    path.write_bytes(b"\r\n  \r\n")
    assert read(path).text == "\r\n  \r\n"


def test_bad_files_never_stop_the_others(tmp_path: Path, sample_path: Path,
                                         sample_text: str) -> None:
    """A batch over bad files: each becomes an 'unreadable' row with its reason; the good file
    after them reads normally (issue 2: reading one bad file never stops others)."""
    from extractor.pipeline import process_path

    bad = {
        "空.txt": b"",
        "二进制.txt": bytes(range(256)) * 8,
        "扫描.pdf": write_scanned_pdf(tmp_path / "s.pdf").read_bytes(),
        "坏.docx": b"PK\x03\x04 broken",
    }
    rows = []
    for name, data in bad.items():
        p = tmp_path / name
        p.write_bytes(data)
        rows.append(process_path(p).document)
    rows.append(process_path(tmp_path / "不存在.txt").document)
    assert [r["status"] for r in rows] == ["unreadable"] * 5
    expected = ["empty file", "binary file, not text", "scanned PDF",
                "not a valid .docx (zip) file", "no such file"]
    assert all(r["error"].startswith(e) for r, e in zip(rows, expected)), rows
    assert read(sample_path).text == sample_text
