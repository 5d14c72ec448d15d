"""Which files an import reads, in which order, under which names."""

from importers.sources import MissingPath, Source, find_sources


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
