"""What the provider process shares between resources: the stack config resolved once and judged in check, one
client, the installs seen so far (the newest version kept), and one lock per app."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from kustomer_provider import provider_process
from kustomer_provider.client import KustomerClient
from kustomer_provider.connection import CONFIG_KEYS, Connection
from kustomer_provider.errors import KustomerConfigError

CONFIG = {"kustomer:apiKey": "made-up-runtime-key-0123", "kustomer:baseUrl": "http://127.0.0.1:9"}


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process that was never configured, with no Kustomer variables; the package logger put back after."""
    for _, (variable, _what) in CONFIG_KEYS.items():
        monkeypatch.delenv(variable, raising=False)
    logger = logging.getLogger("kustomer_provider")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    provider_process.reset()
    yield
    provider_process.reset()
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


def test_before_configure_check_reports_nothing_and_after_it_names_what_to_set() -> None:
    assert provider_process.connection_failures() == []  # a provider's check called directly, no stack known
    provider_process.configure({"kustomer:baseUrl": "http://127.0.0.1:9"})
    [failure] = provider_process.connection_failures()
    assert failure.property == "" and "kustomer:apiKey" in failure.reason and "KUSTOMER_API_KEY" in failure.reason
    with pytest.raises(KustomerConfigError, match="kustomer:apiKey"):
        provider_process.client()


def test_an_unusable_connection_is_explained_in_full_once_then_referred_to() -> None:
    """One process serves one preview or up: the first Check explains, the others point to it, naming the key."""
    provider_process.configure({"kustomer:apiKey": CONFIG["kustomer:apiKey"], "kustomer:orgName": "Acme Corp"})
    [first] = provider_process.connection_failures()
    assert "kustomer:orgName must be the org's subdomain" in first.reason and "KUSTOMER_ORG_NAME" in first.reason
    for _ in range(2):
        [later] = provider_process.connection_failures()
        assert later.property == ""
        assert later.reason == "Kustomer connection not usable: see the first error of this run (kustomer:orgName)"
    provider_process.configure({"kustomer:baseUrl": "http://127.0.0.1:9"})  # another config: another explanation
    [other] = provider_process.connection_failures()
    assert other.reason.startswith("No Kustomer API key.")
    with pytest.raises(KustomerConfigError, match="No Kustomer API key") as raised:  # create and read: in full
        provider_process.connection()
    assert raised.value.key == "kustomer:apiKey"


def test_the_connection_is_resolved_once_and_again_only_when_the_config_changes() -> None:
    provider_process.configure(CONFIG)
    first = provider_process.connection()
    provider_process.configure(dict(CONFIG))  # each resource's configure: the same config
    assert provider_process.connection() is first
    provider_process.configure({**CONFIG, "kustomer:baseUrl": "http://127.0.0.1:10"})
    assert provider_process.connection().base_url == "http://127.0.0.1:10"
    assert provider_process.connection_failures() == []


def test_one_client_is_built_for_the_process_from_the_resolved_connection() -> None:
    built: list[Connection] = []

    def factory(settings: Connection) -> KustomerClient:
        built.append(settings)
        return KustomerClient(base_url=settings.base_url, api_key=settings.api_key.get_secret_value())

    provider_process.reset(client_factory=factory)
    provider_process.configure(CONFIG)
    assert provider_process.client() is provider_process.client()
    assert [c.base_url for c in built] == ["http://127.0.0.1:9"]
    assert provider_process.token_url() == "http://127.0.0.1:9/oauth/token"


def test_the_newest_version_seen_installed_is_kept() -> None:
    assert provider_process.installed_version("crm_sync_abc") is None
    provider_process.note_installed("crm_sync_abc", None)  # nothing to remember
    assert provider_process.installed_version("crm_sync_abc") is None
    for version in ("1.2.0", "1.10.0", "1.9.9"):  # by precedence, not by text: 1.10.0 > 1.9.9
        provider_process.note_installed("crm_sync_abc", version)
    assert provider_process.installed_version("crm_sync_abc") == "1.10.0"
    assert provider_process.installed_version("other_abc") is None


def test_a_known_version_replaces_an_unknown_one_but_not_the_other_way() -> None:
    provider_process.note_installed("a_abc", provider_process.SOME_VERSION)
    assert provider_process.installed_version("a_abc") == provider_process.SOME_VERSION
    provider_process.note_installed("a_abc", "1.0.0")
    provider_process.note_installed("a_abc", provider_process.SOME_VERSION)
    assert provider_process.installed_version("a_abc") == "1.0.0"


def test_an_app_and_its_namespaced_name_share_one_lock_and_reset_forgets_everything() -> None:
    lock = provider_process.app_lock("crm_sync")
    assert provider_process.app_lock(f"crm_sync_{'0f' * 12}") is lock
    assert provider_process.app_lock("crm_sync_other") is not lock  # not an org id: another app
    provider_process.note_installed("crm_sync", "1.0.0")
    provider_process.reset()
    assert provider_process.app_lock("crm_sync") is not lock
    assert provider_process.installed_version("crm_sync") is None
