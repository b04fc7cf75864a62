"""Loading plugins and looking up what they contribute (``Registry``, ``get_plugin_manager``): a public import path.

A thin re-export of :mod:`nnbench.contract.plugins`, where the code lives, kept as the stable path plugin
authors import (``from nnbench.plugins import ...``). Not deprecated: no warning is raised.
"""

from nnbench.contract.plugins import (
    BUILTIN_PLUGINS,
    ENTRY_POINT_GROUP,
    PluginWarning,
    PluginInfo,
    Registry,
    get_plugin_manager,
    registry_for,
    trainer_rows,
    plugin_rows,
)

__all__ = [
    "BUILTIN_PLUGINS", "ENTRY_POINT_GROUP", "PluginWarning", "PluginInfo", "Registry", "get_plugin_manager",
    "registry_for", "trainer_rows", "plugin_rows",
]
