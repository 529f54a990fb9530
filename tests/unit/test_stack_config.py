"""The stack config: ``kustomer:apps`` and ``kustomer:registeredClients``, every problem named at its stack-file
key path, the registered clients' secrets only from secret config keys."""

from __future__ import annotations

from typing import Any

import pytest

from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.stack_config import load_apps, load_registered_clients
from tests.support.dev_clients import DEV_CLIENT_SECRETS
from tests.support.dev_stack import dev_stack_config

SECRET = "unit-apaleo-secret-8c2e"


def load(items: Any, secrets: dict[str, tuple[str | None, bool]] | None = None) -> list[Any]:
    values = secrets if secrets is not None else {"kustomer:apaleoSecret": (SECRET, True)}
    return load_registered_clients(
        lambda key: items if key == "registeredClients" else None, lambda key: values.get(key, (None, False))
    )


def item(**changes: Any) -> dict[str, Any]:
    base = {
        "name": "pms",
        "platform": "apaleo",
        "clientId": "UNIT-SP",
        "clientSecretKey": "apaleoSecret",
        "clientCode": "UNIT",
        "redirectUris": ["https://example.com/cb"],
        "scopes": ["openid"],
    }
    return {**base, **changes}


def problems(items: Any, secrets: dict[str, tuple[str | None, bool]] | None = None) -> list[str]:
    with pytest.raises(KustomerConfigError) as caught:
        load(items, secrets)
    assert SECRET not in str(caught.value)
    return [line.strip() for line in str(caught.value).splitlines()[1:]]


def test_the_dev_stack_clients_load_with_their_secrets() -> None:
    config = dev_stack_config()
    clients = load_registered_clients(
        lambda key: config.get(f"kustomer:{key}"), lambda key: (DEV_CLIENT_SECRETS.get(key), True)
    )
    assert [(c.name, c.inputs.platform, c.secret_key) for c in clients] == [
        ("teamwork_dev", "teamwork", "kustomer:teamworkClientSecret"),
        ("komerza_dev", "komerza", "kustomer:komerzaClientSecret"),
        ("apaleo_dev", "apaleo", "kustomer:apaleoClientSecret"),
    ]
    assert DEV_CLIENT_SECRETS["kustomer:apaleoClientSecret"] not in repr(clients)


def test_no_key_is_no_client() -> None:
    assert load(None) == []


def test_errors_name_the_stack_file_key_path() -> None:
    found = problems([item(), item(name="two", redirectUris=["https://example.com/a", "http://127.0.0.1/cb"])])
    assert found == [
        "kustomer:registeredClients[1].redirectUris[1]: must use https for apaleo, even on a loopback host; "
        "got 'http://127.0.0.1/cb'"
    ]
    assert problems([item(colour="x")]) == [
        "kustomer:registeredClients[0].colour: is not a field of a registered client (check the spelling; see "
        "Pulumi.yaml for the fields)",
    ]
    assert problems([item(site="acme")]) == [
        "kustomer:registeredClients[0].site: is not a field of apaleo clients (their own fields: client_code, client_kind); remove it",
    ]
    assert problems([item(redirectUris=None)]) == [
        "kustomer:registeredClients[0].redirectUris: must list at least one redirect URI registered on apaleo: its "
        "login flow sends the user back to one"
    ]
    assert problems([item(), item()]) == ["kustomer:registeredClients[1].name: 'pms' is already registeredClients[0]"]


def test_the_secret_comes_only_from_a_secret_config_key() -> None:
    assert problems([item()], {"kustomer:apaleoSecret": (SECRET, False)}) == [
        "kustomer:apaleoSecret (named by kustomer:registeredClients[0].clientSecretKey) is stored in plaintext in "
        "the stack file. Store it encrypted: `pulumi config set --secret kustomer:apaleoSecret <secret>`."
    ]
    assert problems([item()], {}) == [
        "kustomer:registeredClients[0].clientSecretKey: kustomer:apaleoSecret is not set: `pulumi config set "
        "--secret kustomer:apaleoSecret <the client secret from the platform's dashboard>`"
    ]
    assert problems([item(clientSecret=SECRET)])[0].startswith(
        "kustomer:registeredClients[0].clientSecret: must not be in the stack file"
    )
    found = problems([item()], {"kustomer:apaleoSecret": (f"{SECRET} with a space", True)})
    assert found[0].startswith("kustomer:apaleoSecret (named by kustomer:registeredClients[0].clientSecretKey): must ")


# --- kustomer:apps ------------------------------------------------------------------------------------------


def apps_config(apps: Any) -> Any:
    """``pulumi.Config("kustomer").get_object`` of a stack whose ``kustomer:apps`` is ``apps``."""
    return lambda key: apps if key == "apps" else None


def test_the_dev_stack_apps_load_with_their_camel_case_keys() -> None:
    apps = load_apps(apps_config(dev_stack_config()["kustomer:apps"]))
    assert [app.app for app in apps] == [a["app"] for a in dev_stack_config()["kustomer:apps"]]
    first = dev_stack_config()["kustomer:apps"][0]
    assert apps[0].redirect_uris == first["redirectUris"] and apps[0].adopt_existing == first.get(
        "adoptExisting", False
    )


def test_an_unset_or_empty_apps_key_says_how_to_give_an_app() -> None:
    with pytest.raises(
        KustomerConfigError, match=r"(?s)kustomer:apps is not set.*pulumi config set --path 'apps\[0\]\.app'"
    ):
        load_apps(apps_config(None))
    for empty in ([], {}, "crm_sync"):
        with pytest.raises(KustomerConfigError, match="kustomer:apps must be a non-empty list of apps"):
            load_apps(apps_config(empty))


def test_every_problem_of_every_app_is_named_at_its_stack_file_path_at_once() -> None:
    good = {"app": "crm_sync", "version": "1.0.0", "title": "CRM sync"}
    apps = [
        {**good, "version": "1"},
        "not a map",
        {**good, "app": "helpdesk", "redirectUri": "https://example.com/cb"},
        good,
        {**good, "title": "again"},
    ]
    with pytest.raises(KustomerConfigError) as info:
        load_apps(apps_config(apps))
    lines = str(info.value).splitlines()[1:]
    assert lines[0].startswith("  kustomer:apps[0].version: ") and "MAJOR.MINOR.PATCH" in lines[0]
    assert lines[1] == "  kustomer:apps[1]: must be a map of an app's fields (app, version, title, ...)"
    assert lines[2].startswith("  kustomer:apps[2].redirectUri: is not a field of an app (check the spelling")
    # Only a valid app can be a repeat: apps[0] failed, so the first crm_sync is apps[3].
    assert lines[3] == "  kustomer:apps[4].app: 'crm_sync' is already apps[3]"
    assert len(lines) == 4
