"""The workflow's config check: the JSON schema (filling its defaults, as Snakemake's ``validate``
does) and the rules the schema cannot express. Every refusal is a :class:`ConfigError` whose
message starts with the config path of the offending key, e.g. ``datasets.my.families[0]: ...``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

# A split or mixture's fractions must sum to 1 within this (numpy.isclose's defaults).
REL_TOL, ABS_TOL = 1e-5, 1e-8
MAX_SHOWN = 120


class ConfigError(ValueError):
    """A config the workflow refuses; the message starts with the key's path."""


def key_path(parts: Iterable[str | int]) -> str:
    """``datasets.my.families[0]`` from ``["datasets", "my", "families", 0]``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(config)"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _validator(schema: dict):
    """A Draft 2020-12 validator that sets each property's schema ``default`` where the key is
    absent (the jsonschema FAQ recipe that ``snakemake.utils.validate(set_default=True)`` uses)."""
    from jsonschema import Draft202012Validator, validators

    validate_properties = Draft202012Validator.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        for name, subschema in properties.items():
            if "default" in subschema and isinstance(instance, dict):
                instance.setdefault(name, subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(Draft202012Validator, {"properties": set_defaults})(schema)


def _schema_message(error) -> str:
    """One schema error as ``path: problem``; the schema itself is never printed."""
    path = list(error.absolute_path)
    allowed = sorted(error.schema.get("properties", {}))
    extra = (
        [k for k in error.instance if k not in allowed]
        if error.validator == "additionalProperties" and isinstance(error.instance, dict)
        else []
    )
    if extra:
        known = f"; allowed: {', '.join(map(repr, allowed))}" if allowed else ""
        return f"{key_path([*path, extra[0]])}: unknown key ({extra[0]!r} was unexpected){known}"
    if error.validator == "required":
        name = error.message.split("'")[1] if "'" in error.message else "?"
        return f"{key_path([*path, name])}: required key is missing"
    if "propertyNames" in error.schema_path:
        name = error.instance
        if error.validator == "enum":
            allowed = ", ".join(map(str, error.validator_value))
            return f"{key_path([*path, name])}: {name!r} is not one of the known names: {allowed}"
        if error.validator == "anyOf":  # known names, or names of a pattern
            forms = [
                ", ".join(map(str, form["enum"])) if "enum" in form else f"/{form['pattern']}/"
                for form in error.validator_value
            ]
            allowed = " or ".join(forms)
            return f"{key_path([*path, name])}: {name!r} is not one of the known names: {allowed}"
        return f"{key_path([*path, name])}: {name!r} is not allowed as a name here"
    if error.validator == "enum":
        allowed = ", ".join(map(repr, error.validator_value))
        return f"{key_path(path)}: {_shown(error.instance)} is not one of {allowed}"
    if error.validator in ("anyOf", "oneOf"):
        return f"{key_path(path)}: {_shown(error.instance)} matches none of the allowed forms"
    if error.validator == "type":
        wanted = error.validator_value
        return f"{key_path(path)}: {_shown(error.instance)} is not of type {wanted!r}"
    message = error.message
    if len(message) > 2 * MAX_SHOWN:
        message = message[: 2 * MAX_SHOWN - 3] + "..."
    return f"{key_path(path)}: {message}"


def check_schema(config: dict, schema: dict) -> None:
    """Validate ``config`` against ``schema``, filling in the schema's defaults."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator(schema).iter_errors(config))
    if error is not None:
        raise ConfigError(_schema_message(error))


def _sums_to_one(path: list, fractions: dict, what: str) -> None:
    total = sum(fractions.values())
    if not math.isclose(total, 1.0, rel_tol=REL_TOL, abs_tol=ABS_TOL):
        terms = " + ".join(f"{k} {v}" for k, v in fractions.items())
        raise ConfigError(f"{key_path(path)}: {what} sum to {total:g} ({terms}), not 1")


def _known(path: list, name: str, known: Sequence[str], what: str) -> None:
    if name not in known:
        raise ConfigError(
            f"{key_path(path)}: {name!r} is not a configured {what}; known: {', '.join(known)}"
        )


def check_semantics(config: dict) -> None:
    """The rules the schema cannot express (``config`` already passed the schema)."""
    from mmoe.families.imported import is_imported

    families, datasets = list(config["families"]), list(config["datasets"])
    schemes, main = config["schemes"], config["main_scheme"]
    if main not in schemes:
        raise ConfigError(f"main_scheme: {main!r} is not among schemes ({', '.join(schemes)})")
    for family, cfg in config["families"].items():
        if main not in cfg.get("schemes", schemes):
            raise ConfigError(
                f"families.{family}.schemes: {cfg['schemes']} must include the main scheme {main!r}"
            )
    for name, cfg in config["datasets"].items():
        for i, family in enumerate(cfg["families"]):
            _known(["datasets", name, "families", i], family, families, "family")
        for key, what in (("splits", "split fractions"), ("mixture", "mixture weights")):
            if key in cfg:
                _sums_to_one(["datasets", name, key], cfg[key], what)
        if cfg["format"] == "synthetic":
            missing = [k for k in ("n", "mixture", "splits") if k not in cfg]
            if missing:
                raise ConfigError(
                    f"datasets.{name}.{missing[0]}: required for a synthetic dataset is missing"
                )
        elif "path" not in cfg and "url" not in cfg:
            raise ConfigError(f"datasets.{name}.path: required (or a url) is missing")
        for family in cfg["families"]:
            _check_imported(config, name, family)
    for name in config.get("artifacts", {}).get("files", {}):
        short = name.split("/", 1)[0]
        if short not in config["artifacts"]["commits"]:
            raise ConfigError(
                f"artifacts.files.{name}: its first folder {short!r} is not one of "
                f"artifacts.commits ({', '.join(config['artifacts']['commits']) or 'none'})"
            )
    for group, cfg in config.get("multitask", {}).items():
        for i, family in enumerate(cfg["families"]):
            _known(["multitask", group, "families", i], family, families, "family")
            if is_imported(family):
                raise ConfigError(
                    f"multitask.{group}.families[{i}]: {family!r} is imported: its experts are "
                    "read, not trained, so they cannot be pooled"
                )
        for i, dataset in enumerate(cfg["datasets"]):
            path = ["multitask", group, "datasets", i]
            _known(path, dataset, datasets, "dataset")
            runs = config["datasets"][dataset]["families"]
            missing = [f for f in cfg["families"] if f not in runs]
            if missing:
                raise ConfigError(
                    f"{key_path(path)}: dataset {dataset!r} does not run the group's "
                    f"famil{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)} "
                    f"(its families: {', '.join(runs)})"
                )


def _check_imported(config: dict, dataset: str, family: str) -> None:
    """An imported family names a file for every model a dataset that runs it needs."""
    from mmoe.families.imported import SINGLE_MODEL, is_imported
    from mmoe.interactions import scheme_experts

    if not is_imported(family):
        return
    cfg = config["families"][family]
    files = cfg["params"]["files"].get(dataset, {})
    schemes = cfg.get("schemes", config["schemes"])
    for key, values in (("schemes", schemes), ("seeds", cfg.get("seeds", config["seeds"]))):
        if len(values) != 1:
            raise ConfigError(
                f"families.{family}.{key}: an imported family reads one set of files, so it runs "
                f"one of them, not {values} (set e.g. `{key}: [{values[0]}]`)"
            )
    roles = [SINGLE_MODEL, *dict.fromkeys(t for s in schemes for t in scheme_experts(s)), "fuser"]
    missing = [role for role in roles if role not in files]
    if missing:
        raise ConfigError(
            f"families.{family}.params.files.{dataset}.{missing[0]}: required (dataset "
            f"{dataset!r} runs {family!r}: a file for each of {', '.join(roles)}) is missing"
        )


def check_config(config: dict, schema: str | Path | dict) -> None:
    """The workflow's whole config check (run by workflow/rules/common.smk before any job):
    the schema, with its defaults filled into ``config``, then :func:`check_semantics`."""
    if not isinstance(schema, dict):
        schema = yaml.safe_load(Path(schema).read_text())
    if not isinstance(config, dict):
        raise ConfigError(f"(config): expected a mapping of keys, got {type(config).__name__}")
    check_schema(config, schema)
    check_semantics(config)
