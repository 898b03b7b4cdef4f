"""Issues 9.5 and 12: a build log that tells the truth about the app's Django, through the real bin/ scripts.

Django that cannot start, deploy-only check errors, settings that end the process,
steps that hang or get killed. Each case is a settings module of ONE fixture
(test/fixtures/django_collectstatic) over ONE installed environment: the session's
warm tutorial cache, so no build here runs pip.
"""
from __future__ import annotations

import pytest

from integration.conftest import assert_clean_failure, clone_work, copy_fixture
from integration.local_platform import build


@pytest.fixture(scope="module")
def shop(tutorial_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("log-truth")
    app = copy_fixture("django_collectstatic", root / "app")
    work = clone_work(tutorial_build[1].work, root / "work")
    return app, work


def build_case(shop, **config):
    app, work = shop
    result = build(app, work, config=config, echo=False)
    assert "Installing requirements" not in result.output
    return result


def test_django_that_cannot_start_gets_a_warning_naming_the_error(shop):
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_urls_broken")
    assert result.returncode == 0, result.output[-3000:]
    assert (
        " !     Warning: Django cannot start: NameError in shop/urls_broken.py, line 5.\n"
        " !\n"
        " !     Loading the URL configuration (ROOT_URLCONF 'shop.urls_broken') failed:\n"
        " !         NameError: name 'extra_patterns' is not defined\n"
        " !         at shop/urls_broken.py, line 5\n"
        " !     The release phase (`manage.py migrate`) and every web request will\n"
        " !     fail with this error.\n"
        " !\n"
        " !     To fix it:\n"
        " !     1. Run `python manage.py check` locally with these settings: it shows\n"
        " !        the same error with its traceback.\n"
        " !     2. Fix shop/urls_broken.py, line 5.\n"
    ) in result.output
    assert "       Django cannot start (NameError): see the warning below\n" in result.output


def test_deploy_only_check_errors_do_not_claim_migrate_would_refuse(shop):
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_deploy_error")
    assert result.returncode == 0, result.output[-3000:]
    log = result.output
    assert "       manage.py check --deploy: 1 error: shop.E001" in log
    assert " !     Warning: manage.py check --deploy reports errors: shop.E001.\n" in log
    assert " !     They come from the deployment checks only (`check --deploy`): they do\n" in log
    # The runtime.txt note says builders "refuse" runtime.txt: only migrate's refusal is meant here.
    assert "migrate` refuses" not in log and "Django's system checks report errors" not in log


def test_system_check_errors_say_migrate_would_refuse(shop):
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_check_error")
    assert result.returncode == 0, result.output[-3000:]
    log = result.output
    assert " !     Warning: Django's system checks report errors: shop.E002.\n" in log
    assert " !     `manage.py migrate` refuses to run while they are there, so the\n" in log


def test_settings_that_end_the_process_fail_the_build(shop):
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_exit")
    assert_clean_failure(
        result,
        " !     Error: Django exited while importing the settings.\n",
        "The build's Django process ended (exit status 0) before it finished\n"
        " !     importing the settings (shop.settings_exit)",
        "os._exit()",
    )


def test_a_hanging_settings_import_meets_the_time_limit(shop):
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_hang", BUILD_STEP_TIMEOUT="3")
    assert_clean_failure(
        result,
        " !     Error: Time limit reached: importing the Django settings took more than 3 seconds.\n",
        "heroku config:set BUILD_STEP_TIMEOUT=",
    )


def hooked_shop(shop, tmp_path, name, script, config=None):
    _, work = shop
    app = copy_fixture("django_collectstatic", tmp_path / "app")
    (app / "bin").mkdir()
    (app / "bin" / name).write_text("#!/usr/bin/env bash\n" + script)
    (app / "bin" / name).chmod(0o755)
    return build(app, clone_work(work, tmp_path / "work"), config=config or {}, echo=False)


def test_a_hook_killed_by_sigkill_names_the_signal_and_memory(shop, tmp_path):
    result = hooked_shop(shop, tmp_path, "post_compile", "echo compressing; kill -KILL $$\n")
    assert_clean_failure(
        result,
        " !     Error: The app's bin/post_compile hook failed (killed by signal SIGKILL).\n",
        "SIGKILL most often means the process ran out of memory",
    )


def test_a_hanging_hook_meets_the_time_limit(shop, tmp_path):
    # pre_compile runs before anything else, so only the hook meets this short limit.
    result = hooked_shop(shop, tmp_path, "pre_compile", "sleep 600\n", {"BUILD_STEP_TIMEOUT": "3"})
    assert_clean_failure(
        result,
        " !     Error: Time limit reached: the bin/pre_compile hook took more than 3 seconds.\n",
        "heroku config:set BUILD_STEP_TIMEOUT=",
    )
