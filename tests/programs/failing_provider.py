"""A test program whose dynamic provider fails where its config says, to see how each failure is printed.

Config ``test:failOn``: ``create``, ``update``, ``delete``, ``read``, ``diff``, ``check`` (Check raises) or
``check-failures`` (Check returns two failures); ``test:size`` is an input that changes to make an update;
``test:programFails`` makes the program itself raise (``error``) or raise ``pulumi.RunError`` (``run-error``).
Its provider logs one warning per create through ``pulumi.log``.
"""

from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)


def _fail(props: dict[str, Any], operation: str) -> None:
    if props.get("fail_on") == operation:
        raise RuntimeError(f"{operation} failed: boom\nand a second line   ")


class FlakyProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        _fail(news, "check")
        if news.get("fail_on") == "check-failures":
            return CheckResult(news, [CheckFailure("size", "must be small"), CheckFailure("", "is wrong as a whole")])
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        _fail(news, "diff")
        return DiffResult(changes=olds.get("size") != news.get("size"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        pulumi.log.warn(f"creating {props['label']}")
        _fail(props, "create")
        return CreateResult(f"id-{props['label']}", props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _fail(news, "update")
        return UpdateResult(news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        _fail(props, "read")
        return ReadResult(id_, props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _fail(props, "delete")


class Flaky(Resource):
    def __init__(self, name: str, props: dict[str, Any]) -> None:
        super().__init__(FlakyProvider(), name, props)


config = pulumi.Config("test")
if config.get("programFails") == "error":
    raise ValueError("the program's own mistake")
if config.get("programFails") == "run-error":
    raise pulumi.RunError("a problem the program explains itself")
thing = Flaky("thing", {"label": "thing", "fail_on": config.get("failOn"), "size": config.get_int("size") or 1})
pulumi.export("label", thing.label)  # type: ignore[attr-defined]
