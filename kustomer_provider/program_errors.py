"""A program's refusals of its stack config, as the Python language host prints them: the message alone.

The language host (``pulumi-language-python-exec``) reports an exception the program raises as "Program failed
with an unhandled exception:" and its traceback, except a ``pulumi.RunError``, which it prints as its message alone
(``except pulumi.RunError as e: pulumi.log.error(str(e))``). A problem of the stack config (a bad
``kustomer:apps`` item, a NaN in a definition, an API key in plaintext, an org name that is no subdomain) is
anticipated, and its message names the key and the fix: :class:`StackConfigError` is both a
:class:`~kustomer_provider.errors.KustomerConfigError` and a ``pulumi.RunError``, and :func:`stack_config_errors`
turns each ``KustomerConfigError`` raised inside it into one.

Apart from :mod:`~kustomer_provider.stack_config`, which raises the plain ``KustomerConfigError``: the inventory
command reads its models and never loads pulumi (an import contract), and the error tree stays pulumi-free too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pulumi

from .errors import KustomerConfigError

__all__ = ["StackConfigError", "stack_config_errors"]


class StackConfigError(KustomerConfigError, pulumi.RunError):
    """A problem of the stack config, found by the program: the language host prints its message alone."""


@contextmanager
def stack_config_errors() -> Iterator[None]:
    """Inside, a :class:`~kustomer_provider.errors.KustomerConfigError` becomes a :class:`StackConfigError` with
    the same message and key, so that the user reads the message and not a traceback."""
    try:
        yield
    except StackConfigError:
        raise
    except KustomerConfigError as problem:
        raise StackConfigError(str(problem), key=problem.key) from problem
