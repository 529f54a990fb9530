"""What the Pulumi CLI shows when a provider method fails: the message of a failure we anticipate; the traceback
and a report line for a bug.

The SDK's dynamic-provider host (``python -m pulumi.dynamic``) wraps Check, Diff, Create, Update, Read and Delete
in ``_abort_with_traceback``, which answers any exception with ``traceback.format_exc()`` as the gRPC status
details, and the CLI prints those details under the resource. Left alone, every error would reach the user
behind some 20 lines of frames.

:func:`install`, called when a provider class of this package loads in that host, gives the host module (the
process's ``__main__``) a ``traceback`` of its own, :class:`HostTraceback`, whose ``format_exc`` renders by class:

- a :class:`~kustomer_provider.errors.KustomerError` (config, API, install, transport, a platform refusing a
  client, invalid inputs at create): its message alone;
- any other exception raised through this package's code: the traceback, then :func:`bug_report_line`;
- an exception that never passed through this package (another dynamic provider of the same program: one host
  serves them all): the SDK's text, unchanged.

Both texts of ours go through :func:`~kustomer_provider.redaction.redact`. In any other process (a Pulumi
program, a script, a test) :func:`install` changes nothing. docs/decisions.md says why this hook and not another.
"""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Final

from ._version import __version__, project_url
from .errors import KustomerError
from .redaction import redact
from .safe_text import escape_invisible

__all__ = ["HOST_HOOK", "HOST_MODULE", "HostTraceback", "bug_report_line", "install", "render"]

#: The name the SDK's dynamic-provider host runs under (``python -m pulumi.dynamic``): its ``__main__``'s spec.
HOST_MODULE: Final = "pulumi.dynamic.__main__"
#: The host's function that answers an exception with ``traceback.format_exc()`` (checked by a test of the SDK).
HOST_HOOK: Final = "_abort_with_traceback"
_PACKAGE_DIR: Final = Path(__file__).resolve().parent
_install_lock = threading.Lock()


def bug_report_line() -> str:
    """The line added under a bug's traceback: whose bug, which version, where to report it."""
    where = project_url("Issues") or project_url("Homepage")
    report = f"report it at {where}" if where else "report it to the kustomer-pulumi maintainers"
    return f"This is a bug in kustomer-pulumi {__version__} (an error it does not anticipate): please {report}."


def _through_package(trace: TracebackType | None) -> bool:
    """Whether any frame of ``trace`` runs this package's code."""
    while trace is not None:
        if Path(trace.tb_frame.f_code.co_filename).resolve().is_relative_to(_PACKAGE_DIR):
            return True
        trace = trace.tb_next
    return False


def render(error: BaseException | None, sdk_text: str) -> str:
    """The details the host returns for ``error``, whose traceback the SDK formats as ``sdk_text``."""
    if isinstance(error, KustomerError):
        return redact(str(error).strip() or type(error).__name__)
    if error is None or not _through_package(error.__traceback__):
        return sdk_text  # not ours: as the SDK says it
    return f"{escape_invisible(redact(sdk_text), keep_lines=True).rstrip()}\n{bug_report_line()}\n"


class HostTraceback(ModuleType):
    """The host's ``traceback``: the standard module, but ``format_exc`` renders by class (:func:`render`).

    Stateless: ``format_exc`` reads the calling thread's exception, so the host's worker threads share it safely.
    """

    def __init__(self, real: ModuleType) -> None:
        super().__init__(real.__name__, real.__doc__)
        self._real = real

    def __getattr__(self, name: str) -> Any:
        if name == "_real":  # read before __init__ set it: fail instead of looking it up forever
            raise AttributeError(name)
        return getattr(self._real, name)

    def format_exc(self, limit: int | None = None, chain: bool = True) -> str:
        """``traceback.format_exc``, rendered by :func:`render`."""
        error = sys.exc_info()[1]
        if isinstance(error, KustomerError):
            return render(error, "")
        return render(error, self._real.format_exc(limit=limit, chain=chain))


def install() -> bool:
    """Give the SDK's dynamic-provider host a :class:`HostTraceback`; whether one is in place.

    Only in that host (the process's ``__main__`` runs :data:`HOST_MODULE` and has :data:`HOST_HOOK` and the
    standard ``traceback``): anywhere else, or in a host that no longer looks so, nothing changes.
    """
    host = sys.modules.get("__main__")
    spec = getattr(host, "__spec__", None)
    if host is None or getattr(spec, "name", None) != HOST_MODULE or not callable(getattr(host, HOST_HOOK, None)):
        return False
    with _install_lock:
        current = getattr(host, "traceback", None)
        if isinstance(current, HostTraceback):
            return True
        if current is not traceback:
            return False
        host.traceback = HostTraceback(traceback)  # type: ignore[attr-defined]  # the host's global
        return True
