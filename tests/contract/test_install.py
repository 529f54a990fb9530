"""Installs: asynchronous, polled per version; a failure keeps the previous version; a newer one upgrades."""

from __future__ import annotations

import httpx
import pytest

from kustomer_provider import assumptions
from kustomer_provider.client import KustomerClient
from kustomer_provider.errors import KustomerInstallError, KustomerNotFoundError
from kustomer_provider.simulator import SimulatorProcess
from tests.support.contract import Target, install, register, wait_for_install


def installed_entry(api: httpx.Client, name: str) -> dict[str, object]:
    """The attributes of one app in ``GET /v1/apps`` (every page)."""
    link: str | None = "/v1/apps"
    while link:
        body = api.get(link).json()
        for resource in body["data"]:
            if resource["attributes"]["name"] == name:
                attributes: dict[str, object] = resource["attributes"]
                return attributes
        link = (body.get("links") or {}).get("next")
    raise AssertionError(f"{name} is not in GET /v1/apps")


@pytest.mark.ours
def test_install_body_states_and_polling(api: httpx.Client, target: Target, app_name: str) -> None:
    """[ours] ``assumptions.install_request_body``, ``install_status_path`` and the status names.

    ``POST /v1/apps/install`` with ``{"app", "version"}`` starts an install (an ``installed_app`` that is
    ``installing``); ``GET /v1/apps/{name}-{version}`` shows it until ``installed``; ``GET /v1/apps``
    then lists the app with that version.
    """
    name = register(api, app_name)["attributes"]["name"]
    started = api.post("/v1/apps/install", json=assumptions.install_request_body(name, "1.0.0"))
    assert assumptions.is_success(started.status_code), started.text
    data = started.json()["data"]
    assert data["type"] == "installed_app"
    assert data["attributes"]["status"] in (assumptions.INSTALLING, assumptions.INSTALLED)
    assert data["attributes"]["version"] == "1.0.0"

    # Our status path answers, over HTTP, the install just started (not a comparison of our own strings).
    polled = api.get(assumptions.install_status_path(name, "1.0.0"))
    assert polled.status_code == 200, polled.text
    records = polled.json()["data"]
    assert records and records[0]["type"] == "installed_app"
    assert (records[0]["attributes"]["name"], records[0]["attributes"]["version"]) == (name, "1.0.0")
    final = wait_for_install(api, name, "1.0.0", target.install_timeout)
    assert final["status"] == assumptions.INSTALLED
    assert final["error"] is None
    listed = installed_entry(api, name)
    assert (listed["version"], listed["status"]) == ("1.0.0", assumptions.INSTALLED)


@pytest.mark.ours
def test_client_installs_and_waits(client: KustomerClient, target: Target, app_name: str) -> None:
    """[ours] The same through ``KustomerClient.install`` and ``wait_for_install`` (polling to a final status)."""
    registered = client.register_version({"app": app_name, "version": "1.0.0", "title": "Contract test app"})
    record = client.install(registered.name, "1.0.0")
    assert record.status in assumptions.INSTALL_TERMINAL_STATUSES | {assumptions.INSTALLING}
    final = client.wait_for_install(registered.name, "1.0.0", timeout=target.install_timeout)
    assert (final.name, final.version, final.status) == (registered.name, "1.0.0", assumptions.INSTALLED)
    installed = client.installed_app(registered.name)
    assert installed is not None and installed.version == "1.0.0"


def test_newer_version_upgrades(api: httpx.Client, client: KustomerClient, target: Target, app_name: str) -> None:
    """[doc] Installing a newer version is how an org upgrades."""
    name = register(api, app_name, "1.0.0")["attributes"]["name"]
    register(api, app_name, "1.1.0")
    for version in ("1.0.0", "1.1.0"):
        assert install(api, name, version).is_success
        assert client.wait_for_install(name, version, timeout=target.install_timeout).status == "installed"
    assert installed_entry(api, name)["version"] == "1.1.0"


def test_failed_install_keeps_previous_version(
    restore_faults: SimulatorProcess, api: httpx.Client, client: KustomerClient, app_name: str
) -> None:
    """[doc] A failed install ends ``install_failed`` and the previously installed version stays."""
    name = register(api, app_name, "1.0.0")["attributes"]["name"]
    register(api, app_name, "1.1.0")
    assert install(api, name, "1.0.0").is_success
    assert client.wait_for_install(name, "1.0.0", timeout=10).status == "installed"

    restore_faults.set_faults(install_fail=[app_name])
    assert install(api, name, "1.1.0").is_success
    with pytest.raises(KustomerInstallError) as caught:
        client.wait_for_install(name, "1.1.0", timeout=10)
    assert caught.value.status == assumptions.INSTALL_FAILED
    assert name in str(caught.value)
    listed = installed_entry(api, name)
    assert (listed["version"], listed["status"]) == ("1.0.0", assumptions.INSTALL_FAILED)
    assert listed["error"]


@pytest.mark.ours
def test_installing_the_installed_version_starts_nothing(
    api: httpx.Client, client: KustomerClient, target: Target, app_name: str
) -> None:
    """[ours] Installing the version already installed answers 200 with that install and starts none."""
    name = register(api, app_name)["attributes"]["name"]
    assert install(api, name, "1.0.0").is_success
    client.wait_for_install(name, "1.0.0", timeout=target.install_timeout)
    again = install(api, name, "1.0.0")
    assert again.status_code == 200, again.text
    assert again.json()["data"]["attributes"]["status"] == assumptions.INSTALLED
    assert len(api.get(f"/v1/apps/{name}-1.0.0").json()["data"]) == 1


@pytest.mark.ours
def test_install_of_an_unregistered_version_is_404(api: httpx.Client, client: KustomerClient, app_name: str) -> None:
    """[ours] Installing a version that was never registered answers 404."""
    name = register(api, app_name)["attributes"]["name"]
    assert install(api, name, "3.0.0").status_code == 404
    with pytest.raises(KustomerNotFoundError):
        client.install(name, "3.0.0")


@pytest.mark.ours
def test_the_installed_list_answers_for_many_installs_at_once(
    api: httpx.Client, client: KustomerClient, target: Target
) -> None:
    """[ours] ``GET /v1/apps`` gives each app's installed ``version`` and its newest install's ``status``.

    ``KustomerAppInstalls`` relies on it: ``KustomerClient.wait_for_installs`` reads that one list a round
    for every install it waits for, instead of ``GET /v1/apps/{name}-{version}`` per app.
    """
    names = [register(api, target.new_app())["attributes"]["name"] for _ in range(3)]
    for name in names:
        assert install(api, name, "1.0.0").is_success
    before = client.stats.requests.copy()
    done = client.wait_for_installs(dict.fromkeys(names, "1.0.0"), timeout=target.install_timeout)
    assert sorted(done) == sorted(names)
    assert all(entry.version == "1.0.0" and entry.state_of("1.0.0") == assumptions.INSTALLED for entry in done.values())
    made = client.stats.requests - before
    assert set(made) == {"GET /v1/apps"}  # only the list, never a read per app
