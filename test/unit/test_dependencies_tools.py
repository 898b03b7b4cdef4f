"""uv downloaded while Python installs, quietly, and reused."""
from buildpack.cache import BuildCache
from buildpack.dependencies import tools


def fake_download(calls):
    def download(binary, url, sha256, version):
        calls.append(url)
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
    return download


def test_uv_is_downloaded_while_the_block_runs_and_then_reused(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(tools, "_download_uv", fake_download(calls))
    build_cache = BuildCache(tmp_path / "cache")
    with tools.uv_fetched_meanwhile(build_cache, needed=True):
        pass
    assert len(calls) == 1
    assert "Installed uv" in capsys.readouterr().out
    assert tools.uv_binary(build_cache).is_file() and len(calls) == 1  # no second download


def test_a_failed_early_download_is_silent_and_left_to_uv_binary(tmp_path, monkeypatch, capsys):
    def fail(*args):
        raise OSError("network down")

    monkeypatch.setattr(tools, "_download_uv", fail)
    with tools.uv_fetched_meanwhile(BuildCache(tmp_path / "cache"), needed=True):
        pass
    assert capsys.readouterr().out == ""


def test_uv_is_not_downloaded_when_the_install_does_not_use_it(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(tools, "_download_uv", fake_download(calls))
    with tools.uv_fetched_meanwhile(BuildCache(tmp_path / "cache"), needed=False):
        pass
    assert calls == []
