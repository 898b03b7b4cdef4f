"""make bench's verdicts: each goal met, missed or not measured, the official buildpack's ratios."""
from __future__ import annotations

from pathlib import Path

import bench


def test_the_goals_are_met_missed_or_not_measured():
    lines = bench.goal_lines({"tutorial": {"warm_compile": 0.4, "add_compile": 3.5},
                              "scale": {"warm_150_over_5": 1.25}})
    warm = next(line for line in lines if "warm rebuild, bin/compile" in line)
    add = next(line for line in lines if "one requirement added, bin/compile" in line)
    scale = next(line for line in lines if "150 packages / 5" in line and "warm" in line)
    official = [line for line in lines if " official " in line]
    assert warm.split()[0] == "met" and add.split()[0] == "MISSED" and scale.split()[0] == "MISSED"
    assert len(official) == 4 and all("not measured" in line and "OFFICIAL_BUILDPACK not given" in line
                                      for line in official)


def test_the_official_buildpack_ratios_are_ours_over_theirs():
    results = {"tutorial": {"cold_wall": 5.0, "warm_wall": 1.0, "add_wall": 1.5, "slug_mb": 80.0},
               "official-buildpack": {"cold_wall": 10.0, "warm_wall": 5.0, "add_wall": 10.0, "slug_mb": 200.0}}
    bench.against_official(results)
    assert results["official"] == {"cold_over_official": 0.5, "warm_over_official": 0.2,
                                   "add_over_official": 0.15, "slug_over_official": 0.4}
    lines = [line for line in bench.goal_lines(results) if " official " in line]
    assert [line.split()[0] for line in lines] == ["met"] * 4


def test_without_the_official_buildpack_there_is_no_ratio():
    results = {"tutorial": {"cold_wall": 5.0}}
    bench.against_official(results)
    assert "official" not in results


def test_bench_asks_for_builds_the_local_tool_can_make(monkeypatch, tmp_path):
    """Its builds go through the real BuildRequest: a renamed option or a config of None fails here,
    not half-way through a `make bench` run."""
    from localheroku import builder

    requests = []

    def fake_build(app, work, **options):
        request = builder.BuildRequest.of(app, work, **options)
        assert "PYTHON_RUNTIMES_URL" not in request.config
        requests.append(request)
        return builder.BuildResult(0, "-----> Build finished in 1m 2.5s\n", request.work)

    monkeypatch.setattr(bench.localheroku, "build", fake_build)
    assert bench.build_or_fail(tmp_path, tmp_path / "work") == 62.5
    bench.measure_official(tmp_path / "official", tmp_path)
    assert requests[-1].buildpacks == ((tmp_path / "official").resolve(),)


def test_the_wagtail_app_is_built_with_its_settings_and_one_added(monkeypatch, tmp_path):
    from localheroku import builder

    builds = []

    def fake_build(app, work, **options):
        request = builder.BuildRequest.of(app, work, **options)
        builds.append((request.config, (Path(app) / "requirements.txt").read_text()))
        return builder.BuildResult(0, "-----> Build finished in 0.5s\n", request.work)

    monkeypatch.setattr(bench.localheroku, "build", fake_build)
    figures = bench.measure_once("wagtail", bench.APPS["wagtail"], tmp_path)
    assert set(figures) == {"cold_compile", "cold_wall", "warm_compile", "warm_wall", "add_compile", "add_wall"}
    assert all(config["DJANGO_SETTINGS_MODULE"] == "mysite.settings.production" for config, _ in builds)
    (_, cold), (_, warm), (_, added) = builds
    assert "wagtail==" in cold and cold == warm
    assert added == cold + "six==1.17.0\n"


def test_each_app_s_one_added_is_a_package_it_does_not_have():
    """Adding a package the lock already pins installs nothing: that rebuild would not be "one added"."""
    for name, app in bench.APPS.items():
        lock = app.lock or app.source / "requirements.txt"
        pinned = {line.split("==")[0].strip().lower() for line in lock.read_text().splitlines()
                  if line.strip() and not line.lstrip().startswith(("#", "-"))}
        assert app.extra.split("==")[0].lower() not in pinned, name
