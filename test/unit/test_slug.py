from buildpack import slug


def test_orphaned_bytecode_is_removed_and_the_rest_kept(tmp_path):
    package = tmp_path / "app"
    (package / "__pycache__").mkdir(parents=True)
    (package / "views.py").write_text("x = 1\n")
    kept = package / "__pycache__" / "views.cpython-312.pyc"
    orphan = package / "__pycache__" / "deleted.cpython-312.pyc"
    kept.write_bytes(b"pyc")
    orphan.write_bytes(b"pyc")
    assert slug.remove_orphaned_bytecode(tmp_path) == 1
    assert kept.exists()
    assert not orphan.exists()


def test_tree_size_counts_files_not_link_targets(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 1000)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert slug.tree_size(tmp_path) == 1000 + len(str(tmp_path / "a"))
