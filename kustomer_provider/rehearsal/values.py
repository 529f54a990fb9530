"""Property values as the engine handles them: secret wrappers, and encryption of secrets in the state."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN, _special_secret_sig, _special_sig_key

SIG = _special_sig_key
SECRET = _special_secret_sig


__all__ = [
    "SECRET",
    "SIG",
    "UNKNOWN",
    "contains_unknown",
    "decrypt",
    "encrypt",
    "is_secret",
    "is_unknown",
    "seal",
    "secret_paths",
    "to_wire",
    "unseal",
    "unwrap_secrets",
    "wrap_secret",
]


def is_unknown(value: Any) -> bool:
    """A value the program does not know yet (a preview): the SDK's ``Unknown`` or its wire sentinel."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG) == SECRET


def wrap_secret(value: Any) -> dict[str, Any]:
    return {SIG: SECRET, "value": value}


def unwrap_secrets(value: Any) -> Any:
    """The value with every secret wrapper removed (what a provider that accepts no secrets receives)."""
    if is_secret(value):
        return unwrap_secrets(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def to_wire(value: Any) -> Any:
    """The value as the engine sends it to a provider: secrets unwrapped, unknowns as the sentinel."""
    value = unwrap_secrets(value)
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


def contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown) or value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def secret_paths(value: Any, prefix: str = "") -> set[str]:
    """Dotted paths of every secret wrapper inside ``value``."""
    paths: set[str] = set()
    if is_secret(value):
        paths.add(prefix)
        value = value.get("value")
    if isinstance(value, dict):
        for k, v in value.items():
            paths |= secret_paths(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            paths |= secret_paths(v, f"{prefix}[{i}]")
    return paths


def _keystream(key: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(key + counter.to_bytes(8, "big")).digest()
        counter += 1
    return out[:length]


def encrypt(value: Any, key: bytes) -> dict[str, Any]:
    """A secret as the state stores it: ``{sig: secret, "ciphertext": ...}``, never the plaintext.

    A stand-in for the stack's secrets provider (passphrase, KMS): what matters here is which
    properties get encrypted, not the cipher.
    """
    plain = json.dumps(value).encode()
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(key, len(plain)), strict=True))
    return {SIG: SECRET, "ciphertext": base64.b64encode(cipher).decode()}


def decrypt(stored: dict[str, Any], key: bytes) -> Any:
    cipher = base64.b64decode(stored["ciphertext"])
    plain = bytes(a ^ b for a, b in zip(cipher, _keystream(key, len(cipher)), strict=True))
    return json.loads(plain)


def seal(values: dict[str, Any], secret_keys: set[str], key: bytes) -> dict[str, Any]:
    """Properties for the state file: top-level ``secret_keys`` and every nested secret encrypted."""

    def walk(value: Any) -> Any:
        if is_secret(value):
            return encrypt(unwrap_secrets(value), key)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return {k: encrypt(unwrap_secrets(v), key) if k in secret_keys else walk(v) for k, v in values.items()}


def unseal(values: dict[str, Any], key: bytes) -> tuple[dict[str, Any], set[str]]:
    """Properties from the state file, decrypted, and the names of the top-level secret ones."""
    secrets: set[str] = set()

    def walk(value: Any) -> Any:
        if is_secret(value) and "ciphertext" in value:
            return wrap_secret(decrypt(value, key))
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    out = {}
    for k, v in values.items():
        if is_secret(v):
            secrets.add(k)
            out[k] = decrypt(v, key)
        else:
            out[k] = walk(v)
    return out, secrets
