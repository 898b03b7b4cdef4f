"""Every expected, user-facing failure of the build, and the one shape of a message.

A Message is what every warning and error block says: a reason slug that tests
and metrics can rely on (one of the `reasons` table), a short title, a body (what
was found, why it matters, numbered fixes) and, when one fits, a documentation
page. A pure function that finds a problem returns a Message (a Finding when it
is a warning, a Failure when it will be raised); raising goes through
BuildpackError, which carries the same four fields. The entry modules catch
BuildpackError, print it as an error block and exit 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Type, TypeVar

from buildpack import reasons

# Heroku Dev Center pages an error or warning block may point to (one line each,
# "For more information, see:"). Only pages that exist: checked when added.
DOCS_PYTHON_VERSION = "https://devcenter.heroku.com/articles/python-runtimes"
DOCS_PYTHON_SUPPORT = "https://devcenter.heroku.com/articles/python-support"
DOCS_PIP = "https://devcenter.heroku.com/articles/python-pip"
DOCS_STATIC_ASSETS = "https://devcenter.heroku.com/articles/django-assets"
DOCS_PROCFILE = "https://devcenter.heroku.com/articles/procfile"
DOCS_RELEASE_PHASE = "https://devcenter.heroku.com/articles/release-phase"
DOCS_STACKS = "https://devcenter.heroku.com/articles/stack"


@dataclass(frozen=True)
class Message:
    reason: str  # a slug of the reasons table: "checks::debug", "dependencies::disk-full"
    title: str
    body: str
    docs: Optional[str] = None  # a documentation page (DOCS_*), when one fits


# The two roles a Message plays before it is printed; one type, named for the reader.
Finding = Message  # a warning: printed, and the build goes on
Failure = Message  # an error found by a pure function, raised later as a BuildpackError


_Error = TypeVar("_Error", bound="BuildpackError")


class BuildpackError(Exception):
    """A Message raised: its title and body first, since most raise sites leave the reason
    and the page to the class (a `<Thing><Problem>Error` has one of each)."""

    reason = reasons.BUILDPACK_ERROR
    # The documentation page for this kind of failure, when there is one.
    docs: str | None = None

    def __init__(self, title: str, body: str = "", reason: str | None = None, docs: str | None = None) -> None:
        super().__init__(title)
        self.title = title
        self.body = body
        if reason is not None:
            self.reason = reason
        if docs is not None:
            self.docs = docs

    @classmethod
    def of(cls: Type[_Error], message: Message) -> _Error:
        """The error that raises a Failure, with its reason and page (the class's page when it has none)."""
        return cls(message.title, message.body, reason=message.reason, docs=message.docs)


class StackUnknownError(BuildpackError):
    reason = reasons.STACK_UNKNOWN
    docs = DOCS_STACKS


class PythonVersionError(BuildpackError):
    """runtime.txt/.python-version is malformed, unknown or unsupported."""

    reason = reasons.PYTHON_VERSION_INVALID
    docs = DOCS_PYTHON_VERSION


class RuntimeStoreError(BuildpackError):
    """The runtime store cannot be read or does not have the runtime."""

    reason = reasons.RUNTIME_STORE_UNAVAILABLE


class RuntimeStoreUnreachableError(RuntimeStoreError):
    """The store could not be read at all: a build may go on with the cached runtime."""

    reason = reasons.RUNTIME_STORE_UNREACHABLE


class DownloadError(BuildpackError):
    reason = reasons.DOWNLOAD_FAILED
    # The HTTP status the server answered with, when there was one.
    status: int | None = None


class DownloadNotFoundError(DownloadError):
    """The server says the file is not there (HTTP 404/410, or a missing file:// path)."""

    reason = reasons.DOWNLOAD_NOT_FOUND


class ChecksumMismatchError(DownloadError):
    """The downloaded bytes are not the ones the store's index promised."""

    reason = reasons.DOWNLOAD_CHECKSUM_MISMATCH


class ArchiveError(BuildpackError):
    """A runtime archive is corrupt, truncated, unsafe or mismatched."""

    reason = reasons.ARCHIVE_INVALID


class RuntimeIncompatibleError(BuildpackError):
    reason = reasons.RUNTIME_INCOMPATIBLE


class DependenciesError(BuildpackError):
    reason = reasons.DEPENDENCIES_FAILED
    docs = DOCS_PIP


class CacheRestoreError(BuildpackError):
    """The cached environment could not be copied into the build (a full disk)."""

    reason = reasons.CACHE_RESTORE_FAILED


class HookError(BuildpackError):
    reason = reasons.HOOK_FAILED


class SourceTreeError(BuildpackError):
    """Something committed in the app's source that cannot be built."""

    reason = reasons.SOURCE_INVALID


class CollectstaticError(BuildpackError):
    reason = reasons.collectstatic(reasons.COLLECTSTATIC_FAILED)
    docs = DOCS_STATIC_ASSETS


class CiPythonMissingError(BuildpackError):
    """bin/test found no Python in the build: bin/test-compile did not run or failed."""

    reason = reasons.CI_PYTHON_MISSING


class StepTimeoutError(BuildpackError):
    """A step that runs the app's code did not finish within its time limit."""

    reason = reasons.STEP_TIMEOUT


class DjangoProcessError(BuildpackError):
    """The build's Django process ended without finishing what it was asked, and without an error."""

    reason = reasons.DJANGO_PROCESS_EXITED
