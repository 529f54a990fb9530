"""Hostile state exports: whatever a file holds, the inventory reads it or refuses it with an error that names the
file and the field, never a traceback, and never a value from the file (it may be a secret)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.inventory import ExportError, StackHoldings, main, read_export
from kustomer_provider.inventory.exports import APP_SECRET_TYPE, PRIVATE_APP_TYPE, SECRET_SIG, SIG_KEY

#: A value no generated file would hold by chance: if it shows in an error, a value leaked.
MARKER = "zz-marker-value-zz"

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20), st.just(MARKER)
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
urns = st.one_of(
    st.just("urn:pulumi:dev::kustomer::pulumi-python:dynamic/kustomer:PrivateApp::app"),
    st.builds(lambda s, n: f"urn:pulumi:{s}::proj::{PRIVATE_APP_TYPE}::{n}", st.text(min_size=1), st.text(min_size=1)),
    st.text(max_size=40),
    json_value,
)
secret_values = st.one_of(
    st.fixed_dictionaries({SIG_KEY: st.just(SECRET_SIG), "ciphertext": st.text(max_size=10)}),
    st.fixed_dictionaries({SIG_KEY: st.just(SECRET_SIG), "plaintext": st.just(json.dumps(MARKER))}),
    st.fixed_dictionaries({SIG_KEY: st.just(SECRET_SIG), "plaintext": st.text(max_size=10)}),
    st.fixed_dictionaries({SIG_KEY: st.just(SECRET_SIG)}),
)
property_bags = st.dictionaries(
    st.sampled_from(["app_name", "version", "client_id", "created_at", "rotate_at", "rotate_after_days",
                     "client_secret", "fingerprint", "app"]) | st.text(max_size=8),
    json_value | secret_values,
    max_size=6,
)  # fmt: skip
resources = st.fixed_dictionaries(
    {"urn": urns, "type": st.sampled_from([PRIVATE_APP_TYPE, APP_SECRET_TYPE, "aws:s3/bucket:Bucket"]) | json_value},
    optional={"id": json_value, "inputs": property_bags | json_value, "outputs": property_bags | json_value},
)
exports = st.one_of(
    st.fixed_dictionaries(
        {"version": st.sampled_from([3, 1, 2, "3"]) | json_value},
        optional={
            "deployment": st.fixed_dictionaries({}, optional={"resources": st.lists(resources, max_size=4)})
            | json_value
        },
    ),
    st.fixed_dictionaries({"version": st.just(1), "resources": st.lists(resources, max_size=4) | json_value}),
    json_value,
)


def _check_error(error: ExportError, source: str) -> None:
    text = str(error)
    assert text.startswith(source), text
    assert MARKER not in text
    assert "Traceback" not in text


@given(exports)
def test_any_json_is_read_or_refused_naming_the_file(data: Any) -> None:
    try:
        held = read_export("ignored", text=json.dumps(data), source="stack.json")
    except ExportError as error:
        _check_error(error, "stack.json")
        return
    assert isinstance(held, StackHoldings)
    for secret in held.secrets:
        assert MARKER not in repr(secret)  # a plaintext secret is kept out of reprs


@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused(raw: bytes) -> None:
    try:
        read_export("ignored", text=raw, source="raw.json")
    except ExportError as error:
        _check_error(error, "raw.json")


@given(exports)
def test_the_command_exits_2_with_one_line_of_error(data: Any) -> None:
    path = Path("/tmp") / f"inventory-property-{id(data)}.json"
    path.write_text(json.dumps(data))
    try:
        try:
            read_export(path)
        except ExportError:
            pass
        else:
            return  # a readable file: the command goes on to the org (tested against the simulator)
        out, err = io.StringIO(), io.StringIO()
        env = {"KUSTOMER_API_KEY": "k", "KUSTOMER_BASE_URL": "http://127.0.0.1:9"}
        assert main(["--stack-export", str(path)], environ=env, stdout=out, stderr=err) == 2
        assert out.getvalue() == ""
        assert err.getvalue().startswith(f"error: {path}") and MARKER not in err.getvalue()
        assert "Traceback" not in err.getvalue()
    finally:
        path.unlink()


def test_deep_nesting_is_refused_not_a_crash() -> None:
    deep = '{"version": 3, "deployment": {"resources": [{"urn": "u", "type": "t", "outputs": ' + "[" * 100_000
    try:
        read_export("ignored", text=deep + "]" * 100_000 + "}]}}", source="deep.json")
    except ExportError as error:
        assert str(error).startswith("deep.json")
