"""Which files an import reads, in which order, under which names."""

import os

from importers.sources import MissingPath, Source, Sources, find_sources


def test_folders_are_read_recursively_for_txt_in_sorted_path_order(tmp_path):
    for name in [
        "b.txt",
        "a/z.txt",
        "a-b/y.txt",
        "a/.hidden.txt",
        ".git/x.txt",
        "c.md",
        "a/b/c.txt",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    found = list(find_sources([str(tmp_path)]))
    assert [s.name for s in found] == [
        f"{tmp_path}/{name}" for name in ["a/b/c.txt", "a/z.txt", "a-b/y.txt", "b.txt"]
    ]


def test_source_is_the_path_as_given_joined_with_the_path_inside(tmp_path, monkeypatch):
    (tmp_path / "captures").mkdir()
    (tmp_path / "captures" / "one.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    assert [s.name for s in find_sources(["./captures/"])] == ["./captures/one.txt"]


def test_files_are_taken_whatever_their_name_and_missing_paths_reported(tmp_path):
    named = tmp_path / "capture.html"
    named.write_text("x")
    found = list(find_sources([str(named), str(tmp_path / "gone")]))
    assert found[0] == Source(str(named), str(named))
    assert isinstance(found[1], MissingPath)
    assert str(found[1]) == f"{tmp_path / 'gone'}: no such file or directory"


def test_a_folder_is_walked_as_sorting_its_paths_would_order_it(tmp_path):
    # A folder and a file of nearly one name, links, dot names, deep folders.
    for relative in ("b/x.txt", "b.txt", "a.txt", "b-c/y.txt", "b/a/z.txt", "B.txt",
                     "c/.d/w.txt", ".e.txt", "c/notes.md", "c/d/e/f.txt"):  # fmt: skip
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "c", target_is_directory=True)
    (tmp_path / "alias.txt").symlink_to(tmp_path / "a.txt")
    found = [source.name for source in Sources([str(tmp_path)])]
    every = [
        os.path.relpath(os.path.join(root, name), tmp_path)
        for root, dirs, files in os.walk(tmp_path)
        for name in files
        if name.endswith(".txt") and ".d" not in root.split(os.sep)
        and not name.startswith(".")
    ]  # fmt: skip
    expected = [str(tmp_path / p) for p in sorted(every, key=lambda p: p.split(os.sep))]
    assert found == expected
    assert found == [source.name for source in Sources([str(tmp_path)])]  # walked again
    assert len(Sources([str(tmp_path)])) == len(expected)
