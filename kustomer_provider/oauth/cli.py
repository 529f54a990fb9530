"""``python -m kustomer_provider.oauth``: the OAuth handshake and the consumer's form, one command each.

    login     authorization code flow with PKCE (S256) and state, through a loopback redirect on 127.0.0.1, or
              (any other redirect URI, or --paste) the address the browser landed on, pasted on stdin
    refresh   exchange the stored refresh token for a new pair and rewrite the token file
    verify    non-interactive: app installed, client id / redirect URI / secret accepted, access token works
    stackone  the four fields of StackOne's "link a Kustomer account" form

Data goes to stdout (the authorize URL with --no-browser, verify's results, the StackOne fields, tokens
only with --show-tokens); progress and errors go to stderr. Everything printed passes through
:mod:`kustomer_provider.safe_text` (redacted; control, bidi and zero-width characters escaped; a server's text
kept on its line and capped). Exit status: 0 on success; 1 a failure (verify: a check failed); 2 a missing or
wrong input; 3 verify found no failure but could not check everything; 70 a bug of the helper (one line, no
traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import io as _io
import json
import os
import sys
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO
from urllib.parse import urlsplit

import httpx

from ..assumptions import secret_fingerprint
from ..connection import KUSTOMER_DOMAIN
from ..errors import KustomerError
from ..outbound import check_browser_url, check_url, outbound_client
from ..platforms import PLATFORM_NAMES, Platform, get_platform
from ..safe_text import escape_invisible, safe_message, safe_text
from .client import DEFAULT_TIMEOUT, Check, OAuthClient, build_authorize_url
from .errors import OAuthEndpointError, OAuthHelperError, OAuthInputError
from .inputs import DEFAULT_LOOPBACK_REDIRECT_URI, ENVIRONMENT, Inputs, resolve_inputs
from .loopback import LoopbackServer
from .paste import RedirectTarget, choose_redirect, code_from_answer, read_pasted_answer
from .pkce import new_pkce, new_state
from .platform_flow import PlatformFlow, endpoint_base_from_url
from .tokens import TOKEN_FILE_MODE, TokenSet, default_token_file, is_private, read_token_file, write_token_file

__all__ = [
    "DEFAULT_LOGIN_TIMEOUT_S",
    "EXIT_BUG",
    "EXIT_NOT_ALL_CHECKED",
    "KUSTOMER",
    "STACKONE_CALLBACK",
    "build_parser",
    "main",
]

KUSTOMER: Final = "kustomer"

DEFAULT_LOGIN_TIMEOUT_S: Final = 300.0
#: StackOne's Kustomer callback, which the app must register to be linked [3p].
STACKONE_CALLBACK: Final = "https://api.stackone.com/connect/oauth2/kustomer/callback"
_PROG: Final = "python -m kustomer_provider.oauth"
#: verify's exit status when no check failed but some did not run or could not tell.
EXIT_NOT_ALL_CHECKED: Final = 3
#: The exit status of an unexpected exception (a bug): one line on stderr instead of a traceback (BSD's EX_SOFTWARE).
EXIT_BUG: Final = 70
#: The longest line verify prints for one check (its message holds a server's words, each capped on its own).
_CHECK_LINE_LIMIT: Final = 2000

BrowserOpener = Callable[[str], bool]


@dataclass
class _IO:
    """Where the command writes, and what it may call (injectable for tests)."""

    out: TextIO
    err: TextIO
    environ: Mapping[str, str]
    #: Where a pasted answer is read (``login`` without a listener); None when the process has no stdin.
    stdin: TextIO | None
    transport: httpx.BaseTransport | None
    open_browser: BrowserOpener

    def say(self, message: str) -> None:
        """A progress line on stderr, made safe (redacted, escaped, capped; continuation lines indented)."""
        print(safe_message(message), file=self.err, flush=True)

    def show(self, text: str) -> None:
        """A line of data on stdout, escaped (not redacted: the user asked for it)."""
        print(escape_invisible(text), file=self.out, flush=True)

    def client(self) -> OAuthClient:
        """An HTTP client for one command (the injected transport, if any)."""
        return OAuthClient(transport=self.transport)

    def http(self) -> httpx.Client:
        """An HTTP client for another platform's flow, over the package's outbound transport (the injected
        transport, if any, sends)."""
        return outbound_client(timeout=DEFAULT_TIMEOUT, transport=self.transport)


# --- arguments -------------------------------------------------------------------------------------------


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be 0..65535 (0: a free port)")
    return value


def _common_flags() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where (flags win over --from-stack, which wins over the environment)")
    where.add_argument(
        "--platform",
        choices=(KUSTOMER, *PLATFORM_NAMES),
        help="whose OAuth flow: kustomer (default) or a client registered on teamwork, komerza or apaleo "
        "(--from-stack takes it from the stack's entry)",
    )
    where.add_argument(
        "--base-url",
        metavar="URL",
        help="API host, e.g. a local simulator (env KUSTOMER_BASE_URL); for another platform its endpoints' stand-in "
        "(http://127.0.0.1:8787 serves /teamwork/..., /komerza/..., /apaleo/...)",
    )
    where.add_argument("--org", metavar="NAME", help="org name, the <org> of <org>.kustomerapp.com (KUSTOMER_ORG_NAME)")
    where.add_argument(
        "--legacy-hosts",
        action="store_true",
        help="use the seed tutorial's https://api.apps.kustomerapp.com/oauth/{authorize,token}",
    )
    client = common.add_argument_group("the OAuth client")
    client.add_argument("--client-id", metavar="ID", help="the app's client id (KUSTOMER_CLIENT_ID)")
    client.add_argument(
        "--client-secret",
        metavar="SECRET",
        help="the client secret; prefer the environment (KUSTOMER_CLIENT_SECRET): a flag shows in `ps` and history",
    )
    client.add_argument(
        "--redirect-uri", metavar="URI", help="a redirect URI the app registers (KUSTOMER_REDIRECT_URI)"
    )
    client.add_argument(
        "--scopes",
        metavar="SCOPES",
        help="space, comma or + separated; add offline_access for refresh (KUSTOMER_SCOPES); Teamwork and Komerza "
        "take their scopes from the app's registration, not from the login",
    )
    client.add_argument(
        "--origin",
        metavar="ORIGIN",
        help="Teamwork: one of the app's allowed origins, sent as the exchange's Origin header (needed when the app "
        "lists allowed origins)",
    )
    stack = common.add_argument_group("inputs from the stack's `apps` or `registeredClients` output")
    stack.add_argument(
        "--from-stack",
        nargs="?",
        const="",
        metavar="APP",
        help="read them from `pulumi stack output --json --show-secrets` (APP: the key in apps or registeredClients; "
        "may be left out when there is one)",
    )
    stack.add_argument(
        "--outputs-file",
        metavar="FILE",
        help="that JSON from a file instead of the CLI ('-': stdin); implies --from-stack",
    )
    stack.add_argument(
        "--stack", metavar="NAME", help="the stack for `pulumi stack output` (default: the selected one)"
    )
    run = common.add_argument_group("running")
    run.add_argument(
        "--token-file",
        metavar="PATH",
        help="where tokens are kept, mode 0600 (KUSTOMER_OAUTH_TOKEN_FILE; default "
        "$XDG_CONFIG_HOME/kustomer/oauth/<client id>.json, <platform>-<client id>.json for another platform)",
    )
    run.add_argument("--no-browser", action="store_true", help="print the authorize URL (stdout) instead of opening it")
    run.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_LOGIN_TIMEOUT_S,
        metavar="SECONDS",
        help=f"how long login waits for the browser (default {DEFAULT_LOGIN_TIMEOUT_S:g})",
    )
    run.add_argument("--show-tokens", action="store_true", help="also print the tokens (JSON, stdout)")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Kustomer OAuth (and Teamwork.com, Komerza, apaleo with --platform): log in, refresh, verify, "
        "and fill StackOne's form.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common_flags()
    login = commands.add_parser(
        "login",
        parents=[common],
        help="authorize in a browser and store the tokens",
        description="Authorization code flow with PKCE (S256) and state: listen on the loopback redirect URI "
        "(127.0.0.1), open the browser (or print the URL with --no-browser), wait for the code, exchange it, and "
        "store the tokens in a 0600 file. When the redirect URI is not plain http on 127.0.0.1 or localhost (apaleo "
        "takes https only), or with --paste, nothing listens: paste the address the browser landed on (or its "
        "?code=...&state=... part) on stdin. Exit status 0 only when the tokens are stored.",
    )
    login.add_argument(
        "--port", type=_port, metavar="PORT", help="listen on this port instead of the redirect URI's (0: a free one)"
    )
    login.add_argument(
        "--paste",
        action="store_true",
        help="do not listen: after approving, paste the address the browser landed on (stdin); the default when "
        "the redirect URI is not a loopback http URI",
    )
    commands.add_parser(
        "refresh",
        parents=[common],
        help="exchange the refresh token for a new pair (Kustomer, apaleo)",
        description="Exchange the token file's refresh token for a new pair and rewrite the file (mode 0600). "
        "Teamwork's and Komerza's tokens have no refresh token: they last until revoked.",
    )
    commands.add_parser(
        "verify",
        parents=[common],
        help="check the app, client and tokens without a browser",
        description="Without a browser: authorize accepts the client id and each redirect URI (so the app is "
        "installed), the token endpoint accepts the client secret, and, with a token file, the API accepts the "
        "access token. One line per check on stdout (ok, FAIL, or ?? for a check that did not run or could not "
        "tell). Exit status 0 when every check ran and passed, 1 when any failed, 3 when none failed but some did "
        "not run or could not tell.",
    )
    stackone = commands.add_parser(
        "stackone",
        parents=[common],
        help="print StackOne's Client ID, Secret, Org, Scopes",
        description="The four fields of StackOne's 'link a Kustomer account' form; the secret is hidden "
        "(its fingerprint shown) unless --show-secret. Exit status 1 when the app lacks StackOne's callback.",
    )
    stackone.add_argument("--show-secret", action="store_true", help="print the client secret itself")
    return parser


def _inputs(args: argparse.Namespace, io: _IO) -> Inputs:
    return resolve_inputs(
        org=args.org,
        base_url=args.base_url,
        legacy_hosts=args.legacy_hosts,
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uri=args.redirect_uri,
        scopes=args.scopes,
        token_file=args.token_file,
        from_stack=args.from_stack,
        outputs_file=args.outputs_file,
        stack=args.stack,
        environ=io.environ,
    )


def _token_path(inputs: Inputs, client_id: str | None, io: _IO, platform: str = KUSTOMER) -> Path:
    if inputs.token_file is not None:
        return inputs.token_file
    if client_id:
        return default_token_file(client_id, dict(io.environ), platform)
    raise OAuthInputError(f"Which token file? Pass --token-file PATH (or {ENVIRONMENT['token_file']}) or --client-id.")


def _tokens_summary(tokens: TokenSet, path: Path) -> str:
    expires = tokens.expires_at.isoformat(timespec="seconds") if tokens.expires_at else "never (kept until revoked)"
    refresh = "with a refresh token" if tokens.refresh_token else "without a refresh token"
    return (
        f"Saved the tokens to {path} (mode {TOKEN_FILE_MODE:o}), {refresh}; access token expires {expires}; "
        f"scope: {safe_text(tokens.scope) or '-'}"
    )


def _show_tokens(tokens: TokenSet, io: _IO) -> None:
    print(json.dumps(tokens.to_json(), indent=2), file=io.out, flush=True)  # JSON escapes every control character


def _keep_tokens(args: argparse.Namespace, io: _IO, tokens: TokenSet, path: Path, title: str = "") -> int:
    """Write whatever tokens a spent code or refresh token brought, tell what was odd, and fail (exit 1) when
    the access token must not be used: the tokens are kept all the same (a second exchange is impossible)."""
    write_token_file(path, tokens)
    for note in tokens.notes:
        io.say(f"warning: in the token answer, {note}")
    prefix = f"{title}: " if title else ""
    where = f"; API: {tokens.api_base_url}" if title else ""
    io.say(f"{prefix}{_tokens_summary(tokens, path)}{where}")
    if args.show_tokens:
        _show_tokens(tokens, io)
    if tokens.problem is not None:
        raise OAuthEndpointError(
            f"The tokens are kept in {path}, but the access token will not be used: {tokens.problem}. "
            + ("Run refresh for a new one, or login again." if tokens.refresh_token else "Run login again.")
        )
    return 0


# --- login -----------------------------------------------------------------------------------------------


def _redirect_target(args: argparse.Namespace, inputs: Inputs, *, https_only: bool, title: str) -> RedirectTarget:
    """The login's redirect URI, and whether the loopback listener receives it or the user pastes the answer."""
    return choose_redirect(
        inputs.redirect_uris,
        given=inputs.redirect_uri_given,
        paste=args.paste,
        port=args.port,
        https_only=https_only,
        title=title,
    )


def _receive_code(
    args: argparse.Namespace,
    io: _IO,
    target: RedirectTarget,
    state: str,
    title: str,
    url_for: Callable[[str], str],
    *,
    hosts: set[str],
) -> tuple[str, str]:
    """``(redirect URI, code)``: from the loopback listener, or from the address the user pastes.

    Either way the authorize URL is shown or opened only when it passes the browser rule (:func:`_check_browser`).
    """
    if target.listen:
        with LoopbackServer(target.uri, state, platform_title=title) as server:
            url = _check_browser(args, io, url_for(server.redirect_uri), hosts)
            return server.redirect_uri, _await_approval(args, io, url, server)
    url = _check_browser(args, io, url_for(target.uri), hosts)
    return target.uri, _paste_approval(args, io, url, target.uri, state, title)


def _paste_approval(args: argparse.Namespace, io: _IO, url: str, redirect_uri: str, state: str, title: str) -> str:
    """Show the authorize URL, then read the address the browser landed on from stdin and take its code."""
    if args.no_browser or not io.open_browser(url):
        io.say("Open this URL in a browser and approve:")
        print(url, file=io.out, flush=True)
    else:
        io.say(f"Opened the browser; approve there. The URL: {url}")
    io.say(
        f"{title} then sends the browser to {redirect_uri}, which this helper does not listen at. Copy the address "
        f"the browser landed on (or its ?code=...&state=... part), paste it here and press Enter (waiting up to "
        f"{args.timeout:g} s):"
    )
    text = read_pasted_answer(io.stdin, timeout=args.timeout)
    return code_from_answer(text, state=state, redirect_uri=redirect_uri, title=title)


_BASE_URL_FIX: Final = (
    "Pass an https URL (plain http only for a local simulator on 127.0.0.1, ::1 or localhost) without a user name "
    "or password."
)
_STALE_FILE_FIX: Final = "Run login again to write a new token file, or pass --token-file with another one."


def _configured_hosts(args: argparse.Namespace, io: _IO) -> set[str]:
    """The hosts the user configured for this command: --base-url's, else KUSTOMER_BASE_URL's."""
    configured = args.base_url or (io.environ.get("KUSTOMER_BASE_URL") if args.platform in (None, KUSTOMER) else None)
    host = urlsplit(configured).hostname if configured else None
    return {host} if host else set()


def _check_browser(args: argparse.Namespace, io: _IO, url: str, hosts: set[str]) -> str:
    """``url`` when it may be opened or printed for the user to open; else an error naming where it came from.

    Only an https URL (http on a loopback host) on the platform's host (``hosts``), the configured one or a
    loopback host: a stack outputs file must not make the browser open ``javascript:``, ``file:`` or ``data:``
    URLs, or a page elsewhere.
    """
    check_browser_url(
        url,
        hosts=hosts | _configured_hosts(args, io),
        source="The authorize URL to open in the browser",
        fix="It is built from the stack outputs' authorizeUrl, --base-url or --org: correct the one it came from "
        "(or pass --base-url with the endpoint you mean).",
    )
    return url


def _await_approval(args: argparse.Namespace, io: _IO, url: str, server: LoopbackServer) -> str:
    """Open the authorize URL in the browser (or print it), then wait for the redirect that brings the code."""
    if args.no_browser or not io.open_browser(url):
        io.say(f"Open this URL in a browser and approve (waiting up to {args.timeout:g} s for {server.redirect_uri}):")
        io.show(url)
    else:
        io.say(f"Opened the browser; approve there (waiting up to {args.timeout:g} s). The URL: {url}")
    return server.wait(args.timeout)


def cmd_login(args: argparse.Namespace, io: _IO) -> int:
    """Authorize in a browser, exchange the code, store the tokens."""
    inputs = _inputs(args, io)
    platform = _platform(args, inputs)
    if platform is not None:
        return _platform_login(args, io, inputs, platform)
    client_id = inputs.require_client_id()
    client_secret = inputs.require_client_secret()
    endpoints, api_base = inputs.require_endpoints()
    redirect = _redirect_target(args, inputs, https_only=False, title="Kustomer")
    token_path = _token_path(inputs, client_id, io)
    scopes = list(inputs.scopes)
    if "offline_access" not in scopes:
        io.say("warning: the scopes lack offline_access, so Kustomer gives no refresh token (`refresh` will not work)")
    pkce, state = new_pkce(), new_state()

    def url_for(redirect_uri: str) -> str:
        return build_authorize_url(
            endpoints.authorize_url,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            state=state,
            code_challenge=pkce.challenge,
        )

    redirect_uri, code = _receive_code(
        args, io, redirect, state, "Kustomer", url_for, hosts={KUSTOMER_DOMAIN, f".{KUSTOMER_DOMAIN}"}
    )
    with io.client() as client:
        tokens = client.exchange_code(
            endpoints.token_url,
            client_id=client_id,
            client_secret=client_secret,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=pkce.verifier,
            api_base_url=api_base,
        )
    return _keep_tokens(args, io, tokens, token_path)


# --- refresh ---------------------------------------------------------------------------------------------


def _read_tokens(path: Path, io: _IO) -> TokenSet:
    tokens = read_token_file(path)
    if not is_private(path):
        io.say(f"warning: {path} is readable by other users; run: chmod 600 {path}")
    return tokens


def cmd_refresh(args: argparse.Namespace, io: _IO) -> int:
    """Exchange the stored refresh token for a new pair; rewrite the token file."""
    inputs = _inputs(args, io)
    platform = _platform(args, inputs)
    if platform is not None:
        return _platform_refresh(args, io, inputs, platform)
    path = _token_path(inputs, inputs.client_id, io)
    tokens = _read_tokens(path, io)
    client_id = inputs.client_id or tokens.client_id
    if client_id != tokens.client_id:
        raise OAuthInputError(
            f"{path} holds tokens of client {tokens.client_id}, not {client_id}: pass its --token-file"
        )
    client_secret = inputs.require_client_secret()
    if inputs.endpoints:
        token_url = inputs.endpoints.token_url
    else:
        token_url = check_url(tokens.token_url, source=f"`token_url` of the token file {path}", fix=_STALE_FILE_FIX)
    with io.client() as client:
        fresh = client.refresh(tokens, client_id=client_id, client_secret=client_secret, token_url=token_url)
    return _keep_tokens(args, io, fresh, path)


# --- verify ----------------------------------------------------------------------------------------------

_MARK: Final = {True: "ok  ", False: "FAIL", None: "??  "}


def cmd_verify(args: argparse.Namespace, io: _IO) -> int:
    """Check, without a browser, that the app and its client work; exit 1 when any check fails."""
    inputs = _inputs(args, io)
    platform = _platform(args, inputs)
    if platform is not None:
        return _platform_verify(args, io, inputs, platform)
    client_id = inputs.require_client_id()
    endpoints, api_base = inputs.require_endpoints()
    checks: list[Check] = []
    with io.client() as client:
        if not inputs.redirect_uris:
            checks.append(Check("authorize", False, "the app registers no redirect URI: add one to redirectUris"))
        for uri in inputs.redirect_uris:
            checks.append(
                client.check_authorize(
                    endpoints.authorize_url, client_id=client_id, redirect_uri=uri, scopes=list(inputs.scopes)
                )
            )
        if inputs.client_secret:
            checks.append(
                client.check_client_secret(endpoints.token_url, client_id=client_id, client_secret=inputs.client_secret)
            )
        else:
            checks.append(
                Check("client secret", None, "not checked: none given (KUSTOMER_CLIENT_SECRET, --from-stack)")
            )
        path = _token_path(inputs, client_id, io)
        if path.exists():
            try:
                tokens = _read_tokens(path, io)
            except OAuthInputError as exc:  # a token file edited by hand: this check fails, the others stand
                checks.append(Check("access token", False, str(exc)))
            else:
                if tokens.client_id != client_id:
                    other = f"the token file {path} holds tokens of another client ({tokens.client_id})"
                    checks.append(Check("access token", False, other))
                else:
                    checks.append(client.check_access_token(api_base, tokens))
        elif inputs.token_file is not None:
            checks.append(Check("access token", False, f"no token file at {path}: run login"))
        else:
            checks.append(Check("access token", None, f"not checked: no token file at {path} (run login)"))
    return _report(checks, io)


def _report(checks: list[Check], io: _IO) -> int:
    """One line per check on stdout, then what ran: exit status 0 only when every check ran and passed, 1 when
    any failed, :data:`EXIT_NOT_ALL_CHECKED` when none failed but some did not run or could not tell."""
    for check in checks:
        # By value only: the check's name ("client secret: ...") must not read as a key to the redaction's patterns;
        # the server's words in the message went through safe_text where the check was made.
        line = safe_text(f"{_MARK[check.ok]}  {check.name}: {check.message}", limit=_CHECK_LINE_LIMIT, by_pattern=False)
        print(line, file=io.out, flush=True)
    failed = [c for c in checks if c.ok is False]
    unsure = [c for c in checks if c.ok is None]
    passed = len(checks) - len(failed) - len(unsure)
    not_run = f"{len(unsure)} did not run or could not tell ({', '.join(c.name for c in unsure)})" if unsure else ""
    if failed:
        io.say(f"verify: {len(failed)} of {len(checks)} checks failed" + (f"; {not_run}" if unsure else ""))
        return 1
    if unsure:
        io.say(
            f"verify: {passed} of {len(checks)} checks passed, none failed; {not_run}, so not everything was "
            f"verified (exit status {EXIT_NOT_ALL_CHECKED})"
        )
        return EXIT_NOT_ALL_CHECKED
    io.say(f"verify: all {len(checks)} checks ran and passed")
    return 0


# --- the other platforms: Teamwork.com, Komerza, apaleo --------------------------------------------------


def _platform(args: argparse.Namespace, inputs: Inputs) -> Platform | None:
    """The platform of this command (None: Kustomer's own flow): ``--platform``, else the stack entry's."""
    from_stack = inputs.stack_app.platform if inputs.stack_app is not None else None
    if args.platform and from_stack and args.platform != from_stack:
        raise OAuthInputError(
            f"--platform {args.platform} but the stack's {inputs.stack_app.key if inputs.stack_app else ''!r} is a "
            f"{from_stack} client: drop --platform or name another entry"
        )
    name = args.platform or from_stack or KUSTOMER
    if name == KUSTOMER:
        return None
    if args.org or args.legacy_hosts:
        raise OAuthInputError(f"--org and --legacy-hosts are Kustomer's; a {name} client takes --base-url at most")
    return get_platform(name)


def _flow(args: argparse.Namespace, inputs: Inputs, platform: Platform) -> PlatformFlow:
    """The platform's flow at ``--base-url``, else where the stack's URLs point (the simulator), else its hosts."""
    base = check_url(args.base_url, source="--base-url", fix=_BASE_URL_FIX) if args.base_url is not None else None
    app = inputs.stack_app
    if base is None and app is not None and app.authorize_url:
        base = endpoint_base_from_url(app.authorize_url, platform.authorize_url, platform.name)
    return PlatformFlow(platform, base)


def _platform_login(args: argparse.Namespace, io: _IO, inputs: Inputs, platform: Platform) -> int:
    """The platform's login: its authorize URL, the loopback redirect, its exchange; the token in a 0600 file."""
    flow = _flow(args, inputs, platform)
    client_id = inputs.require_client_id()
    client_secret = inputs.require_client_secret()
    redirect = _redirect_target(args, inputs, https_only=platform.redirect_rules.https_only, title=platform.title)
    token_path = _token_path(inputs, client_id, io, platform.name)
    scopes = list(inputs.scopes) if platform.scopes_required else []
    if platform.refresh_scope and platform.refresh_scope not in scopes:
        io.say(
            f"warning: the scopes lack {platform.refresh_scope}, so {platform.title} gives no refresh token "
            "(`refresh` will not work)"
        )
    if not flow.pkce:
        io.say(f"note: {platform.title} documents no PKCE; the login runs without it (state still protects it)")
    pkce, state = new_pkce(), new_state()

    def url_for(redirect_uri: str) -> str:
        return flow.authorize_url(
            client_id=client_id, redirect_uri=redirect_uri, scopes=scopes, state=state, code_challenge=pkce.challenge
        )

    platform_host = urlsplit(platform.authorize_url).hostname or ""
    redirect_uri, code = _receive_code(args, io, redirect, state, platform.title, url_for, hosts={platform_host})
    with io.http() as http:
        tokens = flow.exchange_code(
            http,
            client_id=client_id,
            client_secret=client_secret,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=pkce.verifier,
            origin=args.origin,
        )
    return _keep_tokens(args, io, tokens, token_path, platform.title)


def _platform_tokens(path: Path, platform: Platform, client_id: str | None, io: _IO) -> TokenSet:
    tokens = _read_tokens(path, io)
    if tokens.platform != platform.name:
        raise OAuthInputError(f"{path} holds {tokens.platform} tokens, not {platform.name}: pass its --token-file")
    if client_id and client_id != tokens.client_id:
        raise OAuthInputError(
            f"{path} holds tokens of client {tokens.client_id}, not {client_id}: pass its --token-file"
        )
    return tokens


def _platform_refresh(args: argparse.Namespace, io: _IO, inputs: Inputs, platform: Platform) -> int:
    """apaleo's refresh (RFC 6749 §6, rotated); the platforms without refresh tokens say why not."""
    if not platform.refresh_tokens:
        raise OAuthInputError(
            f"{platform.title} issues no refresh token: its token lasts until revoked. Run login again for a new one."
        )
    path = _token_path(inputs, inputs.client_id, io, platform.name)
    tokens = _platform_tokens(path, platform, inputs.client_id, io)
    flow = _flow(args, inputs, platform)
    with io.http() as http:
        fresh = flow.refresh(http, tokens, client_id=tokens.client_id, client_secret=inputs.require_client_secret())
    return _keep_tokens(args, io, fresh, path, platform.title)


def _platform_verify(args: argparse.Namespace, io: _IO, inputs: Inputs, platform: Platform) -> int:
    """The client check of the platform's description (a made-up code where it tells), then the token's."""
    flow = _flow(args, inputs, platform)
    client_id = inputs.require_client_id()
    checks: list[Check] = []
    redirect_uri = inputs.redirect_uris[0] if inputs.redirect_uris else DEFAULT_LOOPBACK_REDIRECT_URI
    with io.http() as http:
        if inputs.client_secret:
            checks.append(
                flow.check_client(
                    http, client_id=client_id, client_secret=inputs.client_secret, redirect_uri=redirect_uri
                )
            )
        else:
            checks.append(
                Check("client secret", None, "not checked: none given (KUSTOMER_CLIENT_SECRET, --from-stack)")
            )
        path = _token_path(inputs, client_id, io, platform.name)
        if path.exists():
            try:
                tokens = _platform_tokens(path, platform, client_id, io)
                if tokens.api_check_url:
                    source = f"`api_check_url` of the token file {path}"
                    check_url(tokens.api_check_url, source=source, fix=_STALE_FILE_FIX)
                checks.append(flow.check_token(http, tokens))
            except OAuthInputError as exc:
                checks.append(Check("access token", False, str(exc)))
        elif inputs.token_file is not None:
            checks.append(Check("access token", False, f"no token file at {path}: run login"))
        else:
            checks.append(Check("access token", None, f"not checked: no token file at {path} (run login)"))
    return _report(checks, io)


# --- stackone --------------------------------------------------------------------------------------------


def cmd_stackone(args: argparse.Namespace, io: _IO) -> int:
    """Print the fields of StackOne's "link a Kustomer account" form."""
    inputs = _inputs(args, io)
    client_id = inputs.require_client_id()
    client_secret = inputs.require_client_secret()
    if not inputs.org_name:
        raise OAuthInputError("No organization name: pass --org NAME (the <org> of https://<org>.kustomerapp.com)")
    secret_text = (
        client_secret
        if args.show_secret
        else f"[hidden: add --show-secret] (fingerprint {secret_fingerprint(client_secret)})"
    )
    rows = [
        ("Client ID", client_id),
        ("Client Secret", secret_text),
        ("Organization Name", inputs.org_name),
        ("Scopes", " ".join(inputs.scopes)),
    ]
    for label, value in rows:
        io.show(f"{label + ':':<19}{value}")
    if inputs.stack_app is not None and STACKONE_CALLBACK not in inputs.redirect_uris:
        io.say(
            f"error: the app does not register StackOne's callback {STACKONE_CALLBACK}: add it to redirectUris, "
            "bump the version and `pulumi up` before linking."
        )
        return 1
    return 0


_COMMANDS: Final = {"login": cmd_login, "refresh": cmd_refresh, "verify": cmd_verify, "stackone": cmd_stackone}


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    transport: httpx.BaseTransport | None = None,
    open_browser: BrowserOpener = webbrowser.open,
    stdin: TextIO | None = None,
) -> int:
    """Run one command; the exit status (0 only on success)."""
    args = build_parser().parse_args(argv)
    if stdout is None and stderr is None:
        _tolerant_streams()
    io = _IO(
        out=stdout or sys.stdout,
        err=stderr or sys.stderr,
        environ=os.environ if environ is None else environ,
        transport=transport,
        open_browser=open_browser,
        stdin=stdin if stdin is not None else sys.stdin,
    )
    try:
        return _COMMANDS[args.command](args, io)
    except OAuthHelperError as exc:
        io.say(f"error: {exc}")
        return exc.exit_status
    except KustomerError as exc:
        io.say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        io.say("interrupted")
        return 130
    except Exception as exc:  # a bug: one safe line, never a traceback that would carry a server's text
        io.say(f"error: unexpected {type(exc).__name__}: {safe_text(exc)} (a bug of the helper; please report it)")
        return EXIT_BUG


def _tolerant_streams() -> None:
    """Let the terminal's streams show any character (escaped when their encoding lacks it) instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, _io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
