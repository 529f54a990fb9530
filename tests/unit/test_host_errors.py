"""How the Pulumi host shows the providers' errors: rendered by class, installed only in the SDK's host.

The end-to-end tests (``tests/test_error_details.py``) run the real host; these check the rendering of every
error class, the threads, where the hook goes and where it must not, and the SDK's own hook, so that a new SDK
that changes it fails here by name.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import inspect
import subprocess
import sys
import threading
import tomllib
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import kustomer_provider
from kustomer_provider import errors, host_errors, redaction
from kustomer_provider.registered_client import RegisteredClientRejectedError
from tests.support.paths import REPO_ROOT

#: The servicer methods the host wraps in its hook: every one that runs a provider method.
WRAPPED = ("Check", "Diff", "Create", "Update", "Read", "Delete")


def every_error_class() -> list[type[errors.KustomerError]]:
    found: list[type[errors.KustomerError]] = []
    pending: list[type[errors.KustomerError]] = [errors.KustomerError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    return sorted(set(found), key=lambda c: c.__name__)


def an_error(cls: type[errors.KustomerError], message: str) -> errors.KustomerError:
    """An instance of ``cls``, its required keyword arguments given made-up values."""
    made_up: dict[str, Any] = {
        "method": "POST",
        "path": "/v1/apps/available",
        "status_code": 400,
        "ambiguous": False,
        "app_name": "crm_sync_0123456789abcdef01234567",
        "version": "1.0.0",
        "status": "install_failed",
        "platform": "komerza",
        "field": "client_secret",
        "app": "crm_sync",
        "source": "--base-url",
        "reason": "plain http to a host that is not loopback",
    }
    parameters = inspect.signature(cls.__init__).parameters.values()
    required = {p.name: made_up[p.name] for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty}
    return cls(message, **required)


def fake_host(monkeypatch: pytest.MonkeyPatch, spec_name: str | None = host_errors.HOST_MODULE) -> ModuleType:
    """A ``__main__`` shaped like the SDK's host (its spec's name, its hook, the standard ``traceback``)."""
    host = ModuleType("__main__")
    host.__spec__ = importlib.machinery.ModuleSpec(spec_name, None) if spec_name else None
    host._abort_with_traceback = lambda fn: fn  # type: ignore[attr-defined]
    host.traceback = traceback  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "__main__", host)
    return host


def shown(host: ModuleType, error: BaseException) -> tuple[str, str]:
    """``(what the host's format_exc gives, what the standard one gives)`` while ``error`` is handled."""
    try:
        raise error
    except BaseException:
        return host.traceback.format_exc(), traceback.format_exc()


def bug_in_the_package() -> BaseException:
    """A real bug raised inside the package's code (a wrong type handed to redact)."""
    try:
        redaction.redact(None)  # type: ignore[arg-type]
    except TypeError as bug:
        return bug
    raise AssertionError("redact(None) did not fail")


# -- the SDK's hook -------------------------------------------------------------------------------------


def test_the_sdk_host_still_answers_errors_with_its_global_traceback_format_exc() -> None:
    """What :func:`host_errors.install` relies on, read from the installed SDK's source (never imported: importing
    it starts a server). If this fails, a new pulumi SDK changed the hook: users see tracebacks again."""
    spec = importlib.util.find_spec("pulumi.dynamic")
    assert spec is not None and spec.submodule_search_locations
    source = Path(next(iter(spec.submodule_search_locations)), "__main__.py").read_text()
    tree = ast.parse(source)
    imports = [alias for node in tree.body if isinstance(node, ast.Import) for alias in node.names]
    assert any(alias.name == "traceback" and alias.asname is None for alias in imports), "no `import traceback`"
    hooks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == host_errors.HOST_HOOK]
    assert len(hooks) == 1, f"no {host_errors.HOST_HOOK} in the host"
    handlers = [n for n in ast.walk(hooks[0]) if isinstance(n, ast.ExceptHandler)]
    calls = [
        n
        for handler in handlers
        for n in ast.walk(handler)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "format_exc"
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "traceback"
    ]
    assert calls, f"{host_errors.HOST_HOOK} no longer answers with traceback.format_exc()"
    assigned = {
        t.id for n in ast.walk(hooks[0]) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
    }
    assert "traceback" not in assigned  # the module's global, looked up when an error is handled
    servicer = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "DynamicResourceProviderServicer")
    decorated = {
        n.name
        for n in servicer.body
        if isinstance(n, ast.FunctionDef)
        and any(isinstance(d, ast.Name) and d.id == host_errors.HOST_HOOK for d in n.decorator_list)
    }
    assert decorated >= set(WRAPPED), f"methods not wrapped in the hook: {set(WRAPPED) - decorated}"


# -- rendering ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", every_error_class(), ids=lambda c: c.__name__)
def test_every_anticipated_error_is_its_message_alone(monkeypatch: pytest.MonkeyPatch, cls: type) -> None:
    host = fake_host(monkeypatch)
    assert host_errors.install()
    message = f"{cls.__name__} happened: do this to fix it."
    details, _standard = shown(host, an_error(cls, message))
    assert details == message


def test_the_list_of_error_classes_includes_the_registered_clients_refusal() -> None:
    names = {c.__name__ for c in every_error_class()}
    assert RegisteredClientRejectedError.__name__ in names and set(errors.__all__) <= names


def test_a_secret_in_a_message_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sekret-value-that-leaked-0123456789"
    redaction.register_secret(secret)
    host = fake_host(monkeypatch)
    host_errors.install()
    details, _ = shown(host, errors.KustomerError(f"the answer held {secret}"))
    assert details == f"the answer held {redaction.REDACTED}"


def test_a_bug_keeps_the_sdks_traceback_and_adds_the_report_line(monkeypatch: pytest.MonkeyPatch) -> None:
    host = fake_host(monkeypatch)
    host_errors.install()
    details, standard = shown(host, bug_in_the_package())
    assert details == f"{standard.rstrip()}\n{host_errors.bug_report_line()}\n"
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert kustomer_provider.__version__ in host_errors.bug_report_line()
    assert project["urls"]["Issues"] in host_errors.bug_report_line()


def test_without_metadata_the_report_line_still_says_whom_to_tell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host_errors, "project_url", lambda label: None)
    assert host_errors.bug_report_line().endswith("please report it to the kustomer-pulumi maintainers.")


def test_an_error_that_never_ran_the_packages_code_is_left_as_the_sdk_writes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = fake_host(monkeypatch)
    host_errors.install()
    details, standard = shown(host, ValueError("another provider's own failure"))
    assert details == standard


def test_the_host_threads_each_see_their_own_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's 4 worker threads fail at once: each one's details are its own error's."""
    host = fake_host(monkeypatch)
    host_errors.install()
    barrier = threading.Barrier(4)
    results: dict[int, tuple[str, str]] = {}

    def fail(index: int) -> None:
        error = errors.KustomerConfigError(f"config problem {index}") if index % 2 else bug_in_the_package()
        try:
            raise error
        except BaseException:
            barrier.wait(timeout=30)  # all four are handling their error now
            results[index] = (host.traceback.format_exc(), traceback.format_exc())

    threads = [threading.Thread(target=fail, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1, 2, 3]
    for index, (details, standard) in results.items():
        expected = f"config problem {index}" if index % 2 else f"{standard.rstrip()}\n{host_errors.bug_report_line()}\n"
        assert details == expected


# -- where the hook goes --------------------------------------------------------------------------------


def test_install_is_idempotent_and_keeps_the_rest_of_the_traceback_module(monkeypatch: pytest.MonkeyPatch) -> None:
    host = fake_host(monkeypatch)
    assert host_errors.install() and host_errors.install()
    stand_in = host.traceback
    assert isinstance(stand_in, host_errors.HostTraceback) and isinstance(stand_in, ModuleType)
    assert stand_in.format_exception is traceback.format_exception  # everything else is the standard module
    host_errors.install()
    assert host.traceback is stand_in


@pytest.mark.parametrize("spec_name", ["kustomer_provider.rehearsal.program_host", "pulumi.dynamic", None])
def test_no_other_main_module_is_touched(monkeypatch: pytest.MonkeyPatch, spec_name: str | None) -> None:
    host = fake_host(monkeypatch, spec_name)
    assert not host_errors.install()
    assert host.traceback is traceback


def test_a_host_that_no_longer_looks_like_the_sdks_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    without_hook = fake_host(monkeypatch)
    del without_hook._abort_with_traceback  # type: ignore[attr-defined]
    assert not host_errors.install() and without_hook.traceback is traceback
    other_traceback = fake_host(monkeypatch)
    replaced = ModuleType("traceback")
    other_traceback.traceback = replaced  # type: ignore[attr-defined]
    assert not host_errors.install() and other_traceback.traceback is replaced


def test_this_process_is_not_touched() -> None:
    """pytest's own ``__main__`` (a process that imported every provider module) keeps the standard module."""
    assert not host_errors.install()
    assert getattr(sys.modules["__main__"], "traceback", traceback) is traceback


def test_a_plain_python_process_that_imports_the_providers_is_not_touched(tmp_path: Path) -> None:
    script = tmp_path / "looks_like_the_host.py"  # even a script with the host's hook in it, run as a script
    script.write_text(
        "import sys, traceback\n"
        "def _abort_with_traceback(fn):\n    return fn\n"
        "import kustomer_provider.private_app, kustomer_provider.registered_client\n"
        "from kustomer_provider import host_errors\n"
        "assert not host_errors.install()\n"
        "assert sys.modules['__main__'].traceback is traceback and traceback.format_exc.__module__ == 'traceback'\n"
        "print('untouched')\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
    )
    assert done.returncode == 0 and done.stdout.strip() == "untouched", done.stderr
