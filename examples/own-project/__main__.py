"""A program of your own: two Kustomer OAuth apps, installed together, then a client secret for each.

The order is Kustomer's: register both apps, wait once until both installs are final (``KustomerAppInstalls``),
then mint each secret. Each app's client id and secret come out as stack outputs, the secret encrypted.
"""

import pulumi

from kustomer_provider import KustomerAppInstalls, KustomerAppSecret, KustomerPrivateApp

crm = KustomerPrivateApp(
    "crm-sync",
    app="crm_sync",  # Kustomer appends _<orgId>: crm.app_name is "crm_sync_<orgId>"
    version="1.0.0",  # bump it with every change of the definition
    title="CRM sync",
    redirect_uris=["https://crm.example.com/oauth/callback"],
    wait_for_install=False,  # `installs` below waits for both apps at once
)
helpdesk = KustomerPrivateApp(
    "helpdesk-bot",
    app="helpdesk_bot",
    version="1.0.0",
    title="Helpdesk bot",
    description="Answers simple questions before an agent picks the conversation up.",
    redirect_uris=["https://bot.example.com/oauth/callback"],
    wait_for_install=False,
)

installs = KustomerAppInstalls("installs", apps=[crm, helpdesk])
after_installs = pulumi.ResourceOptions(depends_on=[installs])  # a secret is minted once its app is installed

crm_secret = KustomerAppSecret("crm-sync-secret", app_name=crm.app_name, rotate_after_days=90, opts=after_installs)
helpdesk_secret = KustomerAppSecret(
    "helpdesk-bot-secret",
    app_name=helpdesk.app_name,
    rotation_triggers={"quarter": "2026-Q4"},  # change the value to mint a new secret
    opts=after_installs,
)

pulumi.export("crmSyncAppName", crm.app_name)
pulumi.export("crmSyncClientId", crm_secret.client_id)
pulumi.export("crmSyncClientSecret", crm_secret.client_secret)  # encrypted in the state and in outputs
pulumi.export("helpdeskBotAppName", helpdesk.app_name)
pulumi.export("helpdeskBotClientId", helpdesk_secret.client_id)
pulumi.export("helpdeskBotClientSecret", helpdesk_secret.client_secret)
