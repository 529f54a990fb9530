"""What the examples are checked against: the keys the program exports per app, and the stacks' apps."""

from __future__ import annotations

import ast

import yaml

from .paths import REPO_ROOT


def exported_app_keys() -> set[str]:
    """The keys of each app's entry in the ``apps`` output, read from ``__main__.py``'s ``exported[...] = {...}``."""
    tree = ast.parse((REPO_ROOT / "__main__.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Subscript)
            and isinstance(node.targets[0].value, ast.Name)
            and node.targets[0].value.id == "exported"
            and isinstance(node.value, ast.Dict)
        ):
            return {k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    raise AssertionError("__main__.py no longer builds `exported[app] = {...}`")


def stack_app_names(stack: str) -> set[str]:
    """The app keys of ``apps`` for a committed stack (``kustomer:apps[*].app``)."""
    config = yaml.safe_load((REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {app["app"] for app in config["kustomer:apps"]}
