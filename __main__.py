"""The Pulumi program: the stack's Kustomer OAuth apps, each with its client secret.

Reads ``kustomer:apps`` (one or more apps) from the stack config and declares, in the tutorial's order
(register, install, wait until installed, then generate the secret): a ``KustomerPrivateApp`` for each
(it registers and starts its install), one ``KustomerAppInstalls`` that waits for all the installs
together, and a ``KustomerAppSecret`` for each app that depends on it, so every secret is minted once the
installs are final. Exports ``apps``: per app the values a consumer (StackOne, another stack, a CI secret
store) needs, ``clientSecret`` encrypted.

Reads ``kustomer:registeredClients`` too (optional): OAuth clients registered by hand on Teamwork.com, Komerza
or apaleo, each secret from the secret config key its item names. Declares a ``RegisteredOAuthClient`` for each
and exports ``registeredClients``, keyed by the item's name, in the shape of ``apps``. No HTTP and no provider
logic here.
"""

import pulumi

from kustomer_provider import (
    KustomerAppInstalls,
    KustomerAppSecret,
    KustomerConfigError,
    KustomerPrivateApp,
    RegisteredOAuthClient,
)
from kustomer_provider.connection import oauth_endpoints, resolve_endpoint
from kustomer_provider.program_errors import stack_config_errors
from kustomer_provider.stack_config import load_apps, load_registered_clients

config = pulumi.Config("kustomer")

# The stack config is judged before any resource is declared; a problem is told as its message alone (a
# pulumi.RunError), not as a traceback.
with stack_config_errors():
    if config.get("apiKey") and not pulumi.runtime.is_config_secret("kustomer:apiKey"):
        raise KustomerConfigError(
            "kustomer:apiKey is stored in plaintext in the stack file. Store it encrypted: "
            "`pulumi config set --secret kustomer:apiKey <key>`.",
            key="kustomer:apiKey",
        )
    org_name, base_url = resolve_endpoint(lambda key: config.get(key.removeprefix("kustomer:")))
    endpoints = oauth_endpoints(org_name, base_url)
    apps = load_apps(config.get_object)
    # Each client's secret: the kustomer:* secret config key its item names (a plaintext one is refused).
    registered = load_registered_clients(
        config.get_object,
        lambda key: (config.get(key.removeprefix("kustomer:")), pulumi.runtime.is_config_secret(key)),
    )

declared: list[KustomerPrivateApp] = [
    KustomerPrivateApp(
        spec.app,
        app=spec.app,
        version=spec.version,
        title=spec.title,
        redirect_uris=spec.redirect_uris,
        description=spec.description,
        icon_url=spec.icon_url,
        definition=spec.definition,
        install=spec.install,
        adopt_existing=spec.adopt_existing,
        take_over_from=spec.take_over_from,
        owner_marker=spec.owner_marker,  # none: <project>/<stack>/<app>
        wait_for_install=False,  # app-installs waits for every install at once
    )
    for spec in apps
]

installs = KustomerAppInstalls("app-installs", apps=declared)

exported: dict[str, pulumi.Input[dict[str, object]]] = {}
for spec, app in zip(apps, declared, strict=True):
    if not spec.mint_secret:
        # An adopted app whose secret is used outside the stack: a mint would revoke it (docs/inventory.md).
        exported[spec.app] = {
            "appName": app.app_name,
            "orgName": org_name or "",
            "clientId": app.client_id,
            "redirectUris": spec.redirect_uris,
            "scopes": spec.scopes,
            "authorizeUrl": endpoints.authorize_url,
            "tokenUrl": endpoints.token_url,
        }
        continue
    secret = KustomerAppSecret(
        f"{spec.app}-secret",
        app_name=app.app_name,
        app_version=app.version if spec.secret_follows_version else None,
        rotation_triggers=spec.rotation_triggers,
        rotate_after_days=spec.rotate_after_days,
        opts=pulumi.ResourceOptions(depends_on=[installs]),  # minted only once the installs are final
    )
    exported[spec.app] = {
        "appName": app.app_name,
        "orgName": org_name or "",
        "clientId": secret.client_id,
        "clientSecret": secret.client_secret,
        "redirectUris": spec.redirect_uris,
        "scopes": spec.scopes,
        "authorizeUrl": endpoints.authorize_url,
        "tokenUrl": endpoints.token_url,
    }

pulumi.export("apps", exported)

exported_clients: dict[str, pulumi.Input[dict[str, object]]] = {}
for item in registered:
    given = item.inputs
    client = RegisteredOAuthClient(
        item.name,
        platform=given.platform,
        client_id=given.client_id,
        client_secret=pulumi.Output.secret(given.client_secret),
        redirect_uris=given.redirect_uris,
        scopes=given.scopes,
        site=given.site,
        origin=given.origin,
        client_code=given.client_code,
        client_kind=given.client_kind,
        secret_created_on=given.secret_created_on,
        rotate_after_days=given.rotate_after_days,
        rotation_due_fails=given.rotation_due_fails,
        endpoint_base_url=given.endpoint_base_url,
    )
    exported_clients[item.name] = {
        "platform": client.platform,
        "clientId": client.client_id,
        "clientSecret": client.client_secret,
        "redirectUris": client.redirect_uris,
        "scopes": client.scopes,
        "authorizeUrl": client.authorize_url,
        "tokenUrl": client.token_url,
        "rotateAt": client.rotate_at,
        "fingerprint": client.fingerprint,
        "verification": client.verification,
    }

pulumi.export("registeredClients", exported_clients)
