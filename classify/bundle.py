"""Model bundles (SPEC §4): written atomically, verified on load.

A bundle is a directory holding the compiled model (``model.npz`` + ``model.json``, see
:mod:`classify.compiled`: every fitted parameter prediction needs, and the lexicon index the
model was trained with), ``model.joblib`` (the fitted scikit-learn
:class:`~classify.models.Classifier`, for inspection and experiments only), ``manifest.json``
(label set, guideline version, training-data hash and counts, package versions,
cross-validated metrics, sha256 per file) and ``MODEL_CARD.md``.

Trust model: loading for prediction reads only the compiled copy (numpy arrays with
``allow_pickle=False`` and JSON), so it runs no code from the bundle. joblib/pickle does run
code: :func:`load_estimator` unpickles ``model.joblib`` only when asked, for bundles you
trust. The sha256 check catches corruption and truncation, not a malicious bundle whose
manifest was rewritten to match.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classify import storage
from classify.compiled import ARRAYS_FILE, META_FILE, CompiledClassifier
from classify.errors import ClassifyError
from classify.schema import GUIDELINE_VERSION, SECTORS, TONES

__all__ = [
    "MODEL_FILE",
    "MANIFEST",
    "CARD",
    "FORMAT_VERSION",
    "BundleError",
    "PACKAGES",
    "package_versions",
    "write_bundle",
    "read_manifest",
    "verify",
    "load_bundle",
    "load_estimator",
    "bundle_id",
    "reexport",
]

MODEL_FILE = "model.joblib"
MANIFEST = "manifest.json"
CARD = "MODEL_CARD.md"
#: 1: pickled estimators + pickle-free copy; 2: the compiled model (with its lexicon) is the model.
FORMAT_VERSION = 2


class BundleError(ClassifyError):
    """A bundle that is missing, incomplete, tampered with or for another label set."""


#: The distributions whose versions a bundle manifest records.
PACKAGES = ("classify", "scikit-learn", "numpy", "scipy", "joblib", "rjieba", "jieba")


def package_versions() -> dict[str, str]:
    """Python's and :data:`PACKAGES`' versions (recorded in every manifest)."""
    return storage.package_versions(PACKAGES)


def write_bundle(out_dir: str | Path, classifier: Any, manifest: dict, card: str) -> Path:
    """Write a bundle atomically: everything goes to a temp dir beside ``out_dir``, then renames.

    ``classifier`` is a fitted :class:`~classify.models.Classifier` (compiled and pickled) or a
    :class:`~classify.compiled.CompiledClassifier` (a re-export: no pickle is written).
    An interrupted write leaves the previous bundle (if any) untouched.
    """

    def fill(tmp: Path) -> None:
        if isinstance(classifier, CompiledClassifier):
            names = classifier.save(tmp)
        else:
            import joblib

            names = classifier.compile().save(tmp)
            joblib.dump(classifier, tmp / MODEL_FILE, compress=3)
            names.append(MODEL_FILE)
        (tmp / CARD).write_text(card, encoding="utf-8")
        names.append(CARD)
        full = {
            "format_version": FORMAT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "labels": {
                "sectors": list(SECTORS),
                "tones": list(TONES),
                "guidelines": GUIDELINE_VERSION,
            },
            "packages": package_versions(),
            **manifest,
            "files": storage.file_hashes(tmp, names),
        }
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(full, fh, ensure_ascii=False, indent=2)

    return storage.write_dir_atomic(out_dir, fill)


def read_manifest(bundle_dir: str | Path) -> dict:
    path = Path(bundle_dir) / MANIFEST
    if not path.is_file():
        raise BundleError(f"not a model bundle (no {MANIFEST}): {bundle_dir}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BundleError(f"unreadable manifest in {bundle_dir}: {e}") from e


def verify(bundle_dir: str | Path) -> dict:
    """Check every file's sha256 and the label set against this code; return the manifest."""
    d = Path(bundle_dir)
    man = read_manifest(d)
    files = man.get("files")
    if not isinstance(files, dict) or ARRAYS_FILE not in files or META_FILE not in files:
        raise BundleError(
            f"manifest in {d} lists no compiled model ({ARRAYS_FILE} + {META_FILE}): "
            "retrain it with this version"
        )
    storage.verify_files(d, files, BundleError, what="bundle")
    labels = man.get("labels", {})
    if labels.get("sectors") != list(SECTORS) or labels.get("tones") != list(TONES):
        raise BundleError(
            f"bundle {d} was trained for another label set (sectors/tones differ from guidelines {GUIDELINE_VERSION})"
        )
    if labels.get("guidelines") != GUIDELINE_VERSION:
        raise BundleError(
            f"bundle {d} uses guidelines {labels.get('guidelines')}, this code expects {GUIDELINE_VERSION}"
        )
    return man


def load_bundle(bundle_dir: str | Path) -> tuple[CompiledClassifier, dict, Path]:
    """Verify, then load the compiled model of one bundle directory (no pickle).

    Returns (compiled classifier, manifest, bundle directory); raises :class:`BundleError`
    clearly. A model *name* directory (versions + ``CURRENT``) is resolved by
    :func:`classify.registry.load`, which calls this.
    """
    d = Path(bundle_dir)
    man = verify(d)
    try:
        return CompiledClassifier.load(d), man, d
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BundleError(f"cannot load the compiled model in {d}: {e}") from e


def load_estimator(bundle_dir: str | Path) -> Any:
    """Unpickle the fitted scikit-learn Classifier of a bundle (runs code: trusted bundles only)."""
    import joblib

    d = Path(bundle_dir)
    man = verify(d)
    if MODEL_FILE not in man["files"]:
        raise BundleError(f"bundle {d} holds no pickled estimators (a compiled-only bundle)")
    try:
        return joblib.load(d / MODEL_FILE)
    except Exception as e:  # noqa: BLE001 - any unpickling failure means an unusable bundle
        raise BundleError(f"cannot load {d / MODEL_FILE}: {type(e).__name__}: {e}") from e


def bundle_id(manifest: dict) -> str:
    """The short model id put on every Tag: a sha256 prefix over the bundle's file hashes."""
    h = hashlib.sha256(json.dumps(manifest.get("files", {}), sort_keys=True).encode()).hexdigest()
    return h[:12]


def reexport(bundle_dir: str | Path, note: str) -> Path:
    """Rewrite a bundle in the current format from its compiled copy (same parameters, no refit).

    For a format-1 bundle: the compiled copy is rebuilt with the installed lexicon (refused if
    it is not the one the bundle was trained with) and saved with its lexicon inside;
    ``model.joblib`` is dropped, since the estimators it pickles are the previous code's
    classes. The manifest keeps its training record and gains ``reexported``.
    """
    d = Path(bundle_dir)
    man = verify(d)
    try:
        compiled = CompiledClassifier.load(d)
    except (OSError, ValueError, KeyError) as e:
        raise BundleError(f"cannot re-export {d}: {e}") from e
    card = (d / CARD).read_text(encoding="utf-8") if (d / CARD).is_file() else ""
    keep = {k: v for k, v in man.items() if k not in ("files", "format_version")}
    keep["reexported"] = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "from_format": man.get("format_version"),
        "previous_model_id": bundle_id(man),
        "packages": package_versions(),
        "note": note,
    }
    return write_bundle(d, compiled, keep, card)
