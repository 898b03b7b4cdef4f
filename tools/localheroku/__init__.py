"""Local Heroku: Heroku's builds and dynos on this machine, in a bubblewrap sandbox or in the
stack's image under podman/docker. The modules, in the order a build meets them:

- cli: the command line (the only reader of os.environ); configstore: config vars and .env
- stacks, images: the stacks and their (stand-in) images
- runners/: where scripts run (sandbox.py, container.py behind runners/base.py), chosen in runners/__init__
- appsource: what `git push` sends, .slugignore; builder: a BuildRequest built phase by phase
  (prepare, detect and compile of each buildpack, release, keep the slug and cache, record)
- procfile: Procfile and bin/release YAML; dyno: one-off, release, web and all-types dynos
- router: HTTPS terminated in front of web, as Heroku's router does
The names below are the functions tests and tools call.
"""
from __future__ import annotations

from localheroku.appsource import copy_app, copy_buildpack
from localheroku.builder import (
    BuildRequest,
    BuildResult,
    build,
    default_work,
    detect,
    prepare_build,
    recover_cache,
    run_build,
    runtime_store,
    scratch_layout,
)
from localheroku.configstore import parse_config, parse_dotenv
from localheroku.contract import (
    BUILDPACK_DIR,
    CACHE_DIR,
    ENV_DIR,
    PATH,
    REPO,
    LocalHerokuError,
    build_dir_path,
    build_env,
    dyno_command,
    run_env,
)
from localheroku.dyno import WebProcess, free_port, process_types, release, run_process, start_all, start_web
from localheroku.files import folder_size, read_env_dir, remove_tree, write_env_dir
from localheroku.procfile import merge_process_types, parse_procfile, parse_release_yaml, shown_types
from localheroku.runners.sandbox import (
    HostLayout,
    build_mounts,
    empty_file,
    probe_host,
    run_mounts,
    sandbox_argv,
    system_mounts,
)
from localheroku.stacks import STACK_PYTHONS

__all__ = [
    "BUILDPACK_DIR", "CACHE_DIR", "ENV_DIR", "PATH", "REPO", "STACK_PYTHONS", "BuildRequest", "BuildResult", "HostLayout",
    "LocalHerokuError", "WebProcess", "build", "build_dir_path", "build_env", "build_mounts", "copy_app",
    "copy_buildpack", "default_work", "detect", "dyno_command", "empty_file", "folder_size", "free_port",
    "probe_host", "run_mounts", "merge_process_types",
    "parse_config", "parse_dotenv", "parse_procfile", "parse_release_yaml", "prepare_build", "process_types", "read_env_dir",
    "recover_cache", "release", "remove_tree", "run_build", "run_env", "run_process", "runtime_store", "sandbox_argv",
    "scratch_layout", "shown_types", "start_all", "start_web", "system_mounts", "write_env_dir",
]
