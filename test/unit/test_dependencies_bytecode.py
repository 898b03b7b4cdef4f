"""The bytecode step: what it compiles after a sync (the RECORDs of what changed)."""
from pathlib import Path

from buildpack.dependencies import bytecode


def dist(site: Path, folder: str, record: str) -> None:
    (site / folder).mkdir(parents=True)
    (site / folder / "RECORD").write_text(record)


def test_after_a_sync_only_the_changed_distributions_files_are_compiled(tmp_path):
    site = tmp_path / "site-packages"
    dist(site, "Django_Extensions-4.1.dist-info", "django_extensions/__init__.py,sha256=x,1\n"
         "django_extensions/static/x.css,sha256=y,2\n../../../bin/manage,sha256=z,3\n"
         "django_extensions-4.1.dist-info/RECORD,,\n")
    dist(site, "six-1.17.0.dist-info", "six.py,sha256=x,1\n")
    sources = bytecode.changed_sources([site], ["django-extensions"])
    assert sources == [str(site / "django_extensions/__init__.py")]


def test_a_changed_distribution_without_a_record_compiles_everything(tmp_path):
    site = tmp_path / "site-packages"
    (site / "odd-1.0.dist-info").mkdir(parents=True)
    (site / "odd.py").write_text("")
    assert bytecode.changed_sources([site], ["odd"]) == [str(site / "odd.py")]


def test_everything_is_compiled_but_pip_setuptools_and_existing_bytecode(tmp_path):
    site = tmp_path / "site-packages"
    for path in ("django/__init__.py", "django/db/models.py", "pip/__init__.py", "setuptools/dist.py",
                 "django/__pycache__/stale.py", "six.py", "django/static/app.js", "pkg_resources/__init__.py"):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text("")
    found = sorted(Path(path).relative_to(site).as_posix() for path in bytecode.python_sources(site))
    assert found == ["django/__init__.py", "django/db/models.py", "pkg_resources/__init__.py", "six.py"]


def test_nothing_changed_nothing_to_compile(tmp_path):
    site = tmp_path / "site-packages"
    dist(site, "six-1.17.0.dist-info", "six.py,sha256=x,1\n")
    assert bytecode.changed_sources([site], []) == []

