"""The requirement files a build installs from, refused early when no installer could read them."""
from pathlib import Path

import pytest

from buildpack import reasons
from buildpack.context import Context
from buildpack.dependencies import sources
from buildpack.errors import DependenciesError


def make_context(tmp_path: Path, requirements_txt: str) -> Context:
    (tmp_path / "env").mkdir()
    build = tmp_path / "build"
    build.mkdir()
    (build / "requirements.txt").write_text(requirements_txt)
    return Context.from_args([str(build), str(tmp_path / "cache"), str(tmp_path / "env")], {"PATH": "/usr/bin"})


def test_plain_requirements_are_found(tmp_path):
    ctx = make_context(tmp_path, "Django==5.2.8\n")
    assert sources.find(ctx, for_ci=False) == [ctx.build_dir / "requirements.txt"]


def test_merge_conflict_markers_are_refused_with_their_lines(tmp_path):
    ctx = make_context(tmp_path, "Django==5.2.8\n<<<<<<< HEAD\nsix==1.17.0\n=======\nsix==1.16.0\n>>>>>>> main\n")
    with pytest.raises(DependenciesError) as raised:
        sources.find(ctx, for_ci=False)
    assert raised.value.reason == reasons.DEPENDENCIES_CONFLICT_MARKERS
    assert "- requirements.txt, line 2\n- requirements.txt, line 4\n- requirements.txt, line 6" in str(raised.value.body)


def test_installing_the_app_itself_without_a_project_file_is_refused(tmp_path):
    ctx = make_context(tmp_path, "-e .\nDjango==5.2.8\n")
    with pytest.raises(DependenciesError) as raised:
        sources.find(ctx, for_ci=False)
    assert raised.value.reason == reasons.DEPENDENCIES_LOCAL_NOT_A_PROJECT
    assert "\n- .\n" in str(raised.value.body)
    (ctx.build_dir / "pyproject.toml").write_text("[project]\nname = 'site'\nversion = '1'\n")
    assert sources.find(ctx, for_ci=False) == [ctx.build_dir / "requirements.txt"]
