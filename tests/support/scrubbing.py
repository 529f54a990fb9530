"""Scrubbing of cassettes, and the check that nothing secret is left in one.

Recording replaces credentials with fixed placeholders (:func:`scrub_request`, :func:`scrub_response`,
vcrpy's ``before_record_request`` / ``before_record_response`` hooks):

- the ``Authorization`` header -> ``Bearer SCRUBBED_API_KEY``;
- ``clientSecret`` / ``client_secret``, ``access_token``, ``refresh_token``, ``code_verifier`` and OAuth
  ``code`` values, in JSON bodies, form bodies, query strings and ``Location`` headers ->
  ``SCRUBBED_CLIENT_SECRET``, ``SCRUBBED_ACCESS_TOKEN``, ...; a JSON ``code`` inside ``errors`` is
  Kustomer's error code (``conflict``), not a secret, and stays;
- when asked (``KUSTOMER_SCRUB_ORG_ID`` / ``KUSTOMER_SCRUB_ORG_NAME``), the org id and org name.

The scrubber is not trusted: :class:`ScrubCheckingPersister` runs :func:`find_unscrubbed` over every
cassette it loads or saves and raises :class:`UnscrubbedSecretError` if any secret-looking value is left.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml
from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request
from vcr.serialize import serialize

from kustomer_provider.simulator import rules

__all__ = [
    "API_KEY_PLACEHOLDER",
    "AUTHORIZATION_PLACEHOLDER",
    "ORG_ID_PLACEHOLDER",
    "PLACEHOLDERS",
    "ScrubCheckingPersister",
    "UnscrubbedSecretError",
    "body_text",
    "compact_json",
    "find_unscrubbed",
    "known_secret_values",
    "like_body",
    "scrub_request",
    "scrub_response",
    "set_response_body",
]

API_KEY_PLACEHOLDER = "SCRUBBED_API_KEY"
AUTHORIZATION_PLACEHOLDER = f"Bearer {API_KEY_PLACEHOLDER}"
#: Field name -> placeholder, in every spelling the API and OAuth use.
PLACEHOLDERS = {
    "clientSecret": "SCRUBBED_CLIENT_SECRET",
    "client_secret": "SCRUBBED_CLIENT_SECRET",
    "access_token": "SCRUBBED_ACCESS_TOKEN",
    "accessToken": "SCRUBBED_ACCESS_TOKEN",
    "refresh_token": "SCRUBBED_REFRESH_TOKEN",
    "refreshToken": "SCRUBBED_REFRESH_TOKEN",
    "code_verifier": "SCRUBBED_CODE_VERIFIER",
    "code": "SCRUBBED_CODE",
}
ORG_ID_PLACEHOLDER = "0" * 24
ORG_NAME_PLACEHOLDER = "scrubbed-org"
#: Keys recorded tests use besides the one from the environment (not secret, but keys all the same).
RECORDED_TEST_KEYS = ("recorded-invalid-api-key", "recorded-readonly-api-key", "replay-api-key")
_SCRUBBED = "SCRUBBED_"
_SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "x-api-key")


class UnscrubbedSecretError(AssertionError):
    """A cassette holds a credential that recording should have replaced with a placeholder."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        listed = "\n  ".join(problems)
        super().__init__(
            f"cassette {path} is not scrubbed ({len(problems)} problem(s)); re-record it with "
            f"scripts/record-cassettes and fix the scrubber:\n  {listed}"
        )
        self.path = str(path)
        self.problems = problems


# --- scrubbing ------------------------------------------------------------------------------------


def _identity_replacements() -> list[tuple[str, str]]:
    """(value, placeholder) for the org id and org name, when recording was asked to hide them."""
    pairs = []
    org_id = os.environ.get("KUSTOMER_SCRUB_ORG_ID", "").strip()
    if org_id:
        pairs.append((org_id, ORG_ID_PLACEHOLDER))
    org_name = os.environ.get("KUSTOMER_SCRUB_ORG_NAME", "").strip()
    if org_name:
        pairs.append((org_name, ORG_NAME_PLACEHOLDER))
    return pairs


def _replace_identities(text: str) -> str:
    for value, placeholder in _identity_replacements():
        text = text.replace(value, placeholder)
    return text


def _scrub_json(value: Any, in_errors: bool = False) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in PLACEHOLDERS and isinstance(item, str) and not (key == "code" and in_errors):
                out[key] = PLACEHOLDERS[key]
            else:
                out[key] = _scrub_json(item, in_errors or key in ("errors", "error"))
        return out
    if isinstance(value, list):
        return [_scrub_json(item, in_errors) for item in value]
    return value


def _scrub_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k in PLACEHOLDERS for k, _ in pairs):
        return query
    return urlencode([(k, PLACEHOLDERS.get(k, v)) for k, v in pairs])


def _scrub_url(url: str) -> str:
    parts = urlsplit(url)
    return _replace_identities(urlunsplit(parts._replace(query=_scrub_query(parts.query))))


def body_text(body: bytes | str) -> str:
    """A recorded body as text (bytes kept round-trippable)."""
    return body.decode("utf-8", errors="surrogateescape") if isinstance(body, bytes) else body


def like_body(body: bytes | str, text: str) -> bytes | str:
    """``text`` in the type ``body`` had (vcrpy keeps request bodies as bytes, response bodies as either)."""
    return text.encode("utf-8", errors="surrogateescape") if isinstance(body, bytes) else text


def compact_json(value: Any) -> str:
    """JSON as the cassettes hold it: no spaces."""
    return json.dumps(value, separators=(",", ":"))


def set_response_body(response: dict[str, Any], body: bytes | str | None) -> None:
    """Put ``body`` into a recorded answer, with its ``Content-Length`` to match."""
    response["body"]["string"] = body
    headers: dict[str, list[str]] = response.get("headers", {})
    for name in headers:
        if name.lower() == "content-length":
            headers[name] = [str(len(body.encode() if isinstance(body, str) else body or b""))]


def _scrub_body(body: bytes | str | None, content_type: str) -> bytes | str | None:
    if not body:
        return body
    text = body_text(body)
    try:
        parsed = json.loads(text)
    except ValueError:
        if "x-www-form-urlencoded" in content_type or re.fullmatch(r"[\w.~%+-]+=[^\s]*", text):
            text = _scrub_query(text)
    else:
        text = compact_json(_scrub_json(parsed))
    return like_body(body, _replace_identities(text))


def scrub_request(request: Request) -> Request:
    """vcrpy ``before_record_request``: placeholders for the key, secrets, tokens, codes (and org)."""
    headers = request.headers
    for name in list(headers):
        if name.lower() == "authorization":
            headers[name] = AUTHORIZATION_PLACEHOLDER
        elif name.lower() in _SECRET_HEADERS:
            del headers[name]
    request.headers = headers
    request.uri = _scrub_url(request.uri)
    request.body = _scrub_body(request.body, headers.get("content-type", ""))
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response``: the same for a recorded answer (body, ``Location``)."""
    headers: dict[str, list[str]] = response.get("headers", {})
    for name in list(headers):
        lowered = name.lower()
        if lowered == "location":
            headers[name] = [_scrub_url(v) for v in headers[name]]
        elif lowered in _SECRET_HEADERS:
            del headers[name]
    content_type = next((v[0] for k, v in headers.items() if k.lower() == "content-type" and v), "")
    body = response.get("body", {}).get("string")
    scrubbed = _scrub_body(body, content_type)
    if scrubbed is not body:
        set_response_body(response, scrubbed)
    return response


# --- checking -------------------------------------------------------------------------------------


def known_secret_values() -> list[str]:
    """Credentials whose literal value must never appear in a cassette."""
    names = (
        "KUSTOMER_API_KEY",
        "KUSTOMER_READONLY_API_KEY",
        "KUSTOMER_RECORD_API_KEY",
        "KUSTOMER_RECORD_READONLY_API_KEY",
    )
    values = [os.environ.get(name, "") for name in names]
    values += [rules.DEFAULT_API_KEY, *RECORDED_TEST_KEYS]
    return sorted({v for v in values if len(v) >= 8})


_JSON_SECRET_KEYS = "|".join(k for k in PLACEHOLDERS if k != "code")
_FORM_SECRET_KEYS = "|".join(PLACEHOLDERS)
_RAW_PATTERNS = (
    ("bearer token", re.compile(rf"(?i)\bbearer\s+(?!{API_KEY_PLACEHOLDER}\b)[A-Za-z0-9._~+/=-]{{8,}}")),
    ("basic credentials", re.compile(r"(?i)\bbasic\s+[A-Za-z0-9+/=]{8,}")),
    ("JSON secret", re.compile(rf'\\*"({_JSON_SECRET_KEYS})\\*"\s*:\s*\\*"(?!{_SCRUBBED})[^"\\]')),
    ("form or query secret", re.compile(rf"(?<![A-Za-z0-9_])({_FORM_SECRET_KEYS})=(?!{_SCRUBBED})[^&\s\"'\\]+")),
)


def _walk_json(value: Any, where: str, in_errors: bool = False) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PLACEHOLDERS and isinstance(item, str) and not item.startswith(_SCRUBBED):
                if not (key == "code" and in_errors):
                    yield f"{where}: {key} is not a placeholder"
            yield from _walk_json(item, f"{where}.{key}", in_errors or key in ("errors", "error"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_json(item, f"{where}[{index}]", in_errors)


def _body_problems(body: Any, where: str) -> Iterator[str]:
    if isinstance(body, dict):  # vcrpy stores response bodies as {"string": ...}
        body = body.get("string")
    if not body:
        return
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    try:
        parsed = json.loads(text)
    except ValueError:
        for key, value in parse_qsl(text):
            if key in PLACEHOLDERS and not value.startswith(_SCRUBBED):
                yield f"{where}: form field {key} is not a placeholder"
    else:
        yield from _walk_json(parsed, where)


def _header_problems(headers: dict[str, Any], where: str) -> Iterator[str]:
    for name, values in (headers or {}).items():
        values = values if isinstance(values, list) else [values]
        lowered = name.lower()
        if lowered == "authorization" and any(v != AUTHORIZATION_PLACEHOLDER for v in values):
            yield f"{where}: Authorization header is not {AUTHORIZATION_PLACEHOLDER!r}"
        elif lowered in _SECRET_HEADERS[1:]:
            yield f"{where}: {name} header recorded"
        elif lowered == "location":
            for value in values:
                for key, item in parse_qsl(urlsplit(str(value)).query):
                    if key in PLACEHOLDERS and not item.startswith(_SCRUBBED):
                        yield f"{where}: Location query {key} is not a placeholder"


def _structure_problems(cassette: Any) -> Iterator[str]:
    if not isinstance(cassette, dict) or not isinstance(cassette.get("interactions"), list):
        return
    for index, interaction in enumerate(cassette["interactions"]):
        request, response = interaction.get("request") or {}, interaction.get("response") or {}
        where = f"interaction {index}"
        yield from _header_problems(request.get("headers"), f"{where} request")
        for key, value in parse_qsl(urlsplit(str(request.get("uri", ""))).query):
            if key in PLACEHOLDERS and not value.startswith(_SCRUBBED):
                yield f"{where} request: query {key} is not a placeholder"
        yield from _body_problems(request.get("body"), f"{where} request body")
        yield from _header_problems(response.get("headers"), f"{where} response")
        yield from _body_problems(response.get("body"), f"{where} response body")


def find_unscrubbed(text: str, known: Iterable[str] | None = None) -> list[str]:
    """Every secret-looking value left in a cassette's text (empty when it is clean).

    Checks the raw text (so it also works on any file) and, when the text is a vcrpy cassette (JSON or
    YAML), its structure: headers, URIs, form and JSON bodies of every interaction.
    """
    problems = []
    for value in known_secret_values() if known is None else known:
        if value and value in text:
            problems.append(f"a known credential ({value[:4]}...) appears verbatim")
    for what, pattern in _RAW_PATTERNS:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{what} ({match.group(1) if pattern.groups else 'value'}) on line {line}")
    try:
        cassette = json.loads(text)
    except ValueError:
        try:
            cassette = yaml.safe_load(text)
        except yaml.YAMLError:
            cassette = None
    problems.extend(_structure_problems(cassette))
    return list(dict.fromkeys(problems))


class ScrubCheckingPersister:
    """A vcrpy persister that refuses to load or save a cassette holding an unscrubbed secret.

    Loading raises :class:`UnscrubbedSecretError`. Saving writes nothing and keeps the error in
    :attr:`refused` instead of raising: vcrpy saves a cassette *before* it removes its patches from
    httpx, so an exception there would leave httpx patched for every later test. The recorded tests'
    ``pytest_runtest_teardown`` hook raises what :meth:`take_refused` returns.

    Replaces the persister pytest-recording sets up, keeping its extra cassettes (``pytest.mark.vcr("x")``).
    Loading goes through vcrpy's own ``FilesystemPersister``: pytest-recording 0.14.1's
    ``CombinedPersister`` cannot load a cassette that has vcrpy 9.4 metadata (it unpacks two values, gets three).
    """

    #: Saves refused and not yet taken.
    refused: ClassVar[list[UnscrubbedSecretError]] = []

    def __init__(self, extra_paths: Iterable[str] = ()) -> None:
        self.extra_paths = list(extra_paths)

    @classmethod
    def take_refused(cls) -> list[UnscrubbedSecretError]:
        """The saves refused since the last call (and forget them)."""
        taken, cls.refused[:] = list(cls.refused), []
        return taken

    def load_cassette(self, cassette_path: str | Path, serializer: ModuleType) -> Any:
        paths = [Path(cassette_path), *(Path(p) for p in self.extra_paths)]
        for path in paths:
            if path.is_file():
                problems = find_unscrubbed(path.read_text(encoding="utf-8"))
                if problems:
                    raise UnscrubbedSecretError(path, problems)
        loaded = FilesystemPersister.load_cassette(cassette_path, serializer=serializer)
        if not self.extra_paths:
            return loaded
        requests, responses = list(loaded[0]), list(loaded[1])
        for extra in self.extra_paths:
            more = FilesystemPersister.load_cassette(extra, serializer=serializer)
            requests += more[0]
            responses += more[1]
        return (requests, responses, *loaded[2:])

    def save_cassette(self, cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: ModuleType) -> None:
        problems = find_unscrubbed(serialize(cassette_dict, serializer))
        if problems:
            self.refused.append(UnscrubbedSecretError(cassette_path, problems))
            return
        FilesystemPersister.save_cassette(cassette_path, cassette_dict, serializer=serializer)
