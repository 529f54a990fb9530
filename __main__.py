"""The Pulumi program: the stack's Kustomer OAuth apps, each with its client secret.

Reads ``kustomer:apps`` (one or more apps) from the stack config, declares a ``KustomerPrivateApp`` and a
``KustomerAppSecret`` for each, and one ``KustomerAppInstalls`` that waits for all the installs together
(the apps only start theirs), and exports ``apps``: per app the values a consumer (StackOne, another
stack, a CI secret store) needs, ``clientSecret`` encrypted, resolved once the installs are final. No HTTP
and no provider logic here.
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

declared: list[tuple[KustomerPrivateApp, KustomerAppSecret]] = []
for spec in apps:
    app = KustomerPrivateApp(
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
    secret = KustomerAppSecret(
        f"{spec.app}-secret",
        app_name=app.app_name,
        app_version=app.version if spec.secret_follows_version else None,
        rotation_triggers=spec.rotation_triggers,
        rotate_after_days=spec.rotate_after_days,
    )
    declared.append((app, secret))

installs = KustomerAppInstalls("app-installs", apps=[app for app, _ in declared])


def once_installed(value: pulumi.Output[str]) -> pulumi.Output[str]:
    """``value``, resolved only after every install is final (secret if ``value`` is)."""
    return pulumi.Output.all(installs.id, value).apply(lambda resolved: str(resolved[1]))


exported: dict[str, pulumi.Input[dict[str, object]]] = {}
for spec, (app, secret) in zip(apps, declared, strict=True):
    exported[spec.app] = {
        "appName": app.app_name,
        "orgName": org_name or "",
        "clientId": once_installed(secret.client_id),
        "clientSecret": once_installed(secret.client_secret),
        "redirectUris": spec.redirect_uris,
        "scopes": spec.scopes,
        "authorizeUrl": endpoints.authorize_url,
        "tokenUrl": endpoints.token_url,
    }

pulumi.export("apps", exported)
