"""``KustomerPrivateApp``: one Kustomer private app (an OAuth client), registered and installed.

Identity is the namespaced app name (``myapp_<orgId>``). Kustomer keeps every registered version
forever and cannot uninstall, so the resource's life is: register the first version and install it;
on a change, register a higher version and install it; on delete, leave everything in Kustomer and
say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from . import assumptions, ownership, provider_process
from .answers import NOT_INSTALLED, AvailableApp, InstalledApp, InstallRecord
from .app_inputs import PrivateAppInputs, definition_values
from .errors import KustomerConflictError, KustomerInstallError, KustomerOwnershipError
from .input_validation import InputFailure
from .resource_provider import KustomerResourceProvider, resource_properties
from .safe_text import safe_text
from .versions import SemVer

if TYPE_CHECKING:
    from .client import KustomerClient

__all__ = ["KustomerPrivateApp", "PrivateAppProvider"]

#: Inputs that only say how to run a create or update: a change of them alone is no change of the app. The owner
#: marker changes with a renamed stack or resource (an alias), which registers nothing new; ``take_over_from``
#: matters only to a create.
HOW_TO_RUN_INPUTS: Final = ("wait_for_install", "owner_marker", "take_over_from")
#: Inputs whose change needs a new registered version.
DEFINITION_INPUTS: Final = ("title", "redirect_uris", "description", "icon_url", "definition")


def _definition_changes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The definition inputs that differ, compared as the model converts them.

    Old inputs are compared as stored, even where they would fail today's (stricter) validation.
    """
    changed = PrivateAppProvider.input_changes(olds, news).changed
    return [name for name in DEFINITION_INPUTS if name in changed]


def _version_failures(olds: Mapping[str, Any], new: PrivateAppInputs, news: Mapping[str, Any]) -> list[InputFailure]:
    """Kustomer's version rules, checked before any call: a changed definition needs a higher version."""
    old_app, old_version_text = olds.get("app"), olds.get("version")
    if old_app != new.app or not isinstance(old_version_text, str):
        return []  # a new app: replaced, starts its own version history
    try:
        old_version = SemVer.parse(old_version_text)
    except ValueError:
        return []  # nothing to compare with
    new_version = SemVer.parse(new.version)
    changed = _definition_changes(olds, news)
    failures = []
    if new_version < old_version:
        failures.append(
            InputFailure(
                "version",
                f"version {new_version} is lower than the registered {old_version}: Kustomer only accepts "
                f"a version greater than the latest one. Set version to {old_version.next_patch()} or higher.",
            )
        )
    elif changed and new_version == old_version:
        failures.append(
            InputFailure(
                "version",
                f"version is still {old_version} but the app definition changed ({', '.join(changed)}): "
                f"Kustomer keeps every registered version unchanged, so bump the version (for example to "
                f"{old_version.next_patch()}).",
            )
        )
    old_definition = olds.get("definition")
    old_roles_value = old_definition.get("roles") if isinstance(old_definition, dict) else None
    old_roles = sorted(r for r in old_roles_value if isinstance(r, str)) if isinstance(old_roles_value, list) else []
    new_roles = sorted(new.definition.get("roles") or [])
    if old_roles != new_roles and new_version.major <= old_version.major:
        failures.append(
            InputFailure(
                "definition.roles",
                f"definition.roles changed, which Kustomer allows only with a major version bump: set "
                f"version to {old_version.next_major()} or higher.",
            )
        )
    return failures


def _newest_version_text(versions: list[AvailableApp], fallback: str) -> str:
    latest = ownership.newest(versions)
    return latest.version if latest is not None else fallback


def _managed_elsewhere(
    inputs: PrivateAppInputs, view: ownership.OwnerView, versions: list[AvailableApp]
) -> KustomerOwnershipError | None:
    """The refusal when the app's newest version was registered by another resource (not handed over)."""
    found = view.manager_elsewhere(versions)
    if found is None:
        return None
    latest, marker = found
    ours = inputs.owner_marker or "this resource"
    return KustomerOwnershipError(
        f"App {inputs.app!r} is managed by another Pulumi resource: its newest version {latest.version} "
        f"({latest.name}) carries the owner marker {marker!r} (<project>/<stack>/<resource name>), and this "
        f"resource is {ours!r}. Two stacks managing one app revoke each other's client secrets (a new secret "
        "revokes the previous one), so nothing was registered, installed or minted. If that stack keeps the app, "
        "remove it from this one. To move the app here: remove it from that stack first (from its program or "
        "its kustomer:apps, then `pulumi up` there; the delete calls nothing and leaves the app in Kustomer), "
        f"then set take_over_from={marker!r} on this resource (takeOverFrom: {marker} on this app in "
        "kustomer:apps) and run `pulumi up` again.",
        app=inputs.app,
        version=latest.version,
        owner=marker,
    )


def _existing_version(
    inputs: PrivateAppInputs, view: ownership.OwnerView, existing: AvailableApp, versions: list[AvailableApp]
) -> tuple[AvailableApp | None, str]:
    """What to do with the registered ``existing`` version of ``inputs``: take it (the version), or refuse (why)."""
    claim = view.claim(existing, inputs.to_definition())
    latest = _newest_version_text(versions, inputs.version)
    bump = f"bump `version` above {latest}"
    if claim.kind in ("own", "handed_over") and claim.same_definition:
        whose = "this resource registered it" if claim.kind == "own" else "take_over_from names its owner"
        pulumi.log.info(
            f"Taking over {safe_text(existing.id)}: {whose} (owner marker {claim.marker!r}) with exactly this "
            "definition, in a run whose state was not saved (an interrupted `pulumi up`) or before a `pulumi destroy`. "
            "Nothing new is registered."
        )
        return existing, ""
    if claim.kind == "other":
        return None, (
            f"was registered by another Pulumi resource, {claim.marker!r} (<project>/<stack>/<resource name>), "
            f"which manages it. Two stacks managing one app revoke each other's client secrets. If the app is to "
            f"move here, remove it from that stack, set take_over_from={claim.marker!r} (takeOverFrom in "
            f"kustomer:apps) and run `pulumi up` again; otherwise {bump}."
        )
    if not claim.same_definition:
        whose = "this resource" if claim.kind == "own" else "take_over_from's resource"
        first = (
            f"was registered by {whose} with another definition"
            if claim.marker
            else ("is already registered in this org with a different definition")
        )
        return None, f"{first}, and registered versions never change. Bump `version` above {latest}."
    if inputs.adopt_existing:
        pulumi.log.info(
            f"Adopting {safe_text(existing.id)}, already registered with this definition (no owner marker)."
        )
        return existing, ""
    return None, (
        f"is already registered in this org ({existing.name}) with exactly this definition but no owner marker, "
        "so whose it is cannot be told: probably this stack's own create, interrupted before its state was "
        "saved by a version of this provider that wrote no marker, or a registration by hand. If no other stack "
        "manages this app, take it over: set adoptExisting: true on this app in kustomer:apps (adopt_existing=True "
        f"on the resource), run `pulumi up`, then set it back. Otherwise {bump}."
    )


def _register(client: KustomerClient, inputs: PrivateAppInputs, view: ownership.OwnerView) -> tuple[AvailableApp, bool]:
    """Register ``inputs``' version with this resource's marker, or take over the registered one that is its own
    (or, with ``adopt_existing``, an identical unmarked one): the version, and whether it was taken over.

    First a look at what was registered before this run (one listing per process): a version of its own is taken
    over with no register request, and an app another resource manages is refused before anything is sent.
    """
    definition = inputs.to_definition()
    before = provider_process.registered_before(client)
    if before is not None:
        versions = [v for v in before if v.belongs_to(inputs.app)]
        refusal = _managed_elsewhere(inputs, view, versions)
        if refusal is not None:
            raise refusal
        existing = next((v for v in versions if v.version == inputs.version), None)
        if existing is not None:
            taken, _ = _existing_version(inputs, view, existing, versions)
            if taken is not None:
                return taken, True
    try:
        return client.register_version(ownership.with_marker(definition, inputs.owner_marker)), False
    except KustomerConflictError as conflict:
        versions = client.versions_of(inputs.app)
        existing = next((v for v in versions if v.version == inputs.version), None)
        if existing is None:
            raise
        refusal = _managed_elsewhere(inputs, view, versions)
        if refusal is not None:
            raise refusal from None
        taken, advice = _existing_version(inputs, view, existing, versions)
        if taken is not None:
            return taken, True
        claim = view.claim(existing, definition)
        if claim.kind == "other":
            raise KustomerOwnershipError(
                f"Version {inputs.version} of app {inputs.app!r} {advice}",
                app=inputs.app,
                version=inputs.version,
                owner=claim.marker,
            ) from None
        raise KustomerConflictError(
            f"Version {inputs.version} of app {inputs.app!r} {advice}",
            method=conflict.method,
            path=conflict.path,
            status_code=conflict.status_code,
            code=conflict.code,
            detail=conflict.detail,
        ) from None


def _already_installed(client: KustomerClient, registered: AvailableApp) -> InstallRecord | None:
    """The install of an adopted version when the org has it (or a newer one) installed: nothing to install."""
    entry = client.installed_app(registered.name, max_age=provider_process.READ_MAX_AGE_SECONDS)
    if entry is None or entry.state_of(registered.version) != assumptions.INSTALLED:
        return None
    return InstallRecord(
        name=registered.name, version=entry.version or registered.version, status=assumptions.INSTALLED
    )


def _install(
    client: KustomerClient, registered: AvailableApp, *, just_registered: bool, wait: bool, adopted: bool = False
) -> InstallRecord:
    if adopted and (done := _already_installed(client, registered)) is not None:
        provider_process.note_installed(registered.name, done.version)
        return done
    try:
        record = client.install(registered.name, registered.version)
        if record.status != assumptions.INSTALLED and wait:
            timeout = provider_process.connection().install_timeout_seconds
            record = client.wait_for_install(registered.name, registered.version, timeout=timeout)
        if record.status == assumptions.INSTALLED:
            provider_process.note_installed(registered.name, record.version)  # its secret need not list installs
        return record  # not waiting: a KustomerAppInstalls over this app waits, with its siblings
    except KustomerInstallError as failed:
        if not just_registered:
            raise
        # The version is registered for good, with this resource's marker: the next run takes it back.
        raise failed.with_advice(
            f"Version {registered.version} stays registered (Kustomer keeps every version): after fixing the "
            "cause, run `pulumi up` again; this resource takes back the version it registered (it carries its "
            "owner marker), or registers a higher version if you set one."
        ) from None


def _outputs(
    props: Mapping[str, Any], registered: AvailableApp, install: InstallRecord | None, previous: Mapping[str, Any]
) -> dict[str, Any]:
    outs = PrivateAppProvider.given_inputs(props)
    app = str(outs["app"])
    org_id = assumptions.org_id_from_name(app, registered.name) or ""
    outs.update(
        app_name=registered.name,
        org_id=org_id,
        app_version_id=f"{registered.name}-{registered.version}",
        client_id=registered.client_id or previous.get("client_id") or "",
        latest_version=registered.version,
    )
    if install is not None:
        done = install.status == assumptions.INSTALLED
        outs["installed_version"] = install.version if done else previous.get("installed_version") or ""
        outs["install_status"] = install.status
    else:
        outs["installed_version"] = previous.get("installed_version") or ""
        outs["install_status"] = previous.get("install_status") or NOT_INSTALLED
    return outs


def _stored_marker(olds: Mapping[str, Any]) -> str | None:
    marker = olds.get("owner_marker")
    return marker if isinstance(marker, str) else None


def _imported(
    versions: list[AvailableApp], latest: AvailableApp, installed: InstalledApp | None, props: Mapping[str, Any]
) -> ReadResult:
    """What an import reads: the app's installed version (else its newest) as inputs and outputs.

    The inputs are the registered definition of that version (:func:`definition_values`), so that the engine's
    diff against the program's inputs is empty only when the program declares the app as it is in the org; the
    inputs that only say how to run (``adopt_existing``, ``wait_for_install``) are the program's own.
    """
    by_version = {v.version: v for v in versions}
    shown = by_version.get(installed.version or "") if installed is not None else None
    registered = shown or latest
    inputs = PrivateAppProvider.input_defaults()
    inputs.update(definition_values(registered.attributes, registered.name))
    inputs["install"] = installed is not None and bool(installed.version)
    for how in ("adopt_existing", *HOW_TO_RUN_INPUTS):
        if props.get(how) is not None:
            inputs[how] = props[how]
    inputs = {k: v for k, v in inputs.items() if v is not None}
    record = (
        InstallRecord(name=registered.name, version=installed.version or "", status=installed.status or NOT_INSTALLED)
        if installed is not None
        else None
    )
    outs = _outputs(inputs, registered, record, {})
    outs["latest_version"] = latest.version
    return ReadResult(registered.name, outs, inputs)


class PrivateAppProvider(KustomerResourceProvider[PrivateAppInputs]):
    """The dynamic provider of :class:`KustomerPrivateApp`. Holds no state: see ``resource_provider``."""

    def rule_failures(
        self, olds: Mapping[str, Any], inputs: PrivateAppInputs, news: Mapping[str, Any]
    ) -> list[InputFailure]:
        return _version_failures(olds, inputs, news) if olds else []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        inputs = self.input_changes(olds, news)
        changed = [name for name in (*inputs.changed, *inputs.unknown) if name not in HOW_TO_RUN_INPUTS]
        # Replace only for a known new name; an unknown one (a preview) shows as an update until it is known.
        replaces = ["app"] if "app" in inputs.changed else []
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.read_inputs(props)
        client = provider_process.client()
        view = ownership.OwnerView.of(inputs.owner_marker, handed_over=inputs.take_over_from)
        with provider_process.app_lock(inputs.app):
            registered, taken = _register(client, inputs, view)
            install = (
                _install(
                    client,
                    registered,
                    just_registered=not taken,
                    wait=inputs.wait_for_install,
                    adopted=taken,
                )
                if inputs.install
                else None
            )
        return CreateResult(registered.name, _outputs(props, registered, install, {}))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        new = self.read_inputs(news)
        client = provider_process.client()
        needs_version = new.version != olds.get("version") or bool(_definition_changes(olds, news))
        # Its own versions carry the marker it has now or the one it registered with last (before a renamed
        # stack or resource).
        view = ownership.OwnerView.of(new.owner_marker, _stored_marker(olds), handed_over=new.take_over_from)
        with provider_process.app_lock(new.app):
            if needs_version:
                registered, taken = _register(client, new, view)
            else:  # only install or adopt_existing changed: the registered version is the one we have
                taken = False
                registered = AvailableApp(
                    id=str(olds.get("app_version_id", "")),
                    name=str(olds.get("app_name", _id)),
                    version=new.version,
                    clientId=olds.get("client_id"),
                )
            install_needed = new.install and (needs_version or olds.get("install_status") != assumptions.INSTALLED)
            install = (
                _install(
                    client,
                    registered,
                    just_registered=needs_version and not taken,
                    wait=new.wait_for_install,
                    adopted=taken,
                )
                if install_needed
                else None
            )
        outs = _outputs(news, registered, install, olds)
        if not needs_version:  # the registered version carries the marker it was registered with
            outs["owner_marker"] = _stored_marker(olds)
        return UpdateResult(outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = provider_process.client()
        name = id_ or str(props.get("app_name", ""))
        versions = client.versions_of(name, max_age=provider_process.READ_MAX_AGE_SECONDS)
        if not versions:
            return ReadResult("", {})
        latest = max(versions, key=lambda v: SemVer.parse(v.version))
        installed = client.installed_app(latest.name, max_age=provider_process.READ_MAX_AGE_SECONDS)
        if not props.get("app_version_id"):
            # No stored outputs: an import (the id and, at most, the program's inputs). Read the app as it is.
            return _imported(versions, latest, installed, props)
        outs = dict(props)
        outs.update(
            app_name=latest.name,
            client_id=latest.client_id or props.get("client_id") or "",
            latest_version=latest.version,
            installed_version=(installed.version or "") if installed else "",
            install_status=(installed.status or NOT_INSTALLED) if installed else NOT_INSTALLED,
        )
        return ReadResult(latest.name, outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Kustomer has no API to delete a registered version or to uninstall: nothing to call.
        pulumi.log.warn(
            f"Kustomer keeps app {id_}: its registered versions (up to {props.get('latest_version') or '?'}) "
            f"and its install (version {props.get('installed_version') or 'none'}) stay in the org, and "
            "its client id and current secret stay valid; Kustomer has no API to delete or uninstall them. "
            "To retire it, disable or remove it by hand in Kustomer (Settings > Apps). A later `pulumi up` of "
            "this resource with the same definition takes the version back (it carries this resource's owner "
            f"marker, {props.get('owner_marker') or 'none: registered by older code; then adopt_existing=True'}); "
            "any other definition needs a version above the last one."
        )


class KustomerPrivateApp(pulumi.dynamic.Resource, module="kustomer", name="PrivateApp"):
    """A Kustomer private app (an OAuth client), registered through the Apps Platform API and installed.

    A changed definition (title, redirect URIs, description, icon, extra definition keys) needs a
    higher ``version``: Kustomer keeps every registered version unchanged. Deleting the resource leaves
    the app in Kustomer (there is no API to delete or uninstall) and logs a warning saying so.

    Example Usage::

        app = KustomerPrivateApp(
            "stackone",
            app="stackone_link",
            version="1.0.0",
            title="StackOne link",
            redirect_uris=["https://api.stackone.com/connect/oauth2/kustomer/callback"],
        )
        pulumi.export("client_id", app.client_id)
    """

    app_name: pulumi.Output[str]
    """The namespaced app name Kustomer gave it, ``<app>_<orgId>``."""
    org_id: pulumi.Output[str]
    """The id of the org the app is registered in."""
    version: pulumi.Output[str]
    """The version this resource registered and manages."""
    app_version_id: pulumi.Output[str]
    """``<app_name>-<version>``, Kustomer's id of the registered version."""
    client_id: pulumi.Output[str]
    """The app's OAuth client id (the same for every version)."""
    installed_version: pulumi.Output[str]
    """The version installed in the org, as last seen (empty if none)."""
    install_status: pulumi.Output[str]
    """``installed``, ``installing``, ``install_failed`` or ``not_installed``, as last seen."""
    latest_version: pulumi.Output[str]
    """The newest registered version, as last seen; above ``version`` if one was registered elsewhere."""
    app: pulumi.Output[str]
    title: pulumi.Output[str]
    redirect_uris: pulumi.Output[list[str]]
    description: pulumi.Output[str | None]
    icon_url: pulumi.Output[str | None]
    definition: pulumi.Output[dict[str, Any]]
    install: pulumi.Output[bool]
    adopt_existing: pulumi.Output[bool]
    take_over_from: pulumi.Output[str | None]
    wait_for_install: pulumi.Output[bool]
    owner_marker: pulumi.Output[str | None]
    """``<project>/<stack>/<resource name>`` unless given: written into every version this resource registers
    (``definition.meta.pulumiOwner``), so that it knows its own after an interrupted ``up``; another stack names it
    in ``take_over_from`` to take the app over."""

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        version: pulumi.Input[str],
        title: pulumi.Input[str],
        redirect_uris: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        description: pulumi.Input[str] | None = None,
        icon_url: pulumi.Input[str] | None = None,
        definition: pulumi.Input[Mapping[str, Any]] | None = None,
        install: pulumi.Input[bool] = True,
        adopt_existing: pulumi.Input[bool] = False,
        take_over_from: pulumi.Input[str] | None = None,
        owner_marker: str | None = None,
        wait_for_install: pulumi.Input[bool] = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a Kustomer private app.

        :param resource_name: The Pulumi name of this resource.
        :param app: The app's name, without the org suffix: lowercase letters, digits and underscores,
            starting with a letter (Kustomer allows no dashes or spaces). Changing it replaces the
            resource (a new app; the old one stays in Kustomer).
        :param version: Semantic version ``MAJOR.MINOR.PATCH[-prerelease]``. Bump it with every change
            of the definition; a change of ``definition["roles"]`` needs a major bump.
        :param title: The title shown on Kustomer's consent screen. Must not be empty.
        :param redirect_uris: OAuth redirect URIs: absolute https URLs (http only for loopback hosts),
            no fragments, no duplicates. Default: none.
        :param description: The app's description. Default: none.
        :param icon_url: An https URL of the app's icon. Default: none.
        :param definition: Other top-level keys of the app definition (``roles``, ``settings``, ``tags``,
            ...), checked against the keys Kustomer knows. Default: none.
        :param install: Install the version into the org and wait for it (needed for the OAuth flow).
            Default: ``True``.
        :param adopt_existing: If this version is already registered with the same definition but no owner
            marker (made by hand, or by a version of this provider older than the marker), manage it instead of
            failing. A version this resource registered itself (a create interrupted before the state was saved,
            a ``pulumi destroy``) is taken back without it, and one another resource registered is never adopted
            this way. Default: ``False``.
        :param take_over_from: The owner marker (``<project>/<stack>/<resource name>``) of another stack's
            resource whose app this one takes over: its versions and its secret (the next mint revokes the
            one that stack holds, so remove the app from that stack first). Without it, an app whose newest
            version carries another resource's marker is refused. Default: none.
        :param owner_marker: The owner marker written into every version this resource registers
            (``definition.meta.pulumiOwner``): how it tells its own registered versions from another's after an
            interrupted ``pulumi up``. Not secret. Set it only to keep one identity across a renamed project,
            stack or resource. Default: ``<project>/<stack>/<resource_name>``.
        :param wait_for_install: Return only once the install is final (``install_status`` then says
            ``installed``). ``False`` starts the install and returns at once (``install_status``:
            ``installing``), for a :class:`~kustomer_provider.KustomerAppInstalls` over many apps to wait
            for them all together: the provider host runs 4 operations at once, so installs waited for
            one by one overlap at most 4 at a time. Without such a resource, nothing waits and the OAuth
            flow fails until the install is done. Default: ``True``.
        :param opts: Resource options.
        """
        if owner_marker is None:  # deterministic: the same resource writes the same marker in every run
            owner_marker = ownership.owner_marker(pulumi.get_project(), pulumi.get_stack(), resource_name)
        props = resource_properties(PrivateAppProvider, KustomerPrivateApp, locals())
        super().__init__(PrivateAppProvider(), resource_name, props, opts)
