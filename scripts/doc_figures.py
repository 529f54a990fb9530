"""The figures the docs state about this repository, computed from it: ``scripts/doc-figures``.

In ``README.md`` and ``docs/*.md`` such a figure is written between two HTML comments, invisible once
rendered::

    <!-- fig:hypothesis-properties -->16<!-- /fig --> Hypothesis properties

``scripts/doc-figures`` (``--check``, the default) recomputes every figure and lists each one a doc gets wrong,
or names no figure of that name; ``--write`` puts the computed values in; ``--list`` prints them.
``tests/test_doc_figures.py`` runs the check, so the docs cannot drift from the code. A figure that is a
measurement (a benchmark, a soak, a timing) is not computed here: it is stated with the run it comes from.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

FIGURE = re.compile(r"<!-- fig:(?P<name>[a-z0-9-]+) -->(?P<value>.*?)<!-- /fig -->")


def _number(value: int) -> str:
    return f"{value:,}"


def hypothesis_properties() -> str:
    """Test functions under ``tests/`` decorated with Hypothesis's ``@given``."""
    count = 0
    for path in sorted((REPO_ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _is_given(d) for d in node.decorator_list
            ):
                count += 1
    return _number(count)


def _is_given(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Name) and target.id == "given") or (
        isinstance(target, ast.Attribute) and target.attr == "given"
    )


def _examples(profile: str) -> str:
    from hypothesis import settings

    import tests.conftest  # noqa: F401 (registers the suite's profiles)

    return _number(settings.get_profile(profile).max_examples)


def _bad_input(what: str) -> str:
    from tests import test_bad_input

    total, after = test_bad_input.TABLE_SIZE, test_bad_input.AFTER_A_REQUEST
    return _number({"all": total, "before": total - after, "after": after}[what])


#: Figure name -> how it is computed.
FIGURES: dict[str, Callable[[], str]] = {
    "hypothesis-properties": hypothesis_properties,
    "hypothesis-examples-ci": lambda: _examples("ci"),
    "hypothesis-examples-thorough": lambda: _examples("thorough"),
    "bad-input-cases": lambda: _bad_input("all"),
    "bad-input-before-any-request": lambda: _bad_input("before"),
    "bad-input-after-a-request": lambda: _bad_input("after"),
}


def doc_files() -> list[Path]:
    """The files whose figures are checked: the README and every page under ``docs/``."""
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def check(paths: Iterable[Path], values: dict[str, str], *, write: bool) -> list[str]:
    """The problems of each file's figures (each fixed in place when ``write``)."""
    problems = []
    for path in paths:
        text = path.read_text()
        for match in FIGURE.finditer(text):
            name, stated = match["name"], match["value"]
            line = text.count("\n", 0, match.start()) + 1
            if name not in values:
                problems.append(f"{_shown(path)}:{line}: no figure named {name!r} (known: {', '.join(values)})")
            elif stated != values[name]:
                problems.append(f"{_shown(path)}:{line}: {name} is {stated!r}, the repository gives {values[name]!r}")
        if write:
            fixed = FIGURE.sub(lambda m: m[0] if m["name"] not in values else _figure(m["name"], values), text)
            if fixed != text:
                path.write_text(fixed)
    return problems


def _figure(name: str, values: dict[str, str]) -> str:
    return f"<!-- fig:{name} -->{values[name]}<!-- /fig -->"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/doc-figures", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="report figures the docs get wrong (the default)")
    mode.add_argument("--write", action="store_true", help="put the computed figures into the docs")
    mode.add_argument("--list", action="store_true", help="print every figure and its value")
    parser.add_argument("files", nargs="*", type=Path, help="the docs to check (default: README.md, docs/*.md)")
    args = parser.parse_args(argv)
    values = {name: compute() for name, compute in FIGURES.items()}
    if args.list:
        for name, value in values.items():
            print(f"{name}: {value}")
        return 0
    problems = check(args.files or doc_files(), values, write=args.write)
    for problem in problems:
        print(problem)
    if problems and not args.write:
        print("Run scripts/doc-figures --write to put the repository's figures into the docs.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
