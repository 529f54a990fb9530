"""The scrubber is applied and checked: unscrubbed cassettes are refused, committed ones hold no secret.

Leaky cassettes are only ever written into ``tmp_path`` at test time, with secrets made up on the spot.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import vcr.patch
from vcr.errors import CannotOverwriteExistingCassetteException

from tests.support.recording import CASSETTES, VCR_CONFIG
from tests.support.scrubbing import (
    AUTHORIZATION_PLACEHOLDER,
    ORG_ID_PLACEHOLDER,
    PLACEHOLDERS,
    ScrubCheckingPersister,
    UnscrubbedSecretError,
    find_unscrubbed,
    known_secret_values,
)

pytestmark = pytest.mark.block_network  # everything here runs offline, on MockTransport and files
BASE = "https://acme.api.kustomerapp.com"


def make_vcr() -> vcr.VCR:
    """A VCR configured exactly like the recorded tests' (same scrubber, same checking persister)."""
    recorder = vcr.VCR()
    recorder.register_persister(ScrubCheckingPersister())
    return recorder


def use(path: Path, record_mode: str, **overrides: Any) -> Any:
    return make_vcr().use_cassette(str(path), **{**VCR_CONFIG, "record_mode": record_mode, **overrides})


def token() -> str:
    return secrets.token_urlsafe(24)


def interaction(
    request: dict[str, Any] | None = None, response: dict[str, Any] | None = None, body: Any = None
) -> dict[str, Any]:
    """One interaction in vcrpy's cassette format, clean unless told otherwise."""
    request = {
        "method": "POST",
        "uri": f"{BASE}/v1/apps/available/x/secret/",
        "body": "{}",
        "headers": {"Authorization": [AUTHORIZATION_PLACEHOLDER], "Content-Type": ["application/json"]},
        **(request or {}),
    }
    answer = body if body is not None else {"data": {"attributes": {"clientSecret": PLACEHOLDERS["clientSecret"]}}}
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/json"]},
        "body": {"string": json.dumps(answer)},
        **(response or {}),
    }
    return {"request": request, "response": response}


def write_cassette(path: Path, *interactions: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"version": 1, "interactions": list(interactions)}, indent=4))
    return path


LEAKS: dict[str, Callable[[str], dict[str, Any]]] = {
    "authorization header": lambda s: interaction(
        request={"headers": {"Authorization": [f"Bearer {s}"], "Content-Type": ["application/json"]}}
    ),
    "clientSecret in a response": lambda s: interaction(body={"data": {"attributes": {"clientSecret": s}}}),
    "access_token in a response": lambda s: interaction(body={"access_token": s, "token_type": "bearer"}),
    "refresh_token in a response": lambda s: interaction(body={"refresh_token": s, "scope": "a"}),
    "code in a Location header": lambda s: interaction(
        response={"status": {"code": 302, "message": "Found"}, "headers": {"Location": [f"https://cb/?code={s}"]}}
    ),
    "code and client_secret in a form body": lambda s: interaction(
        request={
            "uri": f"{BASE}/oauth/token",
            "body": f"grant_type=authorization_code&code={s}&client_secret={s}",
            "headers": {"Content-Type": ["application/x-www-form-urlencoded"]},
        }
    ),
    "code in a JSON body outside errors": lambda s: interaction(body={"code": s}),
}


@pytest.mark.parametrize("leak", list(LEAKS))
def test_unscrubbed_cassette_is_rejected_on_load(tmp_path: Path, leak: str) -> None:
    secret = token()
    path = write_cassette(tmp_path / "leaky.json", LEAKS[leak](secret))
    assert secret in path.read_text()
    with pytest.raises(UnscrubbedSecretError) as caught:
        with use(path, "none"):
            pass
    assert caught.value.path == str(path) and caught.value.problems
    assert secret not in str(caught.value)  # the report does not repeat the secret


def test_a_known_key_anywhere_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = f"live-key-{token()}"
    monkeypatch.setenv("KUSTOMER_API_KEY", key)
    path = write_cassette(tmp_path / "leaky.json", interaction(body={"note": f"your key is {key}"}))
    with pytest.raises(UnscrubbedSecretError, match="known credential"):
        with use(path, "none"):
            pass


def test_clean_cassette_loads_and_replays(tmp_path: Path) -> None:
    """Placeholders, and Kustomer's error codes inside ``errors``, are not secrets."""
    conflict = {"errors": [{"code": "conflict", "message": "already registered", "meta": {}}]}
    path = write_cassette(
        tmp_path / "clean.json",
        interaction(),
        interaction(request={"uri": f"{BASE}/v1/apps/available", "body": "{}"}, body=conflict),
    )
    assert find_unscrubbed(path.read_text()) == []
    with use(path, "none"), httpx.Client(base_url="http://127.0.0.1:9") as client:
        minted = client.post("/v1/apps/available/x/secret/", json={})
        refused = client.post("/v1/apps/available", json={})
    assert minted.json()["data"]["attributes"]["clientSecret"] == PLACEHOLDERS["clientSecret"]
    assert refused.json()["errors"][0]["code"] == "conflict"


def leaky_api(secret_of: Callable[[str], str]) -> httpx.MockTransport:
    """A fake Kustomer that answers secrets, tokens and codes in every place they can be."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith(("/secret", "/secret/")):
            return httpx.Response(200, json={"data": {"attributes": {"clientSecret": secret_of("secret")}}})
        if path == "/oauth/authorize":
            return httpx.Response(302, headers={"Location": f"https://cb.example/?code={secret_of('code')}&state=s"})
        if path == "/oauth/token":
            tokens = {"access_token": secret_of("access"), "refresh_token": secret_of("refresh"), "expires_in": 86400}
            return httpx.Response(200, json={**tokens, "token_type": "bearer", "scope": "a"})
        return httpx.Response(409, json={"errors": [{"code": "conflict", "message": "taken", "meta": {}}]})

    return httpx.MockTransport(handle)


def drive(transport: httpx.MockTransport, api_key: str, secret_of: Callable[[str], str]) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=BASE, transport=transport, headers=headers) as client:
        return [
            client.post("/v1/apps/available/myapp/secret/", json={}),
            client.get("/oauth/authorize", params={"client_id": "c", "state": "s"}),
            client.post(
                "/oauth/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": secret_of("old"),
                    "client_secret": secret_of("cs"),
                },
            ),
            client.post("/v1/apps/available", json={"app": "myapp"}),
        ]


def test_recording_scrubs_every_secret(tmp_path: Path) -> None:
    made: dict[str, str] = {}

    def secret_of(kind: str) -> str:
        return made.setdefault(kind, token())

    api_key = f"key-{token()}"
    path = tmp_path / "recorded.json"
    with use(path, "all"):
        live = drive(leaky_api(secret_of), api_key, secret_of)
    assert live[0].json()["data"]["attributes"]["clientSecret"] == made["secret"]  # the test saw the real one

    text = path.read_text()
    for value in [api_key, *made.values()]:
        assert value not in text
    assert find_unscrubbed(text, known=[api_key]) == []
    for placeholder in (AUTHORIZATION_PLACEHOLDER, *PLACEHOLDERS.values()):
        if placeholder != PLACEHOLDERS["code_verifier"]:
            assert placeholder in text, placeholder

    with use(path, "none"):
        replayed = drive(httpx.MockTransport(lambda r: httpx.Response(500)), "other-key", secret_of)
    assert replayed[0].json()["data"]["attributes"]["clientSecret"] == PLACEHOLDERS["clientSecret"]
    assert "code=SCRUBBED_CODE" in replayed[1].headers["location"]
    assert replayed[2].json()["refresh_token"] == PLACEHOLDERS["refresh_token"]
    assert replayed[3].json()["errors"][0]["code"] == "conflict"


def test_without_the_scrubber_the_cassette_is_not_saved(tmp_path: Path) -> None:
    path = tmp_path / "unscrubbed.json"
    with use(path, "all", before_record_request=None, before_record_response=None):
        drive(leaky_api(lambda kind: token()), f"key-{token()}", lambda kind: token())
    assert not path.exists()
    refused = ScrubCheckingPersister.take_refused()
    assert [error.path for error in refused] == [str(path)]
    assert any("Authorization" in problem for problem in refused[0].problems)
    assert any("clientSecret" in problem for problem in refused[0].problems)
    # and vcrpy took its patches off httpx, as after any cassette (a raising save would have left them on)
    assert httpx.MockTransport.handle_request is vcr.patch._HttpxMockTransport_handle_request


def test_org_id_is_scrubbed_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    org_id = secrets.token_hex(12)
    monkeypatch.setenv("KUSTOMER_SCRUB_ORG_ID", org_id)
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, json={"data": [{"id": f"myapp_{org_id}-1.0.0", "attributes": {}}]})
    )
    path = tmp_path / "org.json"
    with use(path, "all"), httpx.Client(base_url=BASE, transport=transport) as client:
        client.get(f"/v1/apps/myapp_{org_id}-1.0.0")
    text = path.read_text()
    assert org_id not in text
    assert text.count(f"myapp_{ORG_ID_PLACEHOLDER}-1.0.0") == 2  # in the request's path and in the answer


REGISTER_CASSETTE = CASSETTES / "test_client_replay" / "test_register_returns_a_namespaced_app.json"


def recorded_register_body() -> dict[str, Any]:
    cassette = json.loads(REGISTER_CASSETTE.read_text())
    first = cassette["interactions"][0]["request"]
    assert first["method"] == "POST" and first["uri"].endswith("/v1/apps/available")
    body: dict[str, Any] = json.loads(first["body"])
    return body


@pytest.mark.skipif("config.getoption('--record-mode') not in (None, 'none')", reason="replay only")
def test_a_changed_request_fails_loudly() -> None:
    """Replay matches method, path, query and body, on any host and port."""
    body = recorded_register_body()
    with use(REGISTER_CASSETTE, "none"), httpx.Client(base_url="http://10.255.255.1:4321") as client:
        assert client.post("/v1/apps/available", json=body).status_code == 201  # another host: still matches
    with use(REGISTER_CASSETTE, "none"), httpx.Client(base_url="http://127.0.0.1:9") as client:
        with pytest.raises(CannotOverwriteExistingCassetteException):
            client.post("/v1/apps/available", json={**body, "title": "Another title"})
        with pytest.raises(CannotOverwriteExistingCassetteException):
            client.post("/v1/apps/available", params={"dryRun": "1"}, json=body)


def test_no_secret_in_any_cassette_file() -> None:
    """``grep -r`` over tests/cassettes finds no token, secret or Authorization value but the placeholders."""
    files = sorted(p for p in CASSETTES.rglob("*") if p.is_file())
    assert any(p.suffix == ".json" for p in files), "no cassettes: record them with scripts/record-cassettes"
    for path in files:
        assert find_unscrubbed(path.read_text(encoding="utf-8")) == [], path

    grep = shutil.which("grep")
    assert grep, "grep is needed for this check"
    for value in known_secret_values():
        found = subprocess.run([grep, "-rlF", value, str(CASSETTES)], capture_output=True, text=True)
        assert found.returncode == 1, f"a known key is in {found.stdout}"
    patterns = {
        "bearer": r"[Bb]earer [A-Za-z0-9._~+/=-]+",
        "json secret": r'(clientSecret|client_secret|access_token|refresh_token|code_verifier)\\?"\s*:\s*\\?"[^"\\]*',
        "form or query secret": r"(^|[^A-Za-z0-9_])(client_secret|code|access_token|refresh_token|code_verifier)=[^&\"\\ ]*",
    }
    for what, pattern in patterns.items():
        found = subprocess.run([grep, "-rhoE", pattern, str(CASSETTES)], capture_output=True, text=True)
        assert found.returncode in (0, 1), found.stderr
        leaked = [line for line in found.stdout.splitlines() if "SCRUBBED_" not in line]
        assert leaked == [], f"{what}: {leaked[:3]}"
    authorizations = subprocess.run(
        [grep, "-rhiE", "-A1", r'"authorization"', str(CASSETTES)], capture_output=True, text=True
    ).stdout
    values = [line.strip().strip(",").strip('"') for line in authorizations.splitlines() if "Bearer" in line]
    assert values and set(values) == {AUTHORIZATION_PLACEHOLDER}
