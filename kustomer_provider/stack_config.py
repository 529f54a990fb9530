"""The program's stack configuration: the ``kustomer:apps`` and ``kustomer:registeredClients`` lists, validated
before any resource exists.

Pulumi's project schema (``Pulumi.yaml``) types config only as string, integer, boolean or array, so
a list of objects cannot be typed there; these models are its schema. Every field is the resource input it feeds
(``app_inputs``, ``platform_inputs``): a value gets the same verdict in the stack file as it would as a resource
argument, and a ``null`` counts as not given in both. An error names the exact key path
(``kustomer:apps[0].redirectUris[1]``) and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

from pydantic import ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from .app_inputs import AppDefinitionInputs, SecretRotationInputs
from .errors import KustomerConfigError
from .fields import Bool, NestedError, RoleString
from .input_validation import InputFailure, path_part, validate_inputs
from .platform_inputs import RegisteredClientInputs

__all__ = [
    "APPS_KEY",
    "REGISTERED_CLIENTS_KEY",
    "AppConfig",
    "RegisteredClientConfig",
    "load_apps",
    "load_registered_clients",
]

APPS_KEY: Final = "kustomer:apps"


class AppConfig(SecretRotationInputs, AppDefinitionInputs):
    """One app of the stack: ``kustomer:apps[i]``. Keys are camelCase, as in the stack file.

    Its fields are the inputs of the app's resources (``KustomerPrivateApp``'s definition and install, then
    ``KustomerAppSecret``'s rotation: the same types, defaults and docs), with the stack's own two after them.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    scopes: Annotated[list[RoleString], Field(max_length=100)] = Field(default_factory=list)
    """The scopes consumers should request (role strings, plus offline_access for refresh tokens)."""
    secret_follows_version: Bool = False
    """Mint a new secret whenever the app moves to a new version."""
    mint_secret: Bool = True
    """Declare a ``KustomerAppSecret`` for the app (mint its client secret). ``false`` for an app adopted with its
    secret in use outside the stack: a mint would revoke that secret, and Kustomer cannot read it back."""

    @model_validator(mode="after")
    def _rotation_needs_a_secret(self) -> AppConfig:
        if not self.mint_secret:
            for name, given in (
                ("rotateAfterDays", self.rotate_after_days is not None),
                ("rotationTriggers", bool(self.rotation_triggers)),
                ("secretFollowsVersion", self.secret_follows_version),
            ):
                if given:
                    raise NestedError(
                        "rotates the app's client secret, which the stack does not hold with mintSecret: false: "
                        f"remove {name}, or set mintSecret: true (the next up then mints a new secret, which "
                        "revokes the one in use)",
                        (name,),
                    )
        return self


def _path(loc: tuple[int | str, ...]) -> str:
    return APPS_KEY + "".join(path_part(part) for part in loc)


def _problem(index: int, failure: InputFailure) -> str:
    message = failure.message
    if failure.kind == "extra_forbidden":
        message = "is not a field of an app (check the spelling; see Pulumi.yaml for the fields)"
    return f"{_path((index, *failure.loc))}: {message}"


def load_apps(get_object: Callable[[str], Any]) -> list[AppConfig]:
    """Read and validate ``kustomer:apps`` (``get_object`` is ``pulumi.Config("kustomer").get_object``)."""
    raw = get_object("apps")
    if raw is None:
        raise KustomerConfigError(
            f"{APPS_KEY} is not set: give the stack at least one app, for example\n"
            "  pulumi config set --path 'apps[0].app' my_app\n"
            "  pulumi config set --path 'apps[0].version' 1.0.0\n"
            "  pulumi config set --path 'apps[0].title' 'My app'"
        )
    if not isinstance(raw, list) or not raw:
        raise KustomerConfigError(f"{APPS_KEY} must be a non-empty list of apps; got {type(raw).__name__}")
    apps: list[tuple[int, AppConfig]] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            problems.append(f"{_path((index,))}: must be a map of an app's fields (app, version, title, ...)")
            continue
        # Stack config holds no unknowns: every value is judged as it is.
        app, failures = validate_inputs(AppConfig, item, allow_unknown=False)
        problems += [_problem(index, failure) for failure in failures]
        if app is not None:
            apps.append((index, app))
    seen: dict[str, int] = {}
    for index, app in apps:
        if app.app in seen:
            problems.append(f"{_path((index, 'app'))}: {app.app!r} is already apps[{seen[app.app]}]")
        seen.setdefault(app.app, index)
    if problems:
        raise KustomerConfigError("Invalid stack config:\n  " + "\n  ".join(problems))
    return [app for _, app in apps]


# ---------------------------------------------------------------------------------------------------
# kustomer:registeredClients: OAuth clients registered by hand on other platforms

REGISTERED_CLIENTS_KEY: Final = "kustomer:registeredClients"
_CONFIG_NAMESPACE: Final = "kustomer:"
#: The resource inputs an item gives, by their camelCase key (``client_secret`` comes from a secret key instead).
_ITEM_FIELDS: Final = {to_camel(name): name for name in RegisteredClientInputs.model_fields if name != "client_secret"}
_CLIENT_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}", re.ASCII)
_CONFIG_KEY: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,127}", re.ASCII)
#: Reads a full config key: ``(its value or None, whether it is a secret)``.
SecretReader = Callable[[str], tuple[str | None, bool]]


@dataclass(frozen=True)
class RegisteredClientConfig:
    """One item of ``kustomer:registeredClients``: its name, the key holding its secret, the resource inputs."""

    name: str
    #: The full config key of the client secret (``kustomer:teamworkClientSecret``).
    secret_key: str
    #: The inputs, validated by the resource's own model; ``client_secret`` in plaintext, for the program to wrap.
    inputs: RegisteredClientInputs = field(repr=False)


def _client_path(loc: tuple[int | str, ...]) -> str:
    return REGISTERED_CLIENTS_KEY + "".join(path_part(part) for part in loc)


def _as_written(input_name: str, as_given: Mapping[str, str]) -> str:
    """The stack file's key for an input: as the item wrote it, else the input's camelCase name."""
    if input_name in as_given:
        return as_given[input_name]
    return to_camel(input_name) if input_name in RegisteredClientInputs.model_fields else input_name


def _item_problems(
    index: int, item: Mapping[str, Any], read_secret: SecretReader
) -> tuple[list[str], RegisteredClientConfig | None]:
    problems: list[str] = []
    name = item.get("name")
    if not isinstance(name, str) or _CLIENT_NAME.fullmatch(name) is None:
        problems.append(
            f"{_client_path((index, 'name'))}: is required: the client's name in the stack outputs (letters, digits, "
            "'_' and '-', starting with a letter), such as 'teamwork_desk'"
        )
    for plaintext in ("clientSecret", "client_secret"):
        if plaintext in item:
            problems.append(
                f"{_client_path((index, plaintext))}: must not be in the stack file: store the secret encrypted "
                "(`pulumi config set --secret kustomer:<key> <secret>`) and name the key in clientSecretKey"
            )
    key = item.get("clientSecretKey")
    secret_key = None
    if not isinstance(key, str) or _CONFIG_KEY.fullmatch(key.removeprefix(_CONFIG_NAMESPACE)) is None:
        problems.append(
            f"{_client_path((index, 'clientSecretKey'))}: is required: the name of the secret config key that holds "
            "the client secret, such as 'teamworkClientSecret' for kustomer:teamworkClientSecret"
        )
    else:
        secret_key = _CONFIG_NAMESPACE + key.removeprefix(_CONFIG_NAMESPACE)
    # Every other key goes to the resource's model, as Check gets it: camelCase keys by their input's name (the
    # snake_case name is taken too, as kustomer:apps does), anything else as it is, for the model to refuse.
    values: dict[str, Any] = {}
    as_given: dict[str, str] = {}
    for item_key, value in item.items():
        if item_key in ("name", "clientSecretKey", "clientSecret", "client_secret"):
            continue
        input_name = _ITEM_FIELDS.get(item_key, item_key)
        values[input_name] = value
        as_given[input_name] = item_key
    if secret_key is not None:
        secret, is_secret = read_secret(secret_key)
        if secret is None:
            problems.append(
                f"{_client_path((index, 'clientSecretKey'))}: {secret_key} is not set: "
                f"`pulumi config set --secret {secret_key} <the client secret from the platform's dashboard>`"
            )
        elif not is_secret:
            problems.append(
                f"{secret_key} (named by {_client_path((index, 'clientSecretKey'))}) is stored in plaintext in the "
                f"stack file. Store it encrypted: `pulumi config set --secret {secret_key} <secret>`."
            )
        else:
            values["client_secret"] = secret
    # Stack config holds no unknowns: every value is judged as it is, by the resource's own model.
    inputs, failures = validate_inputs(RegisteredClientInputs, values, allow_unknown=False)
    for failure in failures:
        if failure.loc[:1] == ("client_secret",):
            if "client_secret" in values:  # a missing secret is reported above, by its key
                named_by = _client_path((index, "clientSecretKey"))
                problems.append(f"{secret_key} (named by {named_by}): {failure.message}")
            continue
        loc = (_as_written(str(failure.loc[0]), as_given), *failure.loc[1:]) if failure.loc else ()
        message = failure.message
        if failure.kind == "extra_forbidden":
            message = "is not a field of a registered client (check the spelling; see Pulumi.yaml for the fields)"
        problems.append(f"{_client_path((index, *loc))}: {message}")
    if problems or inputs is None or not isinstance(name, str) or secret_key is None:
        return problems, None
    return problems, RegisteredClientConfig(name, secret_key, inputs)


def load_registered_clients(
    get_object: Callable[[str], Any], read_secret: SecretReader
) -> list[RegisteredClientConfig]:
    """Read and validate ``kustomer:registeredClients`` (optional: none is an empty list).

    ``get_object`` is ``pulumi.Config("kustomer").get_object``; ``read_secret`` reads a full config key and says
    whether it is a secret (the program: ``config.get`` and ``pulumi.runtime.is_config_secret``). Every item is
    judged by ``RegisteredOAuthClient``'s own model, its failures named by the stack file's key path
    (``kustomer:registeredClients[0].redirectUris[1]``); a secret stored in plaintext is refused.
    """
    raw = get_object("registeredClients")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise KustomerConfigError(f"{REGISTERED_CLIENTS_KEY} must be a list of clients; got {type(raw).__name__}")
    clients: list[RegisteredClientConfig] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            problems.append(f"{_client_path((index,))}: must be a map of a client's fields (name, platform, ...)")
            continue
        found, client = _item_problems(index, item, read_secret)
        problems += found
        if client is not None:
            if client.name in seen:
                first = seen[client.name]
                where = _client_path((index, "name"))
                problems.append(f"{where}: {client.name!r} is already registeredClients[{first}]")
            seen.setdefault(client.name, index)
            clients.append(client)
    if problems:
        raise KustomerConfigError("Invalid stack config:\n  " + "\n  ".join(problems))
    return clients
