"""Extension points: packages plug into replydesk through Python entry points (``importlib.metadata``).

Every group is declared by a distribution's metadata (``[project.entry-points."replydesk.checks"]`` in its
``pyproject.toml``); replydesk's own parts are declared the same way. Groups and what each entry must be:

==========================  ====================================================================================
``replydesk.commands``      ``register(app: typer.Typer) -> None`` adding commands (keep imports inside commands)
``replydesk.demo``          ``load_demo(db) -> str`` loading demo data (``replydesk demo``)
``replydesk.models``        a module defining SQLAlchemy models on ``replydesk.db.Base`` (imported for metadata)
``replydesk.migrations``    a package holding an Alembic ``versions/`` folder (its own branch)
``replydesk.checks``        a class ``Check(policy)`` with ``rule_id``, ``cost`` and ``__call__(draft, ctx)``
``replydesk.channels``      a factory ``(settings, db) -> Channel`` posting approved replies
``replydesk.drafters``      a factory ``(policy, settings) -> Drafter``
==========================  ====================================================================================

Entries of a group load in name order, replydesk's own first, then other distributions by name. An entry that
fails to import raises :class:`PluginError` naming the entry point and its distribution: a typo is never a silently
missing command or table.
"""

from __future__ import annotations

import importlib.metadata as md
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OWN_DISTRIBUTION = "replydesk"
GROUPS = ("commands", "demo", "models", "migrations", "checks", "channels", "drafters")


class PluginError(RuntimeError):
    """An entry point that cannot be loaded, or a name no installed distribution provides."""


@dataclass(frozen=True)
class Plugin:
    """One entry point of a ``replydesk.*`` group and the distribution that declares it."""

    group: str
    name: str
    value: str
    distribution: str
    version: str
    _entry_point: md.EntryPoint

    @property
    def own(self) -> bool:
        return self.distribution.lower() == OWN_DISTRIBUTION

    def describe(self) -> str:
        return f"entry point {self.name!r} = {self.value!r} in group 'replydesk.{self.group}' of distribution " \
               f"{self.distribution} {self.version}"

    def load(self) -> Any:
        try:
            return self._entry_point.load()
        except Exception as exc:
            raise PluginError(
                f"cannot load {self.describe()}: {type(exc).__name__}: {exc}. Fix the value in that distribution's "
                f"entry points (pyproject.toml [project.entry-points.\"replydesk.{self.group}\"]) and reinstall it, "
                f"or uninstall {self.distribution}.") from exc


_lock = threading.Lock()
_cache: dict[str, list[Plugin]] = {}
_installed: md.EntryPoints | None = None  # every distribution's entry points, read once per process (~10 ms a scan)


def _check_group(group: str) -> None:
    if group not in GROUPS:
        raise ValueError(f"unknown plugin group {group!r}; known: {', '.join(GROUPS)}")


def plugins(group: str) -> list[Plugin]:
    """The entry points of ``replydesk.<group>`` (not loaded), replydesk's own first, each part in name order.
    Two distributions declaring the same name is an error naming both."""
    global _installed
    _check_group(group)
    with _lock:
        if group not in _cache:
            if _installed is None:
                _installed = md.entry_points()
            found: dict[str, Plugin] = {}
            for ep in _installed.select(group=f"replydesk.{group}"):
                dist = getattr(ep, "dist", None)
                name = dist.metadata["Name"] if dist is not None else "<unknown distribution>"
                version = dist.version if dist is not None else "?"
                p = Plugin(group, ep.name, ep.value, name, version, ep)
                other = found.get(ep.name)
                if other is not None and (other.distribution, other.value) != (p.distribution, p.value):
                    raise PluginError(f"two distributions declare {ep.name!r} in group 'replydesk.{group}': "
                                      f"{other.distribution} ({other.value}) and {p.distribution} ({p.value}); "
                                      f"uninstall one or rename its entry point")
                found[ep.name] = p
            _cache[group] = sorted(found.values(), key=lambda p: (not p.own, p.distribution.lower(), p.name))
        return list(_cache[group])


def refresh() -> None:
    """Forget the entry points read so far (after installing a distribution in a running process)."""
    global _installed
    with _lock:
        _cache.clear()
        _installed = None


def load_all(group: str) -> list[tuple[str, Any]]:
    """``(name, loaded object)`` for every entry of the group, in order; the first that fails raises."""
    return [(p.name, p.load()) for p in plugins(group)]


def load(group: str, name: str) -> Any:
    """The loaded entry ``name`` of the group; an unknown name is an error listing the installed ones."""
    for p in plugins(group):
        if p.name == name:
            return p.load()
    names = ", ".join(p.name for p in plugins(group)) or "none"
    raise PluginError(f"no {group[:-1] if group.endswith('s') else group} named {name!r} in entry point group "
                      f"'replydesk.{group}' (installed: {names}); install the distribution that provides it or "
                      f"fix the name")


def package_folder(module: Any, sub: str, plugin: Plugin | None = None) -> Path:
    """``<package folder>/<sub>`` of a loaded package (regular or namespace); an error if it does not exist."""
    paths = [Path(p) for p in getattr(module, "__path__", [])]
    if not paths and getattr(module, "__file__", None):
        paths = [Path(module.__file__).parent]
    for base in paths:
        if (base / sub).is_dir():
            return base / sub
    where = plugin.describe() if plugin is not None else getattr(module, "__name__", module)
    raise PluginError(f"{where}: no {sub}/ folder in {', '.join(map(str, paths)) or 'the package'}; point the entry "
                      f"point at the package that holds {sub}/")


def migration_folders() -> list[Path]:
    """The Alembic ``versions/`` folder of every ``replydesk.migrations`` entry."""
    return [package_folder(p.load(), "versions", p) for p in plugins("migrations")]
