"""The requirement files a build installs from, refused early when no installer could read them."""
from pathlib import Path

import pytest

from buildpack import reasons
from buildpack.context import Context
from buildpack.dependencies import indexes, requirements, sources
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


@pytest.mark.parametrize("line", [
    "certifi @ file:///croot/certifi_1707229174982/work/certifi",
    "six @ file:///C:/b/abs_1a2b/work",
    "-e /home/me/site",
    "file:///opt/wheels/whitenoise-6.9.0-py3-none-any.whl",
])
def test_paths_on_the_machine_that_froze_the_file_are_refused_with_their_lines(tmp_path, line):
    ctx = make_context(tmp_path, f"Django==5.2.8\n# from pip freeze\n{line}\n")
    with pytest.raises(DependenciesError) as raised:
        sources.find(ctx, for_ci=False)
    assert raised.value.reason == reasons.DEPENDENCIES_MACHINE_PATH
    assert f"- requirements.txt line 3: {line}\n" in raised.value.body
    assert "pip list --format=freeze" in raised.value.body


def test_absolute_paths_inside_the_app_or_present_are_left_to_the_installer(tmp_path):
    # Inside the app, a missing path gets the installer's own local-missing error.
    present = tmp_path / "wheels"
    present.mkdir()
    (present / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '1'\n")
    build = tmp_path / "build"
    ctx = make_context(tmp_path, f"-e {build}/libs/mine\nx @ file://{present}\n")
    assert sources.find(ctx, for_ci=False) == [build / "requirements.txt"]


def test_machine_paths_in_an_included_file_name_that_file(tmp_path):
    ctx = make_context(tmp_path, "-r requirements/base.txt\n")
    (ctx.build_dir / "requirements").mkdir()
    (ctx.build_dir / "requirements" / "base.txt").write_text("Django==5.2.8\nsix @ file:///tmp/build/80754af9/six_1644875935023/work\n")
    with pytest.raises(DependenciesError) as raised:
        sources.find(ctx, for_ci=False)
    assert "- requirements/base.txt line 2: six @ file:///tmp/build/80754af9/six_1644875935023/work\n" in raised.value.body


@pytest.mark.parametrize("line", ["pkg-resources==0.0.0", "pkg_resources == 0.0.0"])
def test_debian_pip_freezes_pkg_resources_line_is_refused(tmp_path, line):
    ctx = make_context(tmp_path, f"Django==5.2.8\n{line}\n")
    with pytest.raises(DependenciesError) as raised:
        sources.find(ctx, for_ci=False)
    assert raised.value.reason == reasons.DEPENDENCIES_DEBIAN_PKG_RESOURCES
    assert f"- requirements.txt line 2: {line}\n" in raised.value.body


def test_a_real_pkg_resources_pin_is_left_to_the_installer(tmp_path):
    ctx = make_context(tmp_path, "pkg-resources==0.1.0\n")
    assert sources.find(ctx, for_ci=False) == [ctx.build_dir / "requirements.txt"]


def test_the_variables_requirements_files_name_are_found_in_their_includes_too(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "--extra-index-url https://${FURY_AUTH}:@pypi.fury.io/acme/\n-r base.txt\nDjango==5.2.8  # ${NOT_READ}\n")
    (tmp_path / "base.txt").write_text("git+https://${GITHUB_TOKEN}@github.com/acme/lib.git\n$BARE ${lower}\n")
    # pip expands only ${UPPER_CASE}, and not in comments.
    assert requirements.referenced_variables(tmp_path / "requirements.txt") == ["FURY_AUTH", "GITHUB_TOKEN"]


def test_an_installer_gets_the_config_vars_its_requirements_name_and_no_other():
    config = {"FURY_AUTH": "t0ken", "SECRET_KEY": "x" * 50, "PATH": "/evil"}
    assert indexes.requirements_vars(config, ["FURY_AUTH", "PATH", "UNSET"]) == {"FURY_AUTH": "t0ken"}
