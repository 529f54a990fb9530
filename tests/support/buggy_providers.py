"""Dynamic providers that fail in ways nobody anticipates, for the tests of what the Pulumi host shows.

The provider server loads them by reference to this module (it runs from the repository's root, where
``tests`` is importable), as it loads the package's own providers from a state.

- :class:`BuggyAppProvider`: ``PrivateAppProvider`` with a rule that raises ``RuntimeError`` from inside the
  package's own ``check``: a bug in kustomer-pulumi as the user would meet one. Its message carries the API key,
  as a careless bug's might, so a test can see that the traceback is redacted.
- :class:`ForeignProvider`: another dynamic provider of the same program (the host serves every dynamic
  resource of a stack), not this package's, whose ``check`` raises on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckResult, ResourceProvider

from kustomer_provider import provider_process
from kustomer_provider.app_inputs import PrivateAppInputs
from kustomer_provider.input_validation import InputFailure
from kustomer_provider.private_app import PrivateAppProvider

#: The message of the provoked bug.
BUG = "provoked bug: a rule of the test's provider failed"
#: The message of the foreign provider's failure.
FOREIGN = "a failure of another package's provider"


class BuggyAppProvider(PrivateAppProvider):
    """A private app's provider whose own rule raises: Check fails through the package's code."""

    def rule_failures(
        self, olds: Mapping[str, Any], inputs: PrivateAppInputs, news: Mapping[str, Any]
    ) -> list[InputFailure]:
        key = provider_process.connection().api_key.get_secret_value()
        provider_process.client()  # as a create would: the client registers the key for redaction
        raise RuntimeError(f"{BUG} (the key was {key})")


class ForeignProvider(ResourceProvider):
    """Someone else's dynamic provider: it never calls this package."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        raise RuntimeError(FOREIGN)
