"""``KustomerAppSecret``: one client secret minted for a Kustomer app.

A secret is its own immutable resource, as the AzureAD provider's application password and the random
provider's ``keepers``: every input change replaces it, and replacing it mints a new secret for the same
client id. Kustomer shows a secret once and has no API to read, list or revoke secrets, so:

- create mints, in the tutorial's order: only once the app is installed (it waits while the app's install
  runs, and fails naming the app when it is not installed); then it checks the new secret at the token endpoint
  and reports success only if it works: a secret refused at once was revoked by another mint for the same app
  (another stack or a person managing it), and the create fails saying so instead of storing a dead secret;
- read never mints (a mint may revoke the live secret): it checks the app still exists and whether the
  stored secret still works, by a probe at the token endpoint (``KustomerClient.probe_client_secret``);
- diff probes the stored secret too when nothing else replaces it, so a secret revoked behind the state's
  back (a rotation interrupted between Kustomer's mint and the state save) is minted again by the next ``up``;
- delete calls nothing.

A probe is one token request per secret per ``up``, ``preview`` or ``refresh``; it never mints and never
issues a token. When it cannot tell (the endpoint unreachable, an answer we do not expect), it says so in
a log line and changes nothing.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult

from . import assumptions, provider_process
from .answers import InstalledApp
from .app_inputs import AppSecretInputs
from .errors import KustomerError, KustomerInstallError, KustomerOwnershipError
from .resource_provider import KustomerResourceProvider, resource_properties
from .versions import SemVer, at_least

if TYPE_CHECKING:
    from .client import KustomerClient

__all__ = ["AppSecretProvider", "KustomerAppSecret"]

SECRET_OUTPUTS: Final = ("client_secret",)
#: ``secret_status``: the token endpoint accepted the secret when last checked (or it was just minted) ...
SECRET_LIVE: Final = "live"  # noqa: S105 (a status, not a secret)
#: ... or refused it: the next ``up`` replaces the resource, which mints a new secret.
SECRET_REVOKED: Final = "revoked"  # noqa: S105 (a status, not a secret)


def now_utc() -> datetime:
    """The current time, UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def timestamp(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z``: ``2026-11-23T21:53:36Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    """Read a :func:`timestamp` back."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def rotation_due(props: Mapping[str, Any]) -> bool:
    """Whether the stored secret's ``rotate_at`` has passed."""
    rotate_at = props.get("rotate_at")
    return bool(rotate_at) and parse_timestamp(str(rotate_at)) <= now_utc()


def _at_least(version: str, wanted: str | None) -> bool:
    return wanted is None or at_least(version, wanted)  # SOME_VERSION is no version: below any wanted one


def _not_installed(app_name: str, entry: InstalledApp | None) -> KustomerInstallError:
    how = (
        "Install it: install=True on its KustomerPrivateApp (the default), or, with wait_for_install=False, a "
        "KustomerAppInstalls that waits for it (and make this secret depend on it), then run `pulumi up` again."
    )
    if entry is not None and entry.status == assumptions.INSTALL_FAILED:
        reason = entry.error or "Kustomer gave no reason"
        return KustomerInstallError(
            f"The install of {app_name} failed ({reason}) and no version of it is installed, so no client secret "
            f"can be minted for it (the tutorial's order: register, install, then generate the secret). {how}",
            app_name=app_name,
            version=entry.version or "",
            status=assumptions.INSTALL_FAILED,
        )
    return KustomerInstallError(
        f"{app_name} is not installed in the org, so no client secret can be minted for it (the tutorial's "
        f"order: register, install, then generate the secret). {how}",
        app_name=app_name,
        version="",
        status="not_installed",
    )


def wait_until_installed(client: KustomerClient, app_name: str, version: str | None) -> None:
    """Return once ``app_name`` has an installed version (``version`` or newer, when given and being installed).

    In the program the installs are final before any secret is created (each secret depends on
    ``app-installs``), so this costs one listing of the org's installs shared by every secret of the ``up``
    (``provider_process`` remembers what it showed); an app whose install is still running is waited for;
    an app with no installed version fails with a :class:`KustomerInstallError` that says how to install it.
    """
    known = provider_process.installed_version(app_name)
    if known is not None and _at_least(known, version):
        return
    listing = client.list_installed(max_age=provider_process.READ_MAX_AGE_SECONDS)
    for item in listing:
        provider_process.note_installed(item.name, item.version)
    entry = next((item for item in listing if item.name == app_name), None)
    if entry is not None and entry.version and _at_least(entry.version, version):
        return
    if entry is not None and entry.status == assumptions.INSTALLING:
        target = version
        if target is None:
            registered = client.versions_of(app_name, max_age=provider_process.READ_MAX_AGE_SECONDS)
            target = max((v.version for v in registered), key=SemVer.parse, default=None)
        if target is not None:
            pulumi.log.info(f"{app_name} is being installed: its client secret is minted once the install is final")
            timeout = provider_process.connection().install_timeout_seconds
            done = client.wait_for_installs({app_name: target}, timeout=timeout)
            provider_process.note_installed(app_name, done[app_name].version)
            return
    if entry is not None and entry.version:
        return  # the asked version is not being installed, but the app is: Kustomer mints for it
    raise _not_installed(app_name, entry)


def _is_installed(client: KustomerClient, app_name: str) -> bool:
    if provider_process.installed_version(app_name) is not None:
        return True
    entry = client.installed_app(app_name, max_age=provider_process.READ_MAX_AGE_SECONDS)
    provider_process.note_installed(app_name, entry.version if entry else None)
    return entry is not None and bool(entry.version)


def probe_stored_secret(props: Mapping[str, Any]) -> assumptions.SecretVerdict:
    """Whether the stored secret still works, at the token endpoint; ``unknown`` (logged) if that cannot be told.

    A refused secret of an app that is not installed says nothing of the secret (the token endpoint refuses
    every client of an app that is not installed), so that too is ``unknown``.
    """
    app_name = str(props.get("app_name") or "?")
    fingerprint = str(props.get("fingerprint") or "?")
    client_id, secret = props.get("client_id"), props.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id or not secret:
        return "unknown"
    try:
        client = provider_process.client()
        verdict = client.probe_client_secret(client_id, secret, token_url=provider_process.token_url())
        if verdict == "dead" and not _is_installed(client, app_name):
            pulumi.log.warn(
                f"Could not tell whether the client secret {fingerprint} of {app_name} still works: the token "
                "endpoint refuses it, but the app is not installed, which it refuses too. Keeping it as it is."
            )
            return "unknown"
    except KustomerError as exc:
        pulumi.log.warn(
            f"Could not tell whether the client secret {fingerprint} of {app_name} still works ({exc}); "
            "keeping it as it is."
        )
        return "unknown"
    if verdict == "unknown":
        pulumi.log.warn(
            f"Could not tell whether the client secret {fingerprint} of {app_name} still works (the token endpoint "
            "could not be reached, or its answer was not one we expect); keeping it as it is."
        )
    return verdict


def _dead_secret_warning(props: Mapping[str, Any], when: str) -> str:
    return (
        f"The client secret {props.get('fingerprint', '?')} of {props.get('app_name', '?')} no longer works: the "
        "token endpoint refuses it (it was revoked, probably by a mint whose answer never reached the state, such "
        f"as an interrupted rotation). {when}"
    )


def _check_minted(client: KustomerClient, app_name: str, client_id: str, secret: str) -> None:
    """Report success only for a secret that works: refused at once, another mint for the app revoked it.

    Kustomer keeps one working secret per app (a new mint revokes the last), so two stacks (or a stack and a
    person) minting for one app cannot both hold a working secret; the one whose secret is already revoked fails
    here, naming the app, instead of reporting success. A check that cannot tell warns and keeps the secret.
    """
    fingerprint = assumptions.secret_fingerprint(secret)
    token_url = provider_process.token_url()
    verdict: assumptions.SecretVerdict = "unknown"
    for attempt in range(assumptions.MINTED_SECRET_CHECKS):
        if attempt:
            time.sleep(assumptions.MINTED_SECRET_CHECK_PAUSE_S)  # in case Kustomer is slow to accept a new secret
        verdict = client.probe_client_secret(client_id, secret, token_url=token_url)
        if verdict != "dead":
            break
    if verdict == "live":
        return
    if verdict == "unknown":
        pulumi.log.warn(
            f"Could not check the client secret {fingerprint} just minted for {app_name} at the token endpoint; "
            "keeping it. The next `pulumi up` or `pulumi refresh` checks it again."
        )
        return
    raise KustomerOwnershipError(
        f"The client secret {fingerprint} just minted for {app_name} was refused at once by the token endpoint: "
        "another mint for the same app revoked it (Kustomer keeps one working secret per app, and each new one "
        "revokes the last). Another stack, another resource of this stack or a person mints secrets for this app. "
        "Let exactly one stack manage it: remove the app (and its KustomerAppSecret) from the others, then run "
        "`pulumi up` here again, which mints a new secret. Nothing was stored.",
        app=app_name,
    )


class AppSecretProvider(KustomerResourceProvider[AppSecretInputs]):
    """The dynamic provider of :class:`KustomerAppSecret`. Holds no state: see ``resource_provider``."""

    secret_outputs = SECRET_OUTPUTS  # none of them an input

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A value not known yet (a preview, while the app itself changes) may well turn out unchanged: show
        # an update and let the real run, where every input is known, decide whether to mint.
        inputs = self.input_changes(olds, news)
        unknown, replaces = inputs.unknown, list(inputs.changed)
        if rotation_due(olds):
            replaces.append("rotate_at")
        if replaces and olds.get("client_secret"):
            # The secret being replaced was minted, so its app was installed then, and Kustomer never
            # uninstalls: the new one's create need not list the org's installs to know it.
            provider_process.note_installed(str(olds.get("app_name") or ""), provider_process.SOME_VERSION)
        if not replaces and not unknown:
            # Nothing else mints: check the stored secret still works (see the module docstring).
            if olds.get("secret_status") == SECRET_REVOKED:
                pulumi.log.warn(_dead_secret_warning(olds, "A refresh found it so: this update mints a new one."))
                replaces.append("secret_status")
            else:
                verdict = probe_stored_secret(olds)
                if verdict == "dead":
                    pulumi.log.warn(_dead_secret_warning(olds, "This update mints a new one."))
                    replaces.append("client_secret")
                elif verdict == "live":
                    # The token endpoint authenticates only clients of installed apps: a forced replacement
                    # (--replace, taint) need not list the org's installs either.
                    provider_process.note_installed(str(olds.get("app_name") or ""), provider_process.SOME_VERSION)
        return DiffResult(changes=bool(replaces or unknown), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.read_inputs(props)
        client = provider_process.client()
        wait_until_installed(client, inputs.app_name, inputs.app_version)
        with provider_process.app_lock(inputs.app_name):
            minted = client.mint_secret(inputs.app_name, inputs.app_version)
        created = now_utc()
        secret = minted.client_secret.get_secret_value()
        _check_minted(client, inputs.app_name, minted.client_id, secret)
        outs: dict[str, Any] = self.given_inputs(props)
        outs.update(
            client_id=minted.client_id,
            client_secret=secret,
            created_at=timestamp(created),
            fingerprint=assumptions.secret_fingerprint(secret),
            secret_status=SECRET_LIVE,
        )
        if inputs.rotate_after_days is not None:
            outs["rotate_after_days"] = inputs.rotate_after_days
            outs["rotate_at"] = timestamp(created + timedelta(days=inputs.rotate_after_days))
        # The id names this minting and never contains (or derives from) the secret.
        minting_id = f"{inputs.app_name}/secret-{created:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
        return CreateResult(minting_id, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Never mint here: a mint may revoke the secret consumers hold. Check the app still exists and whether
        # the stored secret still works; a dead one is marked, so that the next up's diff replaces it.
        if not props.get("created_at"):
            # No stored outputs: an import. Kustomer shows a secret once and has no API to read it back.
            raise KustomerError(
                f"A KustomerAppSecret cannot be imported ({id_ or 'no id'}): Kustomer shows a client secret once, when "
                "it is minted, and has no API to read it back. Take the app over without its secret (adopt_existing "
                "on the KustomerPrivateApp and no KustomerAppSecret; mintSecret: false in kustomer:apps), or declare "
                "a KustomerAppSecret without import_ and let `pulumi up` mint a new secret, which revokes the one in "
                "use (docs/inventory.md#adoption)."
            )
        client = provider_process.client()
        app_name = str(props.get("app_name", ""))
        if not client.versions_of(app_name, max_age=provider_process.READ_MAX_AGE_SECONDS):
            return ReadResult("", {})
        outs = dict(props)
        verdict = probe_stored_secret(props)
        if verdict == "dead":
            pulumi.log.warn(_dead_secret_warning(props, "The next `pulumi up` mints a new one."))
            outs["secret_status"] = SECRET_REVOKED
        elif verdict == "live":
            outs["secret_status"] = SECRET_LIVE
        return ReadResult(id_, outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        # Kustomer has no API to revoke a secret: nothing to call.
        pulumi.log.info(
            f"Secret {props.get('fingerprint', '?')} of {props.get('app_name', '?')} is no longer managed. "
            "Kustomer has no API to revoke a secret; it stops working when a new secret is minted for the app."
        )


class KustomerAppSecret(pulumi.dynamic.Resource, module="kustomer", name="AppSecret"):
    """A client secret minted for a Kustomer app; replacing this resource mints a new one.

    ``client_secret`` is always stored encrypted: the class marks it as a secret output itself, merged
    with any options the caller passes. Any change of an input replaces the resource (create the new
    secret, then forget the old), and so does the first ``pulumi up`` after ``rotate_at``, and the first
    ``pulumi up`` that finds the stored secret dead (revoked behind the state's back, e.g. by a rotation
    interrupted between Kustomer's mint and the state save): each ``up`` and ``refresh`` checks it with
    one request to the token endpoint.

    The secret is minted only once its app is installed (Kustomer's order: register, install, then the
    secret): its create waits while the app's install runs, and fails naming the app when it is not
    installed. The new secret is checked at the token endpoint before the create reports success: one
    refused at once was revoked by another mint for the app (another stack managing it), and the create
    fails with a :class:`~kustomer_provider.KustomerOwnershipError` saying so. With apps declared
    ``wait_for_install=False``, make the secret depend on the ``KustomerAppInstalls`` that waits for them.

    Example Usage::

        app = KustomerPrivateApp("app", app="my_app", version="1.0.0", title="My app")  # waits for its install
        secret = KustomerAppSecret(
            "app-secret",
            app_name=app.app_name,
            rotation_triggers={"quarter": "2026-Q4"},
            rotate_after_days=90,
        )
        pulumi.export("client_secret", secret.client_secret)  # stays a secret
    """

    client_id: pulumi.Output[str]
    """The app's OAuth client id."""
    client_secret: pulumi.Output[str]
    """The minted client secret. Always a Pulumi secret."""
    created_at: pulumi.Output[str]
    """When it was minted, ISO 8601 UTC."""
    rotate_at: pulumi.Output[str | None]
    """When the next ``pulumi up`` replaces it (``created_at`` + ``rotate_after_days``), if set."""
    fingerprint: pulumi.Output[str]
    """The first 16 hex digits of the secret's SHA-256: tells which secret a consumer holds."""
    secret_status: pulumi.Output[str]
    """``live`` (just minted, or the token endpoint accepted it at the last check) or ``revoked`` (a refresh
    found it refused: the next ``pulumi up`` mints a new one)."""
    app_name: pulumi.Output[str]
    app_version: pulumi.Output[str | None]
    rotation_triggers: pulumi.Output[dict[str, Any]]
    rotate_after_days: pulumi.Output[int | None]

    def __init__(
        self,
        resource_name: str,
        *,
        app_name: pulumi.Input[str],
        app_version: pulumi.Input[str] | None = None,
        rotation_triggers: pulumi.Input[Mapping[str, pulumi.Input[str | int | float | bool]]] | None = None,
        rotate_after_days: pulumi.Input[int] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a client secret for an app.

        :param resource_name: The Pulumi name of this resource.
        :param app_name: The namespaced app name, usually ``KustomerPrivateApp.app_name``.
        :param app_version: Mint through this version's endpoint; when it changes (the app moved to a new
            version) the secret is replaced, so pass the app's ``version`` to re-mint on every new
            version. Default: none (the secret outlives version bumps).
        :param rotation_triggers: Any map of values; changing any of them mints a new secret (as the
            random provider's ``keepers``). Default: none.
        :param rotate_after_days: Days after which the next ``pulumi up`` mints a new secret (1-3650).
            Default: none (no scheduled rotation).
        :param opts: Resource options; ``client_secret`` is added to ``additional_secret_outputs``.
        """
        props = resource_properties(AppSecretProvider, KustomerAppSecret, locals())
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=list(SECRET_OUTPUTS))
        super().__init__(AppSecretProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_opts, opts))
