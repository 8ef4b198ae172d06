"""Find and read the TOML configuration, and apply a payer profile.

Where settings come from, later ones winning: ``--config FILE``, else ``scrubber.toml`` in
the working directory, else ``[tool.scrubber]`` in its ``pyproject.toml``; then the payer
profile chosen with ``--payer NAME`` (a ``[payers.NAME]`` table); then the command line.

    setting = "facility"
    ignore = ["jw-jz-modifier"]
    push_max_minutes = 15
    hydration_split_added = true

    [severity]
    hierarchy = "warning"

    [min_minutes]
    96365 = 16

    [drug_kinds]
    infliximab = "therapeutic"

    [payers.commercial]
    min_minutes = { 96365 = 31 }

    [payers.medicare]
    match = ["medicare", "part b"]
    jw_jz = true

A profile with ``match`` also applies line by line: a line whose Payer (Insurance, Plan,
Financial Class) cell contains one of its texts, in any case, is checked under it, and the
other lines under the base settings (:mod:`scrubber.payers`). ``--payer NAME`` still forces
one profile on every line.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scrubber.config import Config, ConfigError

#: options whose values are tables: a payer profile merges them key by key.
_TABLES = ("severity", "min_minutes", "drug_kinds")


def find_config(cwd: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The config file in ``cwd`` and its settings table, or None when there is none."""
    cwd = cwd or Path.cwd()
    own = cwd / "scrubber.toml"
    if own.is_file():
        return own, _read(own)
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table = _read(pyproject).get("tool", {}).get("scrubber")
        if isinstance(table, dict):
            return pyproject, table
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None


def load_config(path: str | Path | None = None, *, payer: str | None = None,
                overrides: Mapping[str, Any] | None = None, cwd: Path | None = None) -> Config:
    """The effective configuration.

    Args:
        path: an explicit config file (its top-level table, or ``[tool.scrubber]`` for a
            pyproject.toml); None searches ``cwd``.
        payer: a profile name from the file's ``[payers]`` table.
        overrides: options given on the command line (None values are ignored).
        cwd: where to search (default: the working directory).

    Raises:
        ConfigError: unreadable file, unknown option, unknown payer, bad value; the message
            names the file and the key.
    """
    if path is not None:
        source = Path(path)
        table = _read(source)
        if source.name == "pyproject.toml":
            table = table.get("tool", {}).get("scrubber", {})
    else:
        found = find_config(cwd)
        source, table = found if found else (None, {})
    return config_from_table(table, payer=payer, overrides=overrides,
                             where=f"{source}: " if source else "")


def config_from_table(table: Mapping[str, Any], *, payer: str | None = None,
                      overrides: Mapping[str, Any] | None = None, where: str = "") -> Config:
    """The effective configuration from a config file's table (options, ``[payers]``),
    as a file gives it or as the Excel add-in reads it from its settings sheet.

    Raises:
        ConfigError: unknown option, unknown payer, bad value; prefixed by ``where``.
    """
    settings = dict(table)
    profiles = settings.pop("payers", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{where}'payers' must be a table of payer profiles")
    if "match" in settings:
        raise ConfigError(f"{where}option 'match' belongs in a [payers.NAME] profile: it says "
                          f"which lines the profile checks")
    if payer is not None:
        if payer not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(f"{where}unknown payer '{payer}'; profiles: {known}")
        settings = _merge(settings, profiles[payer], f"{where}payers.{payer}")
        settings["payer"] = payer
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    settings.update(given)
    base = {k: v for k, v in table.items() if k != "payers"}
    by_line: dict[str, Config] = {}
    try:
        # the options themselves first, so a bad one is named as itself and not as the
        # first payer profile that inherits it
        config = Config.from_mapping(settings)
        _validate(config, "")
        for name, profile in profiles.items():  # every profile is checked, chosen or not
            try:
                merged = _merge(base, profile, f"payers.{name}")
                _validate(Config.from_mapping(merged), "")
                if payer is None and merged.get("match"):  # applied line by line
                    by_line[name] = Config.from_mapping({**merged, **given, "payer": name})
            except (ConfigError, TypeError) as exc:
                raise ConfigError(f"payers.{name}: {exc}") from None
    except (ConfigError, TypeError) as exc:
        raise ConfigError(f"{where}{exc}") from None
    return replace(config, payers=by_line) if by_line else config


def _validate(config: Config, label: str) -> None:
    """Rule names in select, ignore and severity must exist."""
    from scrubber.rules import selected_rules

    try:
        selected_rules(config)
    except ConfigError as exc:
        raise ConfigError(f"{label}{exc}") from None


def _merge(base: dict[str, Any], profile: object, label: str) -> dict[str, Any]:
    if not isinstance(profile, dict):
        raise ConfigError(f"{label} must be a table")
    if "payers" in profile:
        raise ConfigError(f"{label}: a payer profile cannot hold other profiles")
    merged = dict(base)
    for key, value in profile.items():
        if key in _TABLES and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
