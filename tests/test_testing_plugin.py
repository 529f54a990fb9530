"""The pytest plugin for users' own programs (``kustomer_provider.testing``), as a user's pytest meets it: loaded
through its ``pytest11`` entry point, the ``kustomer_stack`` fixture bringing a project up against a simulator
and destroying it after the test, a failing ``up`` failing the test with what the CLI would print, and marker
options checked."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from kustomer_provider.testing import KustomerStack, OutputValue, StackOptions
from tests.support.rehearsal_cli import OWN_PROJECT, processes_in, stop_leftovers

pytest_plugins = ["pytester"]

CREATED = ["crm-sync", "crm-sync-secret", "helpdesk-bot", "helpdesk-bot-secret", "installs"]


def test_outside_pytest_the_stack_is_a_context_manager_that_destroys_what_it_made(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(OWN_PROJECT, project, ignore=shutil.ignore_patterns("tests", "__pycache__"))
    options = StackOptions(project_dir=project, config={"kustomer:orgName": "acme"})
    with KustomerStack(options) as stack:
        assert stack.result is not None and sorted(stack.result.ops("create")) == CREATED
        secret = stack.outputs["crmSyncClientSecret"]
        assert isinstance(secret, OutputValue) and secret.secret and len(secret.value) >= 40
        assert secret.value not in repr(secret) and "[secret]" in repr(secret)
        assert stack.outputs["crmSyncClientId"] == OutputValue(stack.outputs["crmSyncClientId"].value, False)
        url = stack.simulator.url
    assert stack.destroyed is not None and sorted(stack.destroyed.ops("delete")) == CREATED
    assert stack.rehearsal is not None and stack.rehearsal.simulator is None  # stopped
    assert url.startswith("http://127.0.0.1:")


def test_a_users_pytest_loads_the_fixture_and_reports_a_failed_up_as_the_cli_prints_it(
    pytester: pytest.Pytester,
) -> None:
    shutil.copytree(OWN_PROJECT, pytester.path / "project", ignore=shutil.ignore_patterns("tests", "__pycache__"))
    main = pytester.path / "project" / "__main__.py"
    (pytester.path / "broken").mkdir()
    shutil.copy(pytester.path / "project" / "Pulumi.yaml", pytester.path / "broken" / "Pulumi.yaml")
    (pytester.path / "broken" / "__main__.py").write_text(
        main.read_text().replace('version="1.0.0",  # bump', 'version="1.0",  # bump', 1)
    )
    (pytester.path / "project" / "tests").mkdir()
    (pytester.path / "project" / "tests" / "test_it.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.kustomer_stack(config={"kustomer:orgName": "acme"})
            def test_secret(kustomer_stack):
                assert kustomer_stack.outputs["crmSyncClientSecret"].secret

            @pytest.mark.kustomer_stack(project_dir="../../broken")
            def test_broken(kustomer_stack):
                pass

            @pytest.mark.kustomer_stack(stak="test")
            def test_misspelled(kustomer_stack):
                pass
            """
        )
    )
    try:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "project/tests", "-q")
        # Every simulator, program host and provider the fixture started has stopped, the failed up's too.
        assert processes_in(pytester.path) == {} and processes_in(pytester.path / "broken") == {}
    finally:
        stop_leftovers(pytester.path)
        stop_leftovers(pytester.path / "broken")
    result.assert_outcomes(passed=1, errors=2)
    output = result.stdout.str()
    # The broken program: the test errors in setup with the engine's rendering of the check failure.
    assert "The stack's up failed; the Pulumi CLI would print:" in output
    assert "resource 'crm-sync': property version value {1.0} has a problem: " in output
    assert "unknown keyword(s) stak; it takes config, project_dir, secret_config, simulator_args, stack" in output
