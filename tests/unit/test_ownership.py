"""``ownership``: the owner marker written into a definition, read back from any answer, and judged."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.answers import AvailableApp
from kustomer_provider.app_inputs import PrivateAppInputs
from kustomer_provider.fields import hidden_character
from kustomer_provider.input_validation import validate_inputs
from kustomer_provider.ownership import OwnerView, marker_of, newest, owner_marker, with_marker

ORG = "0123456789abcdef01234567"
MINE = owner_marker("kustomer", "dev", "link")
THEIRS = owner_marker("kustomer", "staging", "link")
DEFINITION = {"app": "link", "version": "1.0.0", "title": "Link", "visibility": "private", "redirectUris": []}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=12,
)


def registered(definition: dict[str, Any], version: str = "1.0.0") -> AvailableApp:
    """A version as Kustomer answers it: the definition, plus what it adds."""
    name = f"link_{ORG}"
    attributes = {**definition, "version": version, "name": name, "clientId": "cid", "auth": {}}
    return AvailableApp.from_resource({"type": "available_app", "id": f"{name}-{version}", "attributes": attributes})


def test_the_marker_names_project_stack_and_resource_and_goes_into_meta() -> None:
    assert MINE == "kustomer/dev/link"
    assert with_marker(DEFINITION, MINE)["meta"] == {"pulumiOwner": MINE}
    assert with_marker({**DEFINITION, "meta": {"team": "a"}}, MINE)["meta"] == {"team": "a", "pulumiOwner": MINE}
    assert with_marker(DEFINITION, None) == DEFINITION
    assert with_marker({**DEFINITION, "meta": "free text"}, MINE)["meta"] == "free text"  # nowhere to put it
    assert "meta" not in DEFINITION  # the input is not changed


markers_from_anybody = st.one_of(
    st.text(max_size=30), st.builds("/".join, st.lists(st.text(min_size=1, max_size=8), min_size=3, max_size=4))
)


@given(meta=json_values | st.fixed_dictionaries({"pulumiOwner": markers_from_anybody}))
def test_any_meta_in_an_answer_reads_as_a_well_formed_marker_or_none(meta: Any) -> None:
    found = marker_of(registered({**DEFINITION, "meta": meta}))
    if found is not None:  # only what this provider could have written: it may reach a message
        assert isinstance(meta, dict) and found == meta["pulumiOwner"]
        assert hidden_character(found) is None and len(found) <= 512
        project, stack, resource = found.split("/", 2)
        assert project and stack and resource


@given(meta=st.none() | st.dictionaries(st.text(max_size=12).filter(lambda k: k != "pulumiOwner"), json_values))
def test_a_marker_written_reads_back_and_claims_its_own(meta: dict[str, Any] | None) -> None:
    definition = dict(DEFINITION) if meta is None else {**DEFINITION, "meta": meta}
    version = registered(with_marker(definition, MINE))
    assert marker_of(version) == MINE
    assert OwnerView.of(MINE).claim(version, definition).kind == "own"
    assert OwnerView.of(MINE).claim(version, definition).same_definition
    assert OwnerView.of(THEIRS).claim(version, definition).kind == "other"
    assert OwnerView.of(THEIRS, handed_over=MINE).claim(version, definition).kind == "handed_over"


def test_a_claim_compares_the_definition_beside_the_marker() -> None:
    version = registered(with_marker(DEFINITION, MINE))
    assert not OwnerView.of(MINE).claim(version, {**DEFINITION, "title": "Other"}).same_definition
    unmarked = registered(DEFINITION)
    claim = OwnerView.of(MINE).claim(unmarked, DEFINITION)
    assert (claim.kind, claim.marker, claim.same_definition) == ("unmarked", None, True)


def test_the_newest_version_says_who_manages_the_app() -> None:
    versions = [
        registered(with_marker(DEFINITION, MINE), "1.0.0"),
        registered(with_marker(DEFINITION, THEIRS), "1.10.0"),
        registered(DEFINITION, "1.9.0"),
    ]
    assert newest(versions) is versions[1]  # semver precedence, not text
    found = OwnerView.of(MINE).manager_elsewhere(versions)
    assert found is not None and found[1] == THEIRS
    assert OwnerView.of(MINE, THEIRS).manager_elsewhere(versions) is None  # its former marker
    assert OwnerView.of(MINE, handed_over=THEIRS).manager_elsewhere(versions) is None
    assert OwnerView.of(THEIRS).manager_elsewhere(versions[:1]) is not None
    assert OwnerView.of(MINE).manager_elsewhere([registered(DEFINITION)]) is None  # unmarked: nobody says


def test_same_app_takes_the_bare_or_namespaced_name() -> None:
    version = registered(DEFINITION)
    assert version.belongs_to("link") and version.belongs_to(f"link_{ORG}")
    assert not version.belongs_to("lin") and not version.belongs_to("link_other")


@given(text=st.text(max_size=40))
def test_a_given_marker_is_valid_or_refused_naming_the_field(text: str) -> None:
    inputs = {"app": "link", "version": "1.0.0", "title": "Link"}
    model, failures = validate_inputs(PrivateAppInputs, {**inputs, "take_over_from": text, "owner_marker": text})
    parts = text.split("/")
    plain = hidden_character(text) is None and len(text) >= 5
    if model is not None:
        assert len(parts) >= 3 and all(parts[:2]) and "/".join(parts[2:]) and plain
    else:
        assert {f.property for f in failures} <= {"take_over_from", "owner_marker"} and failures
