"""The OAuth helper: Kustomer's authorization code flow (PKCE, state, loopback redirect) as one command.

    python -m kustomer_provider.oauth login --from-stack stackone_link
    python -m kustomer_provider.oauth refresh --from-stack stackone_link
    python -m kustomer_provider.oauth verify --from-stack stackone_link
    python -m kustomer_provider.oauth stackone --from-stack stackone_link

Modules: ``cli`` (the command line), ``inputs`` (flags, stack outputs, environment), ``loopback`` (the
redirect listener on 127.0.0.1), ``client`` (authorize URL, token endpoint, verify's checks; httpx),
``answers`` (any answer read without trust), ``tokens`` (the 0600 token file), ``pkce``, ``errors``, and
``assumptions`` (our undocumented choices).
The provider code never imports this package, and it never imports the simulator.
"""

from .cli import main
from .client import Check, OAuthClient, build_authorize_url
from .errors import OAuthCallbackError, OAuthEndpointError, OAuthHelperError, OAuthInputError
from .inputs import Inputs, StackApp, resolve_inputs
from .loopback import LoopbackServer
from .pkce import PKCE, code_challenge, new_pkce, new_state
from .tokens import TokenSet, read_token_file, write_token_file

__all__ = [
    "PKCE",
    "Check",
    "Inputs",
    "LoopbackServer",
    "OAuthCallbackError",
    "OAuthClient",
    "OAuthEndpointError",
    "OAuthHelperError",
    "OAuthInputError",
    "StackApp",
    "TokenSet",
    "build_authorize_url",
    "code_challenge",
    "main",
    "new_pkce",
    "new_state",
    "read_token_file",
    "resolve_inputs",
    "write_token_file",
]
