"""Training: labels in, a verified model bundle out, with cross-validated metrics and a model card.

The candidate designs in :data:`classify.models.CANDIDATES` are compared on the same
repeated stratified folds; the best by sector macro-F1 + tone macro-F1 is refitted on all labels.
Every reported metric comes from held-out folds, never from the training data.
"""

from __future__ import annotations

import glob
import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from classify import lexicon, paths
from classify.bundle import write_bundle
from classify.features import SECTORS, TONES, tokenize_batch
from classify.labels import Example, Problem, check, merge
from classify.models import CANDIDATES, DEFAULT_CANDIDATE, Classifier, cross_validate, targets


class TrainingError(Exception):
    """Labels that cannot be trained on (problems in the files, too few examples)."""


def default_corpora() -> list[str]:
    """The shared corpora beside the checkout (../shared/corpora/*.jsonl), when present."""
    root = paths.PROJECT_ROOT.parent / "shared" / "corpora"
    return sorted(glob.glob(str(root / "*.jsonl")))


def load_training_data(
    label_paths: Iterable[str | Path], corpora: Iterable[str | Path]
) -> tuple[list[Example], list[str]]:
    """Checked, merged examples; raises TrainingError listing the problems if any label is invalid."""
    examples, problems = check(label_paths, corpora)
    errors = [p for p in problems if p.severity == "error" and "duplicate id" not in p.message]
    if errors:
        raise TrainingError(_problem_text(errors))
    merged, notes = merge(examples)
    return merged, notes


def _problem_text(problems: list[Problem], limit: int = 20) -> str:
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more")
    return "invalid labels:\n" + "\n".join(lines)


def data_hash(examples: list[Example]) -> str:
    """sha256 over (id, sectors, tone, text) of every example, order-independent."""
    h = hashlib.sha256()
    for e in sorted(examples, key=lambda e: e.id):
        h.update(
            json.dumps(
                [e.id, sorted(e.sectors), e.tone, e.title or "", e.text or ""], ensure_ascii=False
            ).encode()
        )
    return h.hexdigest()


def train(
    label_paths: Iterable[str | Path],
    corpora: Iterable[str | Path] = (),
    out_dir: str | Path | None = None,
    seed: int = 0,
    candidates: Iterable[str] | None = None,
    n_splits: int = 5,
    n_repeats: int = 3,
    n_jobs: int = 2,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> dict:
    """Compare candidates by repeated CV, refit the best on all labels, write the bundle.

    Returns the manifest written (with the CV metrics of every candidate).
    """
    examples, notes = load_training_data(label_paths, corpora)
    for n in notes:
        log(n)
    if len(examples) < 20:
        raise TrainingError(
            f"only {len(examples)} labelled examples: need at least 20 to cross-validate"
        )
    Y, y = targets(examples)
    batch = tokenize_batch([e.title for e in examples], [e.text for e in examples])
    names = list(candidates) if candidates else list(CANDIDATES)
    unknown = [c for c in names if c not in CANDIDATES]
    if unknown:
        raise TrainingError(f"unknown candidate(s) {unknown}; known: {list(CANDIDATES)}")
    results = {}
    for name in names:
        log(f"cross-validating {name} ({n_repeats}x{n_splits}-fold) ...")
        r = cross_validate(
            batch,
            Y,
            y,
            candidate=name,
            n_splits=n_splits,
            n_repeats=n_repeats,
            seed=seed,
            n_jobs=n_jobs,
            groups=np.array([language_group(e) for e in examples]),
        )
        r.pop("oof")
        results[name] = r
        log(
            f"  sector macro-F1 {r['sectors']['macro_f1']:.3f}  micro-F1 {r['sectors']['micro_f1']:.3f}  "
            f"tone macro-F1 {r['tone']['macro_f1']:.3f}"
        )
    best = max(
        names,
        key=lambda c: (
            results[c]["sectors"]["macro_f1"] + results[c]["tone"]["macro_f1"],
            c == DEFAULT_CANDIDATE,
        ),
    )
    log(f"chosen: {best}; fitting on all {len(examples)} examples ...")
    clf = Classifier(best, seed=seed).fit(batch, Y, y)
    manifest = {
        "name": Path(out_dir).name if out_dir else "default",
        "candidate": best,
        "seed": seed,
        "training_data": {
            "sha256": data_hash(examples),
            "examples": len(examples),
            "label_files": sorted({Path(e.file).name for e in examples}),
            "sectors": {s: int(Y[:, j].sum()) for j, s in enumerate(SECTORS)},
            "tones": {t: int((y == k).sum()) for k, t in enumerate(TONES)},
            "sources": _count(e.source for e in examples),
        },
        "lexicon_sha256": lexicon.fingerprint(),
        "thresholds": {s: float(t) for s, t in zip(SECTORS, clf.sectors.thresholds_, strict=True)},
        "metrics": results[best],
        "comparison": {
            c: {
                "sector_macro_f1": results[c]["sectors"]["macro_f1"],
                "sector_micro_f1": results[c]["sectors"]["micro_f1"],
                "tone_macro_f1": results[c]["tone"]["macro_f1"],
            }
            for c in names
        },
    }
    out = Path(out_dir) if out_dir else paths.default_model_dir()
    write_bundle(out, clf, manifest, model_card(manifest, results))
    log(f"wrote {out}")
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def language_group(e: Example) -> str:
    """The slice an example is reported under: English articles vs Chinese headlines (by script)."""
    text = (e.title or "") + (e.text or "")
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text[:2000])
    return "zh" if cjk > 0.2 * max(1, len(text[:2000].replace(" ", ""))) else "en"


def _count(items: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def metrics_table(metrics: dict) -> str:
    """Markdown table of per-label P/R/F1 (sectors then tone)."""
    rows = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for lab, v in metrics["sectors"]["per_label"].items():
        rows.append(
            f"| {lab} | {v['precision']:.2f} | {v['recall']:.2f} | {v['f1']:.2f} | {v['support']} |"
        )
    rows.append(f"| **sector macro-F1** | | | **{metrics['sectors']['macro_f1']:.3f}** | |")
    rows.append(f"| **sector micro-F1** | | | **{metrics['sectors']['micro_f1']:.3f}** | |")
    for lab, v in metrics["tone"]["per_label"].items():
        rows.append(
            f"| tone: {lab} | {v['precision']:.2f} | {v['recall']:.2f} | {v['f1']:.2f} | {v['support']} |"
        )
    rows.append(
        f"| **tone macro-F1 (tightening/easing/none)** | | | **{metrics['tone']['macro_f1']:.3f}** | |"
    )
    return "\n".join(rows)


def confusion_table(conf: dict) -> str:
    labs = conf["labels"]
    rows = ["| true \\ predicted | " + " | ".join(labs) + " |", "|---" * (len(labs) + 1) + "|"]
    for lab, row in zip(labs, conf["matrix"], strict=True):
        rows.append(f"| {lab} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(rows)


def model_card(manifest: dict, results: dict) -> str:
    m = manifest["metrics"]
    td = manifest["training_data"]
    comp = "\n".join(
        f"| {c} | {v['sector_macro_f1']:.3f} | {v['sector_micro_f1']:.3f} | {v['tone_macro_f1']:.3f} |"
        for c, v in manifest["comparison"].items()
    )
    group_rows = "\n".join(
        f"| {g} | {v['n']} | {v['sector_macro_f1']:.3f} | {v['sector_micro_f1']:.3f} | {v['tone_macro_f1']:.3f} |"
        for g, v in m.get("by_group", {}).items()
    )
    return f"""# Model card: {manifest["name"]}

**Chosen design:** `{manifest["candidate"]}` (seed {manifest["seed"]}). Every number below is
from {m["scheme"]} on the labels (held-out folds only; thresholds tuned inside each training
fold). Nothing here is measured on training data.

## Data
- {td["examples"]} labelled examples from {", ".join(td["label_files"])}; sources: {json.dumps(td["sources"])}.
- Sector positives: {json.dumps(td["sectors"])}
- Tones: {json.dumps(td["tones"])}
- Training data sha256 `{td["sha256"][:16]}…`; lexicon sha256 `{manifest["lexicon_sha256"][:16]}…`.

## Method
- One tokenizer for English, Chinese and mixed text (rjieba/jieba for CJK runs with the
  lexicon as user dictionary; words for Latin runs; lower-cased; numbers folded). Headline and
  lead counted twice; bodies read up to 8,000 characters.
- Features: TF-IDF word n-grams beside lexicon counts (companies, regulators, sector terms and
  regulatory action words from `classify/lexicon/*.yaml`), so thin sectors get signal from
  domain knowledge, in both languages.
- Sectors: one sigmoid-calibrated, class-weighted logistic regression per label; a per-label
  threshold chosen to maximise F1 on out-of-fold probabilities. `non_tech` is kept only when it
  beats every tech sector, and then stands alone.
- Tone: class-weighted multinomial logistic regression, sigmoid-calibrated;
  `tone_index` = P(easing) − P(tightening).

## Candidate comparison (same folds)
| candidate | sector macro-F1 | sector micro-F1 | tone macro-F1 |
|---|---|---|---|
{comp}

## Metrics of the chosen design (cross-validated)
{metrics_table(m)}

By language (same held-out predictions, macro-F1 over the labels present in each slice):

| slice | examples | sector macro-F1 | sector micro-F1 | tone macro-F1 |
|---|---|---|---|---|
{group_rows}

Tone confusion matrix (summed over repeats):

{confusion_table(m["tone"]["confusion"])}

## Known weaknesses
- English training text is only the seed corpus (TechNode/Caixin 2020–2023, crypto-heavy
  newsletters); English generalization leans on the lexicon. Chinese training text is
  headlines only, so Chinese article bodies are read through the same headline-trained weights.
- `neutral` tone has very few examples ({td["tones"].get("neutral", 0)}); the model rarely predicts it.
- Thin sectors (see supports above) have wide confidence intervals; their F1 moves by several
  points between CV repeats.
- Labels were assigned by annotators reading each item against `labels/GUIDELINES.md`
  (see `labels/README.md` for agreement figures).
"""
