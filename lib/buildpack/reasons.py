"""Every reason slug a message carries, and what it means: the one table.

A slug (`family::kind`) names the cause of an error or a warning so that tests
and metrics can rely on it while the wording changes. Call sites use the names
below, never the text, so a misspelt name fails at import (a class attribute),
in mypy and in test_reasons.py, which also checks that every entry is used.
collectstatic's classifier names only the kind within its family
("env-var-missing"); collectstatic() gives the whole slug.
"""
from __future__ import annotations

from typing import Dict

# slug -> what it means, one line each
MEANINGS: Dict[str, str] = {}


def _reason(slug: str, meaning: str) -> str:
    if slug in MEANINGS:
        raise ValueError(f"reason slug {slug!r} is in the table twice")
    MEANINGS[slug] = meaning
    return slug


def _collectstatic_kind(kind: str, meaning: str) -> str:
    _reason(f"collectstatic::{kind}", meaning)
    return kind


def collectstatic(kind: str) -> str:
    """The slug of a collectstatic failure, from the kind its classifier named."""
    slug = f"collectstatic::{kind}"
    if slug not in MEANINGS:
        raise KeyError(f"no reason slug {slug!r} in the table")
    return slug


BUILDPACK_ERROR = _reason("buildpack::error", "an expected failure of no more specific kind")

# The stack (STACK) and the Python version the app asks for.
STACK_UNKNOWN = _reason("stack::unknown", "STACK is unset, or names a stack this buildpack does not know")
STACK_UNSUPPORTED = _reason("stack::unsupported", "STACK names a stack Heroku retired")
PYTHON_VERSION_INVALID = _reason("python-version::invalid", "a Python version file is malformed, unknown or unsupported")
PYTHON_VERSION_MALFORMED = _reason("python-version::malformed", "a version file's text is not a Python version")
PYTHON_VERSION_MULTIPLE = _reason("python-version::multiple", "a version file names more than one version")
PYTHON_VERSION_EMPTY = _reason("python-version::empty", "a version file names no version (empty or comments only)")
PYTHON_VERSION_NOT_A_FILE = _reason("python-version::not-a-file", "a version file is a directory or not a regular file")
PYTHON_VERSION_UNREADABLE = _reason("python-version::unreadable", "a version file cannot be read")
PYTHON_VERSION_UNSUPPORTED = _reason("python-version::unsupported", "the version asked for is too old (or not CPython 3)")
PYTHON_VERSION_UNKNOWN = _reason("python-version::unknown", "the minor version asked for is not in the runtime store")
PYTHON_VERSION_PATCH_UNAVAILABLE = _reason("python-version::patch-unavailable",
                                           "the exact patch asked for is not in the runtime store")
PYTHON_VERSION_NO_MATCH = _reason("python-version::no-match", "no available version fits requires-python's range")

# The runtime store, downloads and archives.
RUNTIME_STORE_UNAVAILABLE = _reason("runtime-store::unavailable", "the runtime store cannot be read or lacks the runtime")
RUNTIME_STORE_UNREACHABLE = _reason("runtime-store::unreachable", "the runtime store could not be read at all")
RUNTIME_STORE_EMPTY = _reason("runtime-store::empty", "the runtime store has no Python for this stack")
RUNTIME_STORE_INDEX_INVALID = _reason("runtime-store::index-invalid", "the runtime store's index.json is invalid")
RUNTIME_STORE_INVALID_URL = _reason("runtime-store::invalid-url", "PYTHON_RUNTIMES_URL is not a URL")
RUNTIME_STORE_NOT_FOUND = _reason("runtime-store::not-found", "PYTHON_RUNTIMES_URL names a local directory that is not there")
RUNTIME_STORE_NOT_AVAILABLE = _reason("runtime-store::not-available",
                                      "the store lists no archive (or answers not found) for the version")
RUNTIME_INCOMPATIBLE = _reason("runtime::incompatible", "the runtime was built for another system than this machine")
DOWNLOAD_FAILED = _reason("download::failed", "a download failed after its retries")
DOWNLOAD_NOT_FOUND = _reason("download::not-found", "the server says the file is not there (404/410)")
DOWNLOAD_CHECKSUM_MISMATCH = _reason("download::checksum-mismatch", "the downloaded bytes are not the ones the index promised")
DOWNLOAD_HTTP_ERROR = _reason("download::http-error", "the server answered an HTTP error, or redirected too often")
DOWNLOAD_TIMEOUT = _reason("download::timeout", "a download took longer than its time limit")
DOWNLOAD_TLS = _reason("download::tls", "the server's TLS certificate could not be verified")
DOWNLOAD_TOO_LARGE = _reason("download::too-large", "a download is larger than its limit")
DOWNLOAD_UNSUPPORTED_URL = _reason("download::unsupported-url", "a URL's scheme is not one a download supports")
DOWNLOAD_WRITE_FAILED = _reason("download::write-failed", "a download could not be saved to disk")
ARCHIVE_INVALID = _reason("archive::invalid", "a runtime archive is corrupt, truncated, unsafe or mismatched")
ARCHIVE_CORRUPT = _reason("archive::corrupt", "an archive cannot be decompressed or read as a tar")
ARCHIVE_UNSAFE = _reason("archive::unsafe", "an archive has an entry that would land outside its directory")
ARCHIVE_TOO_LARGE = _reason("archive::too-large", "an archive unpacks to more than its limit")
ARCHIVE_UNREADABLE = _reason("archive::unreadable", "an archive file cannot be read")
ARCHIVE_NO_ZSTD = _reason("archive::no-zstd", "a .tar.zst archive and no zstd to unpack it")
ARCHIVE_EXTRACT_FAILED = _reason("archive::extract-failed", "writing an archive's files failed")
ARCHIVE_NO_PYTHON = _reason("archive::no-python", "a runtime archive has no python3 interpreter")

# The app's source tree, its hooks, the build cache and the time limits.
SOURCE_INVALID = _reason("source::invalid", "something committed in the app's source cannot be built")
SOURCE_LINK_OUTSIDE_APP = _reason("source::link-outside-app", "a file the build reads is a link out of the app")
SOURCE_NOT_A_FILE = _reason("source::not-a-file", "a file the build reads is a directory or special file")
SOURCE_COMMITTED_ENVIRONMENT = _reason("source::committed-environment", "the source has a committed Python environment")
SOURCE_LFS_POINTER = _reason("source::lfs-pointer", "a Python file the build runs is a Git LFS pointer")
SOURCE_NOT_PYTHON_TEXT = _reason("source::not-python-text", "a Python file the build runs is binary or not text")
HOOK_FAILED = _reason("hook::failed", "an app's bin/ hook failed")
HOOK_PRE_COMPILE = _reason("hook::pre_compile", "the app's bin/pre_compile hook failed")
HOOK_POST_COMPILE = _reason("hook::post_compile", "the app's bin/post_compile hook failed")
CACHE_RESTORE_FAILED = _reason("cache::restore-failed", "the cached environment could not be copied into the build")
STEP_TIMEOUT = _reason("step::timeout", "a step that runs the app's code passed its time limit")
CI_PYTHON_MISSING = _reason("ci::python-missing", "bin/test found no Python: bin/test-compile did not run")

# Installing the dependencies.
DEPENDENCIES_FAILED = _reason("dependencies::failed", "installing the dependencies failed")
DEPENDENCIES_UNKNOWN_MANAGER = _reason("dependencies::unknown-manager", "PYTHON_PACKAGE_MANAGER names no known manager")
DEPENDENCIES_UNKNOWN_INSTALLER = _reason("dependencies::unknown-installer", "the installer config var names no known one")
DEPENDENCIES_LOCK_WITHOUT_MANIFEST = _reason("dependencies::lock-without-manifest", "a lock file without its manifest")
DEPENDENCIES_MANAGER_FILES_MISSING = _reason("dependencies::manager-files-missing",
                                             "the chosen manager's files are not in the app")
DEPENDENCIES_NO_LOCK = _reason("dependencies::no-lock", "a manifest that needs a lock has none")
DEPENDENCIES_MISNAMED_REQUIREMENTS = _reason("dependencies::misnamed-requirements",
                                             "no dependency file, but one named like requirements.txt")
DEPENDENCIES_REQUIREMENTS_ELSEWHERE = _reason("dependencies::requirements-elsewhere",
                                              "no dependency file in the root, requirements files in subdirectories")
DEPENDENCIES_LOCK_OUTDATED = _reason("dependencies::lock-outdated", "a lock no longer matches its manifest")
DEPENDENCIES_LOCK_CORRUPT = _reason("dependencies::lock-corrupt", "a lock file cannot be read")
DEPENDENCIES_MANIFEST_CORRUPT = _reason("dependencies::manifest-corrupt", "the Pipfile cannot be read")
DEPENDENCIES_UNREADABLE_INCLUDE = _reason("dependencies::unreadable-include", "a requirements -r/-c file cannot be read")
DEPENDENCIES_CONFLICT_MARKERS = _reason("dependencies::conflict-markers",
                                        "a requirements file holds unresolved merge conflict markers")
DEPENDENCIES_LOCAL_NOT_A_PROJECT = _reason("dependencies::local-not-a-project",
                                           "a requirements file installs a local directory with no project file")
DEPENDENCIES_MACHINE_PATH = _reason("dependencies::machine-path",
                                    "a requirements line installs a path on another machine (pip freeze in conda)")
DEPENDENCIES_DEBIAN_PKG_RESOURCES = _reason("dependencies::debian-pkg-resources",
                                            "requirements name pkg-resources==0.0.0 (Debian's pip freeze)")
DEPENDENCIES_PIP_COMPILE = _reason("dependencies::pip-compile", "pip-compile could not resolve requirements.in")
DEPENDENCIES_POETRY_PYTHON = _reason("dependencies::poetry-python", "no Poetry runs on the app's Python")
DEPENDENCIES_PIPENV_PYTHON = _reason("dependencies::pipenv-python", "no Pipenv runs on the app's Python")
DEPENDENCIES_INSPECT = _reason("dependencies::inspect", "the installed packages could not be listed")
DEPENDENCIES_NO_PIP = _reason("dependencies::no-pip", "the runtime has no ensurepip to install pip from")
DEPENDENCIES_UNINSTALL = _reason("dependencies::uninstall", "packages no longer required could not be removed")
DEPENDENCIES_UV_UNAVAILABLE = _reason("dependencies::uv-unavailable", "no uv wheel for this CPU")
DEPENDENCIES_UV_WHEEL = _reason("dependencies::uv-wheel", "the uv wheel is not what it should be (no binary, wrong hash)")
DEPENDENCIES_TOOL_NOT_ON_INDEX = _reason("dependencies::tool-not-on-index", "the package index lacks a tool's pinned wheel")
DEPENDENCIES_TOOL_INSTALL = _reason("dependencies::tool-install", "a package manager itself could not be installed")
DEPENDENCIES_INSTALL_FAILED = _reason("dependencies::install-failed", "the installer failed for a cause not recognised")
DEPENDENCIES_DISK_FULL = _reason("dependencies::disk-full", "the installer ran out of disk space")
DEPENDENCIES_INDEX_UNREACHABLE = _reason("dependencies::index-unreachable", "the package index could not be reached")
DEPENDENCIES_INDEX_AUTH = _reason("dependencies::index-auth", "the package index refused the credentials")
DEPENDENCIES_REQUIRES_PYTHON = _reason("dependencies::requires-python", "a package needs another Python than the app's")
DEPENDENCIES_PACKAGE_NOT_FOUND = _reason("dependencies::package-not-found", "the index has no package of that name")
DEPENDENCIES_VERSION_NOT_FOUND = _reason("dependencies::version-not-found", "the index has no release matching the pin")
DEPENDENCIES_HASH_MISMATCH = _reason("dependencies::hash-mismatch", "a downloaded file does not match its --hash")
DEPENDENCIES_PG_CONFIG = _reason("dependencies::pg-config", "psycopg2 from source needs pg_config")
DEPENDENCIES_MYSQL_CLIENT_LIBRARY = _reason("dependencies::mysql-client-library",
                                            "mysqlclient from source finds no MySQL client library")
DEPENDENCIES_OTHER_PLATFORM = _reason("dependencies::other-platform",
                                      "a package has wheels only for another platform (Windows) and no source")
DEPENDENCIES_BUILD_FAILED = _reason("dependencies::build-failed",
                                    "a package with no wheel for the app's Python failed to build from source")
DEPENDENCIES_BACKPORT_NOT_NEEDED = _reason("dependencies::backport-not-needed",
                                           "a backport of a module the app's Python has failed to build")
DEPENDENCIES_MISSING_INCLUDE = _reason("dependencies::missing-include", "a requirements -r/-c file does not exist")
DEPENDENCIES_LOCAL_MISSING = _reason("dependencies::local-missing", "a requirements line installs a path that does not exist")
DEPENDENCIES_REQUIREMENTS_INVALID = _reason("dependencies::requirements-invalid",
                                            "a requirements line is no requirement or option the installer knows")
DEPENDENCIES_GIT_UNREACHABLE = _reason("dependencies::git-unreachable", "git could not reach a git+ requirement's host")
DEPENDENCIES_CONFLICT = _reason("dependencies::conflict", "the requirements conflict with each other")

# collectstatic: the kinds its classifier names (collectstatic() makes the slug).
COLLECTSTATIC_FAILED = _collectstatic_kind("failed", "collectstatic failed for a cause not recognised")
COLLECTSTATIC_SETTINGS_UNCONFIGURED = _collectstatic_kind("settings-unconfigured", "no settings module was chosen")
COLLECTSTATIC_ENV_VAR_MISSING = _collectstatic_kind("env-var-missing", "the settings read a variable the build lacks")
COLLECTSTATIC_STATIC_ROOT_UNSET = _collectstatic_kind("static-root-unset", "the settings have no STATIC_ROOT")
COLLECTSTATIC_STATIC_URL_UNSET = _collectstatic_kind("static-url-unset", "the settings have no STATIC_URL")
COLLECTSTATIC_MANIFEST_MISSING_FILE = _collectstatic_kind("manifest-missing-file",
                                                          "a file the manifest storage must hash is missing")
COLLECTSTATIC_MANIFEST_MISSING_ENTRY = _collectstatic_kind("manifest-missing-entry", "the manifest has no entry for a file")
COLLECTSTATIC_SETTINGS_SYNTAX = _collectstatic_kind("settings-syntax", "the settings (or a module they import) do not parse")
COLLECTSTATIC_SETTINGS_IMPORT = _collectstatic_kind("settings-import", "the settings (or a module they import) fail to import")
COLLECTSTATIC_CLOUD_CREDENTIALS = _collectstatic_kind("cloud-credentials", "a cloud storage backend lacks its credentials")
COLLECTSTATIC_DATABASE_AT_BUILD = _collectstatic_kind("database-at-build", "collectstatic reached for the database")
COLLECTSTATIC_SYSTEM_CHECK_ERRORS = _collectstatic_kind("system-check-errors", "Django's system checks stopped collectstatic")
COLLECTSTATIC_SYSTEM_LIBRARY = _collectstatic_kind("system-library", "the app loads a library the stack image lacks")

# The build's Django process.
DJANGO_PROCESS_EXITED = _reason("django-process::exited", "the Django process ended without finishing, and no error")
DJANGO_PROCESS_EXITED_SETTINGS = _reason("django-process::exited-settings", "it ended while importing the settings")
DJANGO_PROCESS_EXITED_COLLECTSTATIC = _reason("django-process::exited-collectstatic", "it ended during collectstatic")

# Warnings: the production checks of the settings.
CHECKS_DEBUG = _reason("checks::debug", "DEBUG is on in the settings the dyno will use")
CHECKS_DEBUG_STRING = _reason("checks::debug-string", "DEBUG is a string that reads false, so it is on")
CHECKS_ALLOWED_HOSTS = _reason("checks::allowed-hosts", "ALLOWED_HOSTS rejects every request a dyno gets")
CHECKS_SQLITE = _reason("checks::sqlite", "the database is SQLite, lost with every dyno restart")
CHECKS_NO_DATABASE = _reason("checks::no-database", "DATABASES names no engine and DATABASE_URL is not set")
CHECKS_SQLITE_IGNORES_DATABASE_URL = _reason("checks::sqlite-ignores-database-url",
                                             "DATABASE_URL is set and the settings use SQLite anyway")
CHECKS_SECRET_KEY = _reason("checks::secret-key", "SECRET_KEY is short, simple or Django's insecure default")
CHECKS_STATIC_FILES = _reason("checks::static-files", "nothing serves the static files (no WhiteNoise)")
CHECKS_LOGGING = _reason("checks::logging", "the LOGGING settings keep errors out of heroku logs")
CHECKS_DJANGO_HEROKU = _reason("checks::django-heroku", "django-heroku is installed; current Django ignores it")
CHECKS_DJANGO_ON_HEROKU = _reason("checks::django-on-heroku", "django-on-heroku is installed; current Django ignores it")
CHECKS_WEB_SETTINGS_DIFFER = _reason("checks::web-settings-differ", "manage.py and wsgi.py default to other settings")
CHECKS_PRODUCTION_SETTINGS_UNUSED = _reason("checks::production-settings-unused",
                                            "every process uses development settings beside production ones")
CHECKS_SYSTEM_CHECK_ERRORS = _reason("checks::system-check-errors", "Django's system checks report errors")
CHECKS_DEPLOY_CHECK_ERRORS = _reason("checks::deploy-check-errors", "check --deploy reports errors of its own checks")
CHECKS_DJANGO_CANNOT_START = _reason("checks::django-cannot-start", "Django cannot load the apps or the URLconf")
CHECKS_SETTINGS_DO_NOT_IMPORT = _reason("checks::settings-do-not-import",
                                        "the settings do not import (collectstatic disabled, so the build went on)")

# Warnings: the Procfile, line by line.
PROCFILE_DIRECTORY = _reason("procfile::directory", "Procfile is a directory")
PROCFILE_UNREADABLE = _reason("procfile::unreadable", "Procfile cannot be read")
PROCFILE_BINARY = _reason("procfile::binary", "Procfile is not text")
PROCFILE_TOO_BIG = _reason("procfile::too-big", "Procfile is larger than what is checked")
PROCFILE_ENCODING = _reason("procfile::encoding", "Procfile is not UTF-8")
PROCFILE_MALFORMED = _reason("procfile::malformed", "a line is not `type: command`, so Heroku ignores it")
PROCFILE_NO_COMMAND = _reason("procfile::no-command", "a line declares a type with no command")
PROCFILE_MISSPELLED_TYPE = _reason("procfile::misspelled-type", "a line's type is close to web/release/worker")
PROCFILE_DUPLICATE_TYPE = _reason("procfile::duplicate-type", "a type is declared twice (the later line wins)")
PROCFILE_MISSING_PROGRAM = _reason("procfile::missing-program", "a line runs a program that is not installed")
PROCFILE_LATER_BUILDPACK = _reason("procfile::later-buildpack", "a line runs a program another buildpack installs")
PROCFILE_WRITTEN_LATER = _reason("procfile::written-later", "a line runs a bin/ file a later step writes")
PROCFILE_NOT_EXECUTABLE = _reason("procfile::not-executable", "a line runs a script without its execute bit")
PROCFILE_MISSING_SCRIPT = _reason("procfile::missing-script", "a line runs a Python script that is not in the app")
PROCFILE_WEB_PORT = _reason("procfile::web-port", "the web line listens on localhost or a fixed port, not $PORT")
PROCFILE_MISNAMED = _reason("procfile::misnamed", "no Procfile, but a file named like one (procfile, Procfile.txt)")
PROCFILE_MISSING_APPLICATION = _reason("procfile::missing-application", "a line names a WSGI/ASGI app that does not exist")
