"""``SemVer``: the ``semver`` package's parsing and precedence, with Kustomer's rules on top."""

from __future__ import annotations

import pytest
import semver

from kustomer_provider.versions import SemVer


@pytest.mark.parametrize(
    "text",
    ["1.0.0+build.5", "1.0.0-rc.1+sha.abc", "1.0.0\n", " 1.0.0", "01.0.0", "1.0", "1.0.0-01", "\u0661.0.0", "1.0.0-"],
)
def test_what_kustomer_refuses_is_refused_even_where_semver_allows_it(text: str) -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        SemVer.parse(text)


def test_build_metadata_is_the_rule_on_top_of_semver() -> None:
    assert semver.Version.parse("1.0.0+build.5")  # semver 2.0.0 allows it; Kustomer's versions never carry it
    with pytest.raises(ValueError):
        SemVer.parse("1.0.0+build.5")


def test_not_text_is_refused_with_the_same_message() -> None:
    with pytest.raises(ValueError, match="got 5"):
        SemVer.parse(5)


@pytest.mark.parametrize(
    ("versions", "newest"),
    [
        (["1.0.0-rc.2", "1.0.0", "1.0.0-rc.10"], "1.0.0"),
        (["2.0.0-alpha", "1.9.9"], "2.0.0-alpha"),
        (["1.0.0-beta.11", "1.0.0-beta.2"], "1.0.0-beta.11"),
    ],
)
def test_the_newest_registered_version_is_found_by_precedence(versions: list[str], newest: str) -> None:
    assert max(versions, key=SemVer.parse) == newest


def test_suggestions_are_the_next_release_and_the_next_major() -> None:
    assert str(SemVer.parse("1.4.0-rc.1").next_patch()) == "1.4.0"
    assert str(SemVer.parse("1.4.2").next_patch()) == "1.4.3"
    assert str(SemVer.parse("1.4.2-rc.1").next_major()) == "2.0.0"
    assert isinstance(SemVer.parse("1.4.2").next_patch(), SemVer)


@pytest.mark.parametrize(
    ("lower", "higher"),
    [("1.0.0", "1.0.1"), ("1.0.0-beta", "1.0.0"), ("1.0.0-alpha", "1.0.0-beta"), ("1.9.0", "1.10.0"),
     ("1.0.0-2", "1.0.0-10"), ("1.0.0-rc.1", "1.0.0-rc.1.1"), ("0.9.9", "1.0.0")],
)  # fmt: skip
def test_semver_precedence(lower: str, higher: str) -> None:
    assert SemVer.parse(lower) < SemVer.parse(higher)
    assert str(SemVer.parse(lower)) == lower
