"""datasette-render-markdown with its per-cell configuration lookup done once per table.

datasette-dashboards needs datasette-render-markdown (its markdown charts use
the plugin's ``render_markdown`` template function). The plugin's
``render_cell`` hook renders only the columns its configuration names
(``*_markdown`` by default; dcradar has none), but it asks Datasette for that
configuration on every string cell of every table page, and
``Datasette.plugin_config`` merges metadata each time: ~50 µs a cell, 30-60 ms
of a 50-row projects page. This module stands in for the plugin (same hooks,
same output): the configuration is read once per Datasette instance and
table, and cells of other columns return at once. ``swap_in`` makes the
switch, from ``pipeline.serve.register_plugin``. (The answer is cached per
column: a configuration edited while Datasette runs applies after a restart.)
"""

from __future__ import annotations

import sys
import weakref
from fnmatch import fnmatch
from typing import Any

import datasette_render_markdown as original
from datasette import hookimpl

# The plugin's other hooks, registered with this module as they are.
extra_template_vars = original.extra_template_vars
prepare_jinja2_environment = original.prepare_jinja2_environment

_PLUGIN = "datasette-render-markdown"
_wanted: weakref.WeakKeyDictionary[Any, dict[tuple, bool]] = weakref.WeakKeyDictionary()


def _converts(datasette: Any, database: str | None, table: str | None, column: str) -> bool:
    """Whether the plugin converts this column, as it reads its configuration (cached)."""
    per_table = _wanted.setdefault(datasette, {})
    key = (database, table, column)
    if key not in per_table:
        config = datasette.plugin_config(_PLUGIN, database=database, table=table) or {}
        patterns = config.get("patterns")
        patterns = ["*_markdown"] if patterns is None else patterns
        per_table[key] = column in (config.get("columns") or ()) or \
            any(fnmatch(column, p) for p in patterns)
    return per_table[key]


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str | None,
                datasette: Any) -> Any:
    if isinstance(value, str) and _converts(datasette, database, table, column):
        return original.render_cell(value, column, table, database, datasette)
    return None


def swap_in(pm: Any) -> None:
    """Replace the registered plugin module by this one (idempotent; nothing to do when
    the plugin is not registered)."""
    if pm.is_registered(original):
        name = pm.get_name(original)
        pm.unregister(original)
        pm.register(sys.modules[__name__], name=name)
