"""The package's layers (README, "Layout"): every import points down, so there is no cycle.

Read from the source with ``ast``: every ``import classify...`` / ``from classify... import``,
including the ones inside functions (the lazy imports that keep the prediction path light),
must name a module of a lower layer than the importing one. A new module must be placed in
:data:`LAYERS` (the test fails until it is), which is how the layering stays written down.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "classify"

#: Bottom up. A module may import only modules of lower layers.
LAYERS: list[list[str]] = [
    # 0: no project imports (the label schema, errors, paths, storage, lexicon data, periods)
    [
        "classify.errors",
        "classify.schema",
        "classify.paths",
        "classify.storage",
        "classify.lexicon",
        "classify.periods",
        "classify.pages",
    ],
    # 1: text and records
    ["classify.text", "classify.io", "classify.corpus"],
    # 2: the lexicon index, label files, byte-range partitions, topic documents
    ["classify.lexindex", "classify.labels", "classify.partitions", "classify.topics.prep"],
    # 3: the compiled prediction object; the topic embedder and the BERTopic boundary
    ["classify.compiled", "classify.topics.embedder", "classify.topics.bertopic_api"],
    # 4: training features; one bundle directory; the topic model
    ["classify.features", "classify.bundle", "classify.topics.model"],
    # 5: estimators; the version registry; the topics package
    ["classify.models", "classify.registry", "classify.topics"],
    # 6: the predictor (Tags, JSON)
    ["classify.predictor"],
    # 7: what uses models and the predictor: training, active learning, evaluation, tagging,
    #    emerging terms, the drift HTML report, the trends report
    [
        "classify.train",
        "classify.active",
        "classify.evaluation",
        "classify.tagging",
        "classify.terms",
        "classify.report",
        "classify.trends_report",
    ],
    # 8: the Dask engine, topic drift, sector/tone trends
    ["classify.engine_dask", "classify.drift", "classify.trends", "classify.serve"],
    # 9: the front door (classify/__init__: lazy exports)
    ["classify"],
    # 10..13: the command line
    ["classify.cli.common"],
    [
        "classify.cli.corpus",
        "classify.cli.tag",
        "classify.cli.train",
        "classify.cli.labels",
        "classify.cli.models",
        "classify.cli.topics",
        "classify.cli.trends",
        "classify.cli.serve",
    ],
    ["classify.cli"],
    ["classify.cli.__main__"],
]
LAYER = {m: i for i, ms in enumerate(LAYERS) for m in ms}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = p.relative_to(PKG.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules imported anywhere in the file (``from classify import x`` -> classify.x)."""
    found: set[str] = set()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                names.append(sub if sub in modules else node.module)
        for n in names:
            if n == "classify" or n.startswith("classify."):
                m = owner(n)
                if m:
                    found.add(m)
    return found


def test_every_module_has_a_layer() -> None:
    missing = sorted(set(_modules()) - set(LAYER))
    assert not missing, f"place these modules in tests/test_layers.py LAYERS: {missing}"
    assert not sorted(set(LAYER) - set(_modules())), "LAYERS names modules that do not exist"


def test_imports_point_down_the_layers() -> None:
    modules = _modules()
    wrong = []
    for name, path in sorted(modules.items()):
        for dep in sorted(_imports(path, modules) - {name}):
            # a package's __init__ and its own submodules: the package sits above them
            if LAYER[dep] >= LAYER[name]:
                wrong.append(f"{name} (layer {LAYER[name]}) imports {dep} (layer {LAYER[dep]})")
    assert not wrong, "imports that do not point down:\n" + "\n".join(wrong)
