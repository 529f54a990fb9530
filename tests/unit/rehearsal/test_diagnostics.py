"""The engine's diagnostics and its "Diagnostics:" section, as the Pulumi CLI prints them.

The expected texts are written out from the engine's source (``sdk/go/common/diag/errors.go``,
``pkg/backend/display/progress.go``, ``sdk/go/common/resource/properties.go``), never produced by the code
under test; Go's float formatting is checked against its rules over generated floats.
"""

from __future__ import annotations

import math
import re

from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.rehearsal.diagnostics import (
    ERROR,
    INFOERR,
    PROVIDER_STDERR_STREAM,
    WARNING,
    Diagnostic,
    check_failure_message,
    display_type,
    go_value,
    pending_operations_warning,
    render_section,
)
from kustomer_provider.rehearsal.values import UNKNOWN, wrap_secret

STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"
APP = "urn:pulumi:dev::proj::pulumi-python:dynamic/kustomer:PrivateApp::crm-sync"
SECRET = "urn:pulumi:dev::proj::pulumi-python:dynamic/kustomer:AppSecret::crm-sync-secret"
TYPES = {
    APP: "pulumi-python:dynamic/kustomer:PrivateApp",
    SECRET: "pulumi-python:dynamic/kustomer:AppSecret",
}


def test_property_values_print_as_gos_percent_v_of_a_property_value() -> None:
    assert go_value("my-app") == "{my-app}"
    assert go_value("") == "{}"
    assert go_value(None) == "{<nil>}"
    assert go_value(True) == "{true}"
    assert go_value(90) == go_value(90.0) == "{90}"  # every number is a float64 on the wire
    assert go_value(1.5) == "{1.5}"
    assert go_value(1e6) == "{1e+06}"
    assert go_value(["a", 2]) == "{[{a} {2}]}"
    assert go_value({"b": 1, "a": ["x"]}) == "{map[a:{[{x}]} b:{1}]}"  # keys sorted, as fmt sorts a map
    assert go_value(UNKNOWN) == "output<string>{}"
    # A *resource.Secret has no String method: Go prints the struct, plaintext and all.
    assert go_value(wrap_secret("s3cr3t")) == "{&{{s3cr3t}}}"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_prints_with_the_shortest_digits_and_gos_exponent_rule(number: float) -> None:
    text = go_value(number)[1:-1]
    assert float(text) == number  # the shortest digits that read back as the same float64
    if number != 0:
        exponent = math.floor(math.log10(abs(number)))
        # strconv's 'g' with the shortest precision: %e below 1e-4 and from 1e6 on (exponents at the float's
        # boundaries may round to the next power of ten: the text decides there).
        if re.search(r"e[+-]\d\d+$", text):
            assert exponent < -3 or exponent >= 5, text
            assert re.fullmatch(r"-?\d(\.\d+)?e[+-]\d{2,3}", text), text
        else:
            assert -5 <= exponent < 7, text
            assert re.fullmatch(r"-?\d+(\.\d+)?", text), text


def test_a_check_failure_reads_as_the_engine_words_it() -> None:
    inputs = {"version": "1.0", "title": "CRM"}
    assert check_failure_message("t:m:T", "crm-sync", "version", "bump it", inputs) == (
        "t:m:T resource 'crm-sync': property version value {1.0} has a problem: bump it"
    )
    # A nested path is no key of the inputs: the engine looks it up and prints the zero value.
    assert check_failure_message("t:m:T", "crm-sync", "redirect_uris[1]", "https only", inputs) == (
        "t:m:T resource 'crm-sync': property redirect_uris[1] value {<nil>} has a problem: https only"
    )
    assert check_failure_message("t:m:T", "crm-sync", "", "no API key", inputs) == (
        "t:m:T resource 'crm-sync' has a problem: no API key"
    )


def test_a_dynamic_resources_type_is_shown_whole_and_a_module_file_type_shortened() -> None:
    assert display_type("pulumi-python:dynamic/kustomer:PrivateApp") == "pulumi-python:dynamic/kustomer:PrivateApp"
    assert display_type("aws:s3/bucket:Bucket") == "aws:s3:Bucket"
    assert display_type("pulumi:pulumi:Stack") == "pulumi:pulumi:Stack"


def test_the_section_groups_by_resource_stack_first_streams_apart_lines_trimmed_and_indented() -> None:
    diagnostics = [
        Diagnostic(APP, ERROR, 'Traceback (most recent call last):\n  File "x.py", line 1   \nValueError: bad\n\n'),
        Diagnostic("", ERROR, "update failed"),
        Diagnostic("", INFOERR, "warning: Kustomer keeps app crm_sync", PROVIDER_STDERR_STREAM),
        Diagnostic("", INFOERR, "info: 1/1 installed", PROVIDER_STDERR_STREAM),
        Diagnostic(SECRET, WARNING, "rotate soon"),
    ]
    section = render_section(diagnostics, stack_urn=STACK, rows=[SECRET, APP], types=TYPES)
    assert section.split("\n") == [
        "Diagnostics:",
        "  pulumi:pulumi:Stack (proj-dev):",
        "    error: update failed",
        "",
        "    warning: Kustomer keeps app crm_sync",
        "    info: 1/1 installed",
        "",
        "  pulumi-python:dynamic/kustomer:AppSecret (crm-sync-secret):",
        "    warning: rotate soon",
        "",
        "  pulumi-python:dynamic/kustomer:PrivateApp (crm-sync):",
        "    error: Traceback (most recent call last):",
        '      File "x.py", line 1',
        "    ValueError: bad",
        "",
    ]
    assert render_section([], stack_urn=STACK, rows=[APP], types=TYPES) == ""


def test_the_pending_operations_warning_lists_each_and_says_how_to_repair() -> None:
    warning = pending_operations_warning([(APP, "creating"), (SECRET, "deleting")])
    assert warning.startswith(
        "Attempting to deploy or update resources with 2 pending operations from previous deployment.\n"
        f"  * {APP}, interrupted while creating\n  * {SECRET}, interrupted while deleting\n"
    )
    assert warning.endswith(
        "Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations."
    )
