from buildpack import reasons
from buildpack.dependencies import lock_errors, pipenv, poetry, uv


def test_outdated_names_the_lock_the_manifest_and_the_command_that_rewrites_it():
    error = lock_errors.outdated("poetry.lock", "pyproject.toml", "Poetry found a change.", relock="poetry lock")
    assert error.title == "poetry.lock is out of date with pyproject.toml."
    assert error.body.startswith("Poetry found a change.\nThe build installs only what the lock says")
    assert "1. Run `poetry lock` where you develop the app.\n2. Commit poetry.lock and deploy again." in error.body
    assert error.reason == reasons.DEPENDENCIES_LOCK_OUTDATED


def test_unreadable_offers_a_rewrite_only_for_a_lock():
    lock = lock_errors.unreadable("uv.lock", "bad", rewrite="`uv lock` writes a new one from pyproject.toml")
    manifest = lock_errors.unreadable("pyproject.toml", "bad")
    assert "left in uv.lock;\n   `uv lock` writes a new one from pyproject.toml.\n2. Commit uv.lock" in lock.body
    assert "left in pyproject.toml.\n2. Commit pyproject.toml and deploy again." in manifest.body
    assert lock.reason == manifest.reason == reasons.DEPENDENCIES_LOCK_CORRUPT


def test_each_manager_words_its_finding_in_the_shared_shape():
    found = [uv.lock_error("needs to be updated, but `--locked` was provided"),
             poetry.lock_error("pyproject.toml changed significantly since poetry.lock was last generated"),
             pipenv.lock_error("Pipfile.lock (1a2b3c)\nis out of date")]
    assert [error.title.split()[0] for error in found if error] == ["uv.lock", "poetry.lock", "Pipfile.lock"]
    assert all("so it stops here." in error.body for error in found if error)
    corrupt = uv.lock_error("error: Failed to parse `uv.lock`\n  cause: TOML parse error at line 3")
    assert corrupt is not None and "TOML parse error at line 3" in corrupt.body
