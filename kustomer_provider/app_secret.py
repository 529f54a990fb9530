"""``KustomerAppSecret``: one client secret minted for a Kustomer app.

A secret is its own immutable resource, as the AzureAD provider's application password and the random
provider's ``keepers``: every input change replaces it, and replacing it mints a new secret for the same
client id. Kustomer shows a secret once and has no API to read, list or revoke secrets, so:
create mints; read never mints (a mint may revoke the live secret) and only checks the app still
exists; delete calls nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider

from . import assumptions, provider_runtime
from .models import AppSecretInputs, validate_inputs
from .provider_support import check_result, input_view, normalized_view, now_utc, parse_timestamp, timestamp
from .unknowns import is_unknown

__all__ = ["AppSecretProvider", "KustomerAppSecret"]

INPUT_DEFAULTS: Final[Mapping[str, Any]] = {
    "app_name": None,
    "app_version": None,
    "rotation_triggers": {},
    "rotate_after_days": None,
}
SECRET_OUTPUTS: Final = ("client_secret",)


def _inputs(props: Mapping[str, Any]) -> AppSecretInputs:
    values = {k: v for k, v in input_view(props, INPUT_DEFAULTS).items() if v is not None}
    return AppSecretInputs.model_validate(values)


def rotation_due(props: Mapping[str, Any]) -> bool:
    """Whether the stored secret's ``rotate_at`` has passed."""
    rotate_at = props.get("rotate_at")
    return bool(rotate_at) and parse_timestamp(str(rotate_at)) <= now_utc()


class AppSecretProvider(ResourceProvider):
    """The dynamic provider of :class:`KustomerAppSecret`. Holds no state: see ``provider_runtime``."""

    def configure(self, req: Any) -> None:
        provider_runtime.configure(req.config)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        _model, failures = validate_inputs(AppSecretInputs, news)
        return check_result(AppSecretInputs, news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Compare the values as the model converts them ("90", 90.0 and 90 are the same 90 days).
        old = normalized_view(AppSecretInputs, olds, INPUT_DEFAULTS)
        new = normalized_view(AppSecretInputs, news, INPUT_DEFAULTS)
        # A value not known yet (a preview, while the app itself changes) may well turn out unchanged: show
        # an update and let the real run, where every input is known, decide whether to mint.
        unknown = [name for name in INPUT_DEFAULTS if is_unknown(new[name])]
        replaces = [name for name in INPUT_DEFAULTS if name not in unknown and old[name] != new[name]]
        if rotation_due(olds):
            replaces.append("rotate_at")
        return DiffResult(changes=bool(replaces or unknown), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = _inputs(props)
        client = provider_runtime.client()
        with provider_runtime.app_lock(inputs.app_name):
            minted = client.mint_secret(inputs.app_name, inputs.app_version)
        created = now_utc()
        secret = minted.client_secret.get_secret_value()
        outs: dict[str, Any] = {k: v for k, v in input_view(props, INPUT_DEFAULTS).items() if v is not None}
        outs.update(
            client_id=minted.client_id,
            client_secret=secret,
            created_at=timestamp(created),
            fingerprint=assumptions.secret_fingerprint(secret),
        )
        if inputs.rotate_after_days is not None:
            outs["rotate_after_days"] = inputs.rotate_after_days
            outs["rotate_at"] = timestamp(created + timedelta(days=inputs.rotate_after_days))
        # The id names this minting and never contains (or derives from) the secret.
        minting_id = f"{inputs.app_name}/secret-{created:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
        return CreateResult(minting_id, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Never mint here: a mint may revoke the secret consumers hold. Only check the app still exists.
        client = provider_runtime.client()
        app_name = str(props.get("app_name", ""))
        if not client.versions_of(app_name, max_age=provider_runtime.READ_MAX_AGE_SECONDS):
            return ReadResult("", {})
        return ReadResult(id_, dict(props))

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
    secret, then forget the old), and so does the first ``pulumi up`` after ``rotate_at``.

    Example Usage::

        app = KustomerPrivateApp("app", app="my_app", version="1.0.0", title="My app")
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
        if app_name is None:
            raise TypeError("Missing required property 'app_name'")
        props: dict[str, Any] = {
            "app_name": app_name,
            "app_version": app_version,
            "rotation_triggers": rotation_triggers if rotation_triggers is not None else {},
            "rotate_after_days": rotate_after_days,
            "client_id": None,
            "client_secret": None,
            "created_at": None,
            "rotate_at": None,
            "fingerprint": None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=list(SECRET_OUTPUTS))
        super().__init__(AppSecretProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_opts, opts))
