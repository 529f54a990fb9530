"""``RegisteredOAuthClient``: an OAuth client registered by hand on Teamwork.com, Komerza or apaleo, kept as code.

None of these platforms has an API that creates a client or mints its secret: a person registers the client in
the platform's dashboard and copies its id and secret. This resource keeps what they copied (the secret
encrypted), checks it against the platform's documented rules, verifies it where the platform allows it
without a user, and reminds (or, for CI, fails) when the secret is due for rotation. What differs between the
platforms is data (:mod:`~kustomer_provider.platforms`); this module reads it and never branches on a name.

- check validates every input before anything else (:class:`~.platform_inputs.RegisteredClientInputs`), then
  warns when the secret is due for rotation (fails instead with ``rotation_due_fails``);
- create, update (a changed secret, redirect URIs, ...) and read verify the client with one exchange of a
  made-up code (:meth:`Platform.verification_request`): a client or secret the platform refuses fails with the
  fix; an unreachable platform or an answer we do not expect is "could not verify" (a warning, never a
  silent pass); where the platform cannot tell (Teamwork), the output ``verification`` says so;
- a changed ``platform`` or ``client_id`` replaces the resource (another client); delete calls nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from . import assumptions, host_errors, platforms
from .errors import KustomerError
from .input_validation import InputFailure
from .platform_inputs import RegisteredClientInputs, secret_rotation_due
from .redaction import install_log_redaction, register_secret
from .resource_provider import KustomerResourceProvider, resource_properties
from .safe_text import safe_text

if TYPE_CHECKING:  # httpx loads in the provider process only, when a client is verified (see verify_client)
    import httpx

__all__ = ["RegisteredClientProvider", "RegisteredClientRejectedError", "RegisteredOAuthClient", "verify_client"]

SECRET_OUTPUTS: Final = ("client_secret",)
#: Inputs naming another client: a change replaces the resource.
REPLACING_INPUTS: Final = ("platform", "client_id")
#: One verification exchange, in seconds (connect, whole): short, and never retried in a loop (a wrong secret
#: stays wrong). "Whole" is the outbound transport's per-attempt deadline: a server that trickles its answer
#: is cut there, and its answer is read up to the transport's 4 MiB cap.
VERIFY_TIMEOUT_S: Final = (5.0, 10.0)
#: ``verification`` when the platform accepted the client and refused only the made-up code.
VERIFIED: Final = "verified"
#: ``verification`` of a client of the client credentials grant (apaleo's simple clients): a real token was issued.
VERIFIED_BY_TOKEN: Final = "verified: a client_credentials grant issued a token"  # noqa: S105 (a message)


class RegisteredClientRejectedError(KustomerError):
    """The platform refused the client id or its secret (a verification exchange said so)."""

    def __init__(self, message: str, *, platform: str, field: str) -> None:
        super().__init__(message)
        self.platform = platform
        self.field = field


def _label(inputs: RegisteredClientInputs) -> str:
    return f"{platforms.get_platform(inputs.platform).title} client {inputs.client_id}"


def rotation_message(inputs: RegisteredClientInputs) -> str:
    """What to do when the secret is due: the platform's own dashboard steps."""
    platform = platforms.get_platform(inputs.platform)
    return (
        f"The client secret of the {_label(inputs)} is due for rotation since {inputs.rotate_at()} "
        f"(secret_created_on {inputs.secret_created_on} + rotate_after_days {inputs.rotate_after_days}). "
        f"{platform.title} has no API that rotates it; in its dashboard: {platform.rotation_text(inputs.site)}."
    )


def _fix(inputs: RegisteredClientInputs, field: str) -> str:
    platform = platforms.get_platform(inputs.platform)
    url = platform.dashboard_url(inputs.site)
    if field == "client_id":
        return f"check the client id: copy it again from {platform.title}'s dashboard ({url})"
    what = "client id and secret" if "client_id" in field else "client secret"
    return (
        f"copy the {what} again from {platform.title}'s dashboard ({url}), give the secret to this client's "
        "`client_secret` (in a stack: its secret config key, `pulumi config set --secret ...`) and run `pulumi up` "
        "again"
    )


class _Unreachable(Exception):
    """The token endpoint gave no usable answer; ``verification`` is the output that says so (already logged)."""

    def __init__(self, verification: str) -> None:
        super().__init__(verification)
        self.verification = verification


def _send(
    inputs: RegisteredClientInputs,
    label: str,
    request: platforms.ExchangeRequest,
    *,
    transport: httpx.BaseTransport | None,
    attempt_deadline: float,
) -> tuple[int, bytes]:
    """``(status, body)`` of one request of a verification, sent through the package's outbound transport.

    Its URL is held to the outbound rules first (:class:`~kustomer_provider.outbound.OutboundURLError` naming
    ``endpoint_base_url`` or the platform's endpoint, nothing sent); the request ends within ``attempt_deadline``
    and reads at most 4 MiB. No usable answer raises :class:`_Unreachable` with the "could not verify" output,
    logged as a warning.
    """
    # Here, not at the top: a Pulumi program imports this module but never verifies (and never loads httpx).
    import httpx

    from .outbound import check_url, failure_text, outbound_client

    platform = platforms.get_platform(inputs.platform)
    where = "endpoint_base_url" if inputs.endpoint_base_url else f"{platform.title}'s documented token endpoint"
    check_url(
        request.url,
        source=f"The verification of the {label} at {where}",
        fix="Set endpoint_base_url to an https URL (plain http only for a simulator on a loopback host), or leave "
        "it unset for the platform's own hosts.",
    )
    connect, whole = VERIFY_TIMEOUT_S
    try:
        with outbound_client(
            timeout=httpx.Timeout(whole, connect=connect), attempt_deadline=attempt_deadline, transport=transport
        ) as client:
            response = client.request(
                request.method, request.url, headers=dict(request.headers), json=request.json, data=request.data
            )
            return response.status_code, response.content
    except httpx.HTTPError as exc:
        unreachable = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
        what = f"could not be reached ({type(exc).__name__}: {safe_text(exc)})" if unreachable else failure_text(exc)
        reason = f"{platform.title}'s token endpoint {what}"
        pulumi.log.warn(f"Could not verify the {label}: {reason}. It is kept as given; `pulumi refresh` tries again.")
        raise _Unreachable(f"could not verify: {reason}") from None


def _undecided(platform: platforms.Platform, label: str, status: int, error: str | None, *, grant: str = "") -> str:
    """The ``verification`` of an answer that tells neither way (logged as a warning): "could not verify: ..."."""
    what = f"the error '{safe_text(error, limit=64)}'" if error else f"HTTP {status}"
    to = f" to a {grant} grant" if grant else ""
    reason = f"{platform.title}'s token endpoint answered {what}{to}, which does not tell"
    pulumi.log.warn(f"Could not verify the {label}: {reason}. It is kept as given; `pulumi refresh` tries again.")
    return f"could not verify: {reason}"


def verify_client(
    inputs: RegisteredClientInputs,
    *,
    transport: httpx.BaseTransport | None = None,
    attempt_deadline: float = VERIFY_TIMEOUT_S[1],
) -> str:
    """Verify the client with one exchange of a made-up code; the ``verification`` output.

    The exchange goes through the package's outbound transport: it ends within ``attempt_deadline`` seconds
    (a trickling server included) and reads at most 4 MiB of the answer; either failure is "could not verify".

    Raises :class:`RegisteredClientRejectedError` when the platform refuses the client or its secret. Returns
    :data:`VERIFIED`, ``"not possible: ..."`` where the platform cannot tell, or ``"could not verify: ..."``
    (logged as a warning) when the platform could not be reached or answered something we do not expect.
    """
    if inputs.uses_client_credentials():
        return verify_by_token(inputs, transport=transport, attempt_deadline=attempt_deadline)
    platform = platforms.get_platform(inputs.platform)
    label = _label(inputs)
    register_secret(inputs.client_secret)
    request = platform.verification_request(
        client_id=inputs.client_id,
        client_secret=inputs.client_secret,
        redirect_uri=inputs.redirect_uris[0],
        endpoint_base_url=inputs.endpoint_base_url,
    )
    if request is None:
        note = f"not possible: {platform.verification.reason}"
        pulumi.log.info(f"The {label} cannot be verified without a user ({note}); it is kept as given.")
        return note
    try:
        status, body = _send(inputs, label, request, transport=transport, attempt_deadline=attempt_deadline)
    except _Unreachable as failure:
        return failure.verification
    answer = platform.verification.verdict(status, body)
    if answer.verdict == "live":
        pulumi.log.info(f"{platform.title} accepted the {label} and its secret ({answer.error} for a made-up code).")
        return VERIFIED
    if answer.verdict == "rejected":
        field = answer.field or "client_secret"
        raise RegisteredClientRejectedError(
            f"{platform.title} rejects the {field} of the {label} ({answer.error}): {_fix(inputs, field)}.",
            platform=platform.name,
            field=field,
        )
    return _undecided(platform, label, status, answer.error)


def verify_by_token(
    inputs: RegisteredClientInputs,
    *,
    transport: httpx.BaseTransport | None = None,
    attempt_deadline: float = VERIFY_TIMEOUT_S[1],
) -> str:
    """Verify a client of the client credentials grant (apaleo's simple clients) with a real token request.

    A token issued is :data:`VERIFIED_BY_TOKEN` (the token is dropped at once: nothing keeps or logs it); a refusal
    that blames the client raises :class:`RegisteredClientRejectedError`; anything else is ``"could not verify:
    ..."``, as in :func:`verify_client`.
    """
    platform = platforms.get_platform(inputs.platform)
    grant = platform.client_credentials
    assert grant is not None  # uses_client_credentials() said so
    label = _label(inputs)
    register_secret(inputs.client_secret)
    request = platform.client_credentials_request(
        client_id=inputs.client_id, client_secret=inputs.client_secret, endpoint_base_url=inputs.endpoint_base_url
    )
    try:
        status, body = _send(inputs, label, request, transport=transport, attempt_deadline=attempt_deadline)
    except _Unreachable as failure:
        return failure.verification
    answer = grant.verdict(status, body)
    if answer.verdict == "live":
        pulumi.log.info(f"{platform.title} issued a token to the {label} ({grant.grant_type} grant): verified.")
        return VERIFIED_BY_TOKEN
    if answer.verdict == "rejected":
        field = answer.field or "client_secret"
        if field == grant.kind_field:
            fix = (
                f"{platform.title} does not allow the {grant.grant_type} grant for this client: it is a "
                f"{grant.default_kind} client (a store app). Set {grant.kind_field} to {grant.default_kind!r} and list "
                "its redirect URIs, or use the client id of a custom app"
            )
        else:
            fix = _fix(inputs, field)
        raise RegisteredClientRejectedError(
            f"{platform.title} rejects the {field} of the {label} ({answer.error}): {fix}.",
            platform=platform.name,
            field=field,
        )
    return _undecided(platform, label, status, answer.error, grant=grant.grant_type)


def _outputs(inputs: RegisteredClientInputs, verification: str) -> dict[str, Any]:
    platform = platforms.get_platform(inputs.platform)
    due = inputs.rotate_at()
    outs: dict[str, Any] = inputs.model_dump()
    outs.update(
        authorize_url=platform.authorize_endpoint(inputs.endpoint_base_url),
        token_url=platform.token_url(inputs.client_id, inputs.endpoint_base_url),
        dashboard_url=platform.dashboard_url(inputs.site),
        rotate_at=due.isoformat() if due else None,
        fingerprint=assumptions.secret_fingerprint(inputs.client_secret),
        verification=verification,
    )
    return outs


class RegisteredClientProvider(KustomerResourceProvider[RegisteredClientInputs]):
    """The dynamic provider of :class:`RegisteredOAuthClient`. Holds no state (it is pickled into the state)."""

    talks_to_kustomer = False  # it calls the platform's token endpoint only, with no Kustomer connection
    secret_outputs = SECRET_OUTPUTS  # an input too: its check failures never name it as a property (the base class)

    def configure(self, req: Any) -> None:
        host_errors.install()
        install_log_redaction()

    def rule_failures(
        self, olds: Mapping[str, Any], inputs: RegisteredClientInputs, news: Mapping[str, Any]
    ) -> list[InputFailure]:
        """A secret due for rotation: a warning, or a failure with ``rotation_due_fails``."""
        if not secret_rotation_due(inputs):
            return []
        message = rotation_message(inputs)
        if inputs.rotation_due_fails:
            return [InputFailure("secret_created_on", f"{message} (rotation_due_fails=True makes this an error)")]
        pulumi.log.warn(message)
        return []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        inputs = self.input_changes(olds, news)
        replaces = [name for name in (*inputs.changed, *inputs.unknown) if name in REPLACING_INPUTS]
        return DiffResult(changes=bool(inputs), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.read_inputs(props)
        outs = _outputs(inputs, verify_client(inputs))
        return CreateResult(f"{inputs.platform}/{inputs.client_id}", outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.read_inputs(news)
        return UpdateResult(_outputs(inputs, verify_client(inputs)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = self.read_inputs(props)
        return ReadResult(id_, _outputs(inputs, verify_client(inputs)))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        platform = platforms.PLATFORMS.get(str(props.get("platform")))
        title = platform.title if platform else str(props.get("platform"))
        where = platform.dashboard_url(props.get("site")) if platform else "its dashboard"
        pulumi.log.info(
            f"The {title} client {props.get('client_id')} is no longer managed. It stays registered on {title}, "
            f"its secret {props.get('fingerprint', '?')} with it: delete it in the dashboard ({where}) if nothing "
            "uses it any more (no API does it)."
        )


class RegisteredOAuthClient(pulumi.dynamic.Resource, module="kustomer", name="RegisteredOAuthClient"):
    """An OAuth client registered by hand on Teamwork.com, Komerza or apaleo, kept as code and verified.

    ``client_secret`` is always stored encrypted: the class marks it as a secret output itself, merged with any
    options the caller passes. Check applies the platform's documented rules to every input before anything is
    sent. Create, update and ``pulumi refresh`` verify the client without a user where the platform allows it
    (apaleo, Komerza: one token request with a made-up code, which tells a wrong client or secret from a wrong
    code; an apaleo simple client, ``client_kind="simple"``: a real client credentials grant); a refused client
    or secret fails with the fix, and Teamwork, whose errors are undocumented, is
    reported as ``verification: "not possible: ..."``. A changed ``platform`` or ``client_id`` replaces the
    resource; any other change (a new secret) updates it and verifies again. Delete calls nothing: the client
    stays in the platform's dashboard.

    Example Usage::

        config = pulumi.Config("kustomer")
        client = RegisteredOAuthClient(
            "apaleo-pms",
            platform="apaleo",
            client_id="MYAPP-SP",
            client_secret=config.require_secret("apaleoClientSecret"),
            client_code="MYAPP",
            redirect_uris=["https://app.example.com/oauth/callback"],
            scopes=["openid", "offline_access", "account.read"],
            secret_created_on="2026-01-15",
            rotate_after_days=180,
        )
        pulumi.export("apaleo_token_url", client.token_url)
    """

    platform: pulumi.Output[str]
    """``teamwork``, ``komerza`` or ``apaleo``."""
    client_id: pulumi.Output[str]
    """The client id, as the dashboard shows it."""
    client_secret: pulumi.Output[str]
    """The client secret. Always a Pulumi secret."""
    authorize_url: pulumi.Output[str]
    """Where a user's browser starts the login (the simulator's stand-in with ``endpoint_base_url``)."""
    token_url: pulumi.Output[str]
    """Where a code is exchanged; for Komerza the exchange URL up to ``/exchange`` (append ``/{code}``)."""
    dashboard_url: pulumi.Output[str]
    """The dashboard where the client is registered and its secret rotated."""
    redirect_uris: pulumi.Output[list[str]]
    scopes: pulumi.Output[list[str]]
    rotate_at: pulumi.Output[str | None]
    """The day the secret is due for rotation (``secret_created_on`` + ``rotate_after_days``), ``YYYY-MM-DD``."""
    fingerprint: pulumi.Output[str]
    """The first 16 hex digits of the secret's SHA-256: tells which secret a consumer holds."""
    verification: pulumi.Output[str]
    """``verified``, ``verified: a client_credentials grant issued a token`` (apaleo simple clients), ``not
    possible: <why>`` or ``could not verify: <why>``, as of the last up or refresh."""
    site: pulumi.Output[str | None]
    origin: pulumi.Output[str | None]
    client_code: pulumi.Output[str | None]
    client_kind: pulumi.Output[str | None]
    """apaleo only: ``connect`` (a store app) or ``simple`` (a custom app, client credentials)."""
    secret_created_on: pulumi.Output[str | None]
    rotate_after_days: pulumi.Output[int | None]
    rotation_due_fails: pulumi.Output[bool]
    endpoint_base_url: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        platform: pulumi.Input[str],
        client_id: pulumi.Input[str],
        client_secret: pulumi.Input[str],
        redirect_uris: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        scopes: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        site: pulumi.Input[str] | None = None,
        origin: pulumi.Input[str] | None = None,
        client_code: pulumi.Input[str] | None = None,
        client_kind: pulumi.Input[str] | None = None,
        secret_created_on: pulumi.Input[str] | None = None,
        rotate_after_days: pulumi.Input[int] | None = None,
        rotation_due_fails: pulumi.Input[bool] | None = None,
        endpoint_base_url: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a client registered on a platform's dashboard.

        :param resource_name: The Pulumi name of this resource.
        :param platform: ``teamwork``, ``komerza`` or ``apaleo``. Changing it replaces the resource.
        :param client_id: The client id from the dashboard. Changing it replaces the resource.
        :param client_secret: The client secret from the dashboard, e.g. ``config.require_secret(...)``; kept
            encrypted. Changing it updates the resource and verifies the new one.
        :param redirect_uris: The redirect URIs registered with the client, at least one: https (Teamwork: http
            on localhost, custom schemes and Chrome extension URLs too; Komerza: http on a loopback host, at most
            10; apaleo: https only, written exactly as registered). None for an apaleo simple client.
        :param scopes: The scopes the client asks for (apaleo: at least one; ``offline_access`` for a refresh
            token). Default: none.
        :param site: Teamwork only: the site whose Developer Portal holds the app (``acme``). Default: none.
        :param origin: Teamwork only: an allowed origin of the app, sent as ``Origin``. Default: none.
        :param client_code: apaleo only, required: the app's client code in the apaleo Dashboard.
        :param client_kind: apaleo only: ``connect`` (a store app: the authorization code flow, verified with a
            made-up code) or ``simple`` (a custom app: the client credentials grant, no redirect URI, verified with
            a real token). Default: connect.
        :param secret_created_on: The day the secret was created or copied, ``YYYY-MM-DD``. Default: none.
        :param rotate_after_days: Days after ``secret_created_on`` when ``up`` warns that the secret is due for
            rotation (1-3650; needs ``secret_created_on``). Default: none (no reminder).
        :param rotation_due_fails: Fail ``up`` instead of warning when the secret is due (for CI). Default: false.
        :param endpoint_base_url: A stand-in for the platform's hosts, e.g. the local simulator
            ``http://127.0.0.1:8787`` (https, or http on a loopback host). Default: none (the real platform).
        :param opts: Resource options; ``client_secret`` is added to ``additional_secret_outputs``.
        """
        props = resource_properties(RegisteredClientProvider, RegisteredOAuthClient, locals())
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=list(SECRET_OUTPUTS))
        super().__init__(
            RegisteredClientProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_opts, opts)
        )
