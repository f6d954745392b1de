from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractor.batch.discover import (InputFile, MissingInput, discover, file_sha256,
                                      smallest_last)


def _touch(p: Path, text: str = "2023年营业收入1200万元。") -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_walk_is_recursive_sorted_and_skips_hidden_and_unsupported(tmp_path):
    root = tmp_path / "corpus"
    for rel in ["b.txt", "a.DOCX", "sub/c.pdf", "sub/deeper/d.html", "e.htm", "f.md",
                ".hidden.txt", ".git/x.txt", "notes.csv", "img.png"]:
        _touch(root / rel)
    got = [i.source for i in discover([root])]
    assert got == ["a.DOCX", "b.txt", "e.htm", "sub/c.pdf", "sub/deeper/d.html"]   # f.md: not walked
    assert all(Path(i.path).exists() for i in discover([root]))


def test_file_given_explicitly_is_taken_as_given_whatever_its_suffix(tmp_path):
    f = _touch(tmp_path / "odd.csv")
    items = discover([str(f)])
    assert [(i.path, i.source) for i in items] == [(str(f), str(f))]


def test_several_folders_keep_sources_unique(tmp_path):
    _touch(tmp_path / "2022" / "r.txt")
    _touch(tmp_path / "2023" / "r.txt")
    items = discover([tmp_path / "2022", tmp_path / "2023"])
    assert [i.source for i in items] == [f"{tmp_path}/2022/r.txt", f"{tmp_path}/2023/r.txt"]


def test_same_file_twice_is_listed_once(tmp_path):
    f = _touch(tmp_path / "d" / "r.txt")
    assert len(discover([tmp_path / "d", f])) == 1


def test_symlink_loop_ends(tmp_path):
    root = tmp_path / "c"
    _touch(root / "a" / "r.txt")
    os.symlink(root, root / "a" / "loop")           # c/a/loop -> c
    os.symlink(root / "a", root / "again")          # the same folder twice
    items = discover([root])
    assert sorted(i.source for i in items) == ["a/r.txt"]


def test_missing_path_is_reported_before_any_work(tmp_path):
    with pytest.raises(MissingInput) as e:
        discover([tmp_path / "nope"])
    assert "nope" in str(e.value)


def test_sha256_of_content_and_none_when_unopenable(tmp_path):
    f = _touch(tmp_path / "r.txt", "abc")
    assert file_sha256(str(f)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert file_sha256(str(tmp_path / "missing.txt")) is None


def test_exclude_patterns_match_name_or_relative_path(tmp_path):
    for rel in ["README.md", "docs/a.txt", "docs/README.txt", "drafts/b.txt", "c.txt"]:
        _touch(tmp_path / rel)
    got = [i.source for i in discover([tmp_path], exclude=["README*", "drafts/*"])]
    assert got == ["c.txt", "docs/a.txt"]
    f = tmp_path / "README.md"
    assert [i.source for i in discover([f], exclude=["README*"])] == [str(f)]   # named: taken


def test_smallest_last_moves_only_the_smallest_files(tmp_path):
    """The order of a run on several workers: the inputs' own order, but the ``count``
    smallest files last, largest of them first; equal sizes (two copies of one file: the first
    is processed, the other skipped as the same content) keep their order; a file gone since
    the walk counts as empty."""
    sizes = {"a.txt": 5, "b.txt": 50, "c.txt": 5, "d.txt": 500, "e.txt": 50, "f.txt": 7}
    for name, n in sizes.items():
        (tmp_path / name).write_bytes(b"x" * n)
    items = [InputFile(str(tmp_path / n), n) for n in sizes]
    items.insert(2, InputFile(str(tmp_path / "gone.txt"), "gone.txt"))
    order = [i.source for i in smallest_last(items, 4)]
    assert order == ["b.txt", "d.txt", "e.txt", "f.txt", "a.txt", "c.txt", "gone.txt"]
    assert [i.source for i in smallest_last(items, 0)] == [i.source for i in items]
    assert [i.source for i in smallest_last(items, 99)] == ["d.txt", "b.txt", "e.txt", "f.txt",
                                                            "a.txt", "c.txt", "gone.txt"]


def test_smallest_last_keeps_copies_in_order_across_the_cut(tmp_path):
    """Equal sizes at the cut (two copies of one file, one among the ``count`` smallest, one
    not): the later one goes last, never the earlier one, so the first copy in the inputs'
    order is still the one processed and the other skipped, as with one worker (before: the
    earlier copy moved to the tail, the later one was processed first, and the tables of
    ``--jobs 2`` named a different source than ``--jobs 1``)."""
    sizes = {"a_copy.txt": 9, "b.txt": 3, "c.txt": 20, "z_copy.txt": 9}
    for name, n in sizes.items():
        (tmp_path / name).write_bytes(b"x" * n)
    items = [InputFile(str(tmp_path / n), n) for n in sizes]
    order = [i.source for i in smallest_last(items, 2)]
    assert order == ["a_copy.txt", "c.txt", "z_copy.txt", "b.txt"]
    assert order.index("a_copy.txt") < order.index("z_copy.txt")
    for count in range(len(items) + 1):       # any cut: every equal size keeps its order
        got = [i.source for i in smallest_last(items, count)]
        assert got.index("a_copy.txt") < got.index("z_copy.txt"), (count, got)
