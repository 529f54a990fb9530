"""The Pulumi program: the stack's Kustomer OAuth apps, each with its client secret.

Reads ``kustomer:apps`` (one or more apps) from the stack config and declares, in the tutorial's order
(register, install, wait until installed, then generate the secret): a ``KustomerPrivateApp`` for each
(it registers and starts its install), one ``KustomerAppInstalls`` that waits for all the installs
together, and a ``KustomerAppSecret`` for each app that depends on it, so every secret is minted once the
installs are final. Exports ``apps``: per app the values a consumer (StackOne, another stack, a CI secret
store) needs, ``clientSecret`` encrypted. No HTTP and no provider logic here.
"""

import pulumi

from kustomer_provider import KustomerAppInstalls, KustomerAppSecret, KustomerConfigError, KustomerPrivateApp
from kustomer_provider.connection import oauth_endpoints, resolve_endpoint
from kustomer_provider.stack_config import load_apps

config = pulumi.Config("kustomer")

if config.get("apiKey") and not pulumi.runtime.is_config_secret("kustomer:apiKey"):
    raise KustomerConfigError(
        "kustomer:apiKey is stored in plaintext in the stack file. Store it encrypted: "
        "`pulumi config set --secret kustomer:apiKey <key>`."
    )

org_name, base_url = resolve_endpoint(lambda key: config.get(key.removeprefix("kustomer:")))
endpoints = oauth_endpoints(org_name, base_url)
apps = load_apps(config.get_object)

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
        wait_for_install=False,  # app-installs waits for every install at once
    )
    for spec in apps
]

installs = KustomerAppInstalls("app-installs", apps=declared)

exported: dict[str, pulumi.Input[dict[str, object]]] = {}
for spec, app in zip(apps, declared, strict=True):
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
