"""``KustomerAppInstalls``: the installs of many apps, waited for together.

Kustomer installs asynchronously. A ``KustomerPrivateApp`` that waits for its own install holds one of
the provider host's 4 worker threads for the whole install, so fifty apps wait in thirteen waves of
four. Apps declared with ``wait_for_install=False`` start their install and return; this resource,
which depends on all of them, then waits for every install at once, reading the org's installed list
(one request a round for all apps). The ``pulumi up`` still ends only when every install is final, and
fails naming each app whose install failed.

It holds no Kustomer object of its own: delete calls nothing, and read refreshes the install states.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from . import assumptions, provider_process
from .answers import NOT_INSTALLED, InstalledApp
from .app_inputs import AppInstallsInputs
from .errors import KustomerInstallError
from .private_app import KustomerPrivateApp
from .resource_provider import KustomerResourceProvider, resource_properties

__all__ = ["AppInstallsProvider", "KustomerAppInstalls", "install_state"]


def install_state(entry: InstalledApp | None, version: str) -> str:
    """The state of the install of ``version`` from the app's entry in the org's installed list."""
    return entry.state_of(version) if entry is not None else NOT_INSTALLED


def _installed_version(entry: InstalledApp | None) -> str:
    return (entry.version or "") if entry is not None else ""


def _outputs(props: Mapping[str, Any], entries: Mapping[str, InstalledApp | None]) -> dict[str, Any]:
    installs = AppInstallsProvider.read_inputs(props).installs()
    outs = AppInstallsProvider.input_view(props)
    outs["installed_versions"] = {name: _installed_version(entries.get(name)) for name in installs}
    outs["install_statuses"] = {name: install_state(entries.get(name), version) for name, version in installs.items()}
    return outs


def _wait(props: Mapping[str, Any]) -> dict[str, Any]:
    installs = AppInstallsProvider.read_inputs(props).installs()
    if not installs:
        return _outputs(props, {})
    timeout = provider_process.connection().install_timeout_seconds
    try:
        done = provider_process.client().wait_for_installs(installs, timeout=timeout)
    except KustomerInstallError as failed:
        if failed.status != assumptions.INSTALL_FAILED:
            raise
        # Each version is registered for good: say how the next run gets past it.
        raise failed.with_advice(
            "Each version stays registered (Kustomer keeps every version): after fixing the cause, run "
            "`pulumi up` again with adopt_existing=True on those apps (adoptExisting: true in the stack config) "
            "to install the same version again, or with a higher version. The other apps are installed."
        ) from None
    for name, entry in done.items():
        provider_process.note_installed(name, entry.version)  # the secrets minted next need not list them again
    return _outputs(props, dict(done))


class AppInstallsProvider(KustomerResourceProvider[AppInstallsInputs]):
    """The dynamic provider of :class:`KustomerAppInstalls`. Holds no state: see ``resource_provider``.

    Check needs no rule of its own: repeated apps are refused by the model (entries not known yet hold their
    place unchecked).
    """

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if self.input_changes(olds, news):
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        # Same apps, but an install not seen final (it failed, timed out, or a refresh found it gone): wait again.
        statuses = olds.get("install_statuses") or {}
        waiting = any(statuses.get(name) != assumptions.INSTALLED for name in self.read_inputs(news).installs())
        return DiffResult(changes=waiting, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"app-installs-{secrets.token_hex(4)}", _wait(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_wait(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        installs = self.read_inputs(props).installs()
        listing = provider_process.client().list_installed(max_age=provider_process.READ_MAX_AGE_SECONDS)
        entries = {entry.name: entry for entry in listing if entry.name in installs}
        if installs and not entries:
            return ReadResult("", {})  # every app it waited for is gone from the org: so is what it stood for
        outs = dict(props)
        outs.update(_outputs(props, entries))
        return ReadResult(id_, outs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # Nothing of its own in Kustomer: the apps and their installs are the apps' resources' business.
        return None


class KustomerAppInstalls(pulumi.dynamic.Resource, module="kustomer", name="AppInstalls"):
    """Waits until the installs of many Kustomer apps are final, all at once.

    Declare the apps with ``wait_for_install=False`` and pass them here: their installs then overlap
    instead of waiting four at a time in the provider host's worker threads, and this resource's create
    (or update, when an app moves to a new version) returns once every one is installed, or fails
    naming each app whose install failed. Anything that needs working OAuth clients should depend on it.

    Example Usage::

        apps = [
            KustomerPrivateApp(name, app=name, version="1.0.0", title=name, wait_for_install=False)
            for name in ("crm_sync", "billing_sync")
        ]
        installs = KustomerAppInstalls("app-installs", apps=apps)
        pulumi.export("statuses", installs.install_statuses)
    """

    installed_versions: pulumi.Output[dict[str, str]]
    """Per namespaced app name: the version installed in the org, as last seen (empty if none)."""
    install_statuses: pulumi.Output[dict[str, str]]
    """Per namespaced app name: ``installed`` (this version or a newer one), ``installing``,
    ``install_failed`` or ``not_installed``, as last seen."""
    apps: pulumi.Output[list[dict[str, Any]]]
    """The apps waited for: ``app_name``, ``version`` and ``install`` of each."""

    def __init__(
        self,
        resource_name: str,
        *,
        apps: Sequence[KustomerPrivateApp | Mapping[str, pulumi.Input[Any]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the installs to wait for.

        :param resource_name: The Pulumi name of this resource.
        :param apps: The apps: ``KustomerPrivateApp`` resources (their ``app_name``, ``version`` and
            ``install`` are used), or maps with ``app_name`` (namespaced), ``version`` and optionally
            ``install`` (default ``True``; apps with ``install`` false are not waited for). Each app once.
        :param opts: Resource options.
        """
        if apps is None:
            raise TypeError("Missing required property 'apps'")
        entries: list[Mapping[str, pulumi.Input[Any]]] = [
            {"app_name": app.app_name, "version": app.version, "install": app.install}
            if isinstance(app, KustomerPrivateApp)
            else app
            for app in apps
        ]
        props = resource_properties(AppInstallsProvider, KustomerAppInstalls, {"apps": entries})
        super().__init__(AppInstallsProvider(), resource_name, props, opts)
