from buildpack.app import slug


def test_orphaned_bytecode_is_removed_and_the_rest_measured(tmp_path):
    package = tmp_path / "app"
    (package / "__pycache__").mkdir(parents=True)
    (package / "views.py").write_text("x = 1\n")
    kept = package / "__pycache__" / "views.cpython-312.pyc"
    orphan = package / "__pycache__" / "deleted.cpython-312.pyc"
    kept.write_bytes(b"pyc")
    orphan.write_bytes(b"pyc-orphan")
    size, removed = slug.measure_and_clean(tmp_path)
    assert removed == 1
    assert size == len("x = 1\n") + len(b"pyc")
    assert kept.exists()
    assert not orphan.exists()


def test_links_count_as_links_not_as_their_targets(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 1000)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert slug.measure_and_clean(tmp_path) == (1000 + len(str(tmp_path / "a")), 0)
