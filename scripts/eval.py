#!/usr/bin/env python3
"""Quality check: runs NewsDedup and the reference pipeline on the labelled dev sets in
../shared/data and prints ../shared/eval/score.py's figures side by side.

    eval.py --newsdedup .build/release/newsdedup [--python .venv/bin/python] [--no-reference]
            [--enforce]

With --enforce the exit status is 1 when a NewsDedup figure is under its bar (BARS below).
Outputs go to .eval/<set>/{newsdedup,reference}/.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SETS = ["wirecopies-dev", "stories-dev"]
# (set, figure) -> minimum. Figures: "dup" = pairwise F1 of duplicates.json,
# "story" = B-cubed F1 of clusters.json.
BARS = {
    ("wirecopies-dev", "dup"): 0.99,
    ("stories-dev", "dup"): 0.97,
    ("stories-dev", "story"): 0.80,
}


def score(truth, results):
    out = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), "--truth", str(truth),
                          "--results", str(results), "--json"], capture_output=True, text=True, check=True)
    text = out.stdout
    report = json.loads(text[: text.rindex("}") + 1])
    figures = {}
    if "duplicate_groups" in report:
        figures["dup"] = report["duplicate_groups"]
    if "story_clusters" in report:
        figures["story"] = report["story_clusters"]
    return figures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--newsdedup", default=str(ROOT / ".build" / "release" / "newsdedup"))
    ap.add_argument("--python", default=sys.executable, help="python with scikit-learn and datasketch")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--enforce", action="store_true")
    a = ap.parse_args()
    if not (SHARED / "data").is_dir():
        print(f"eval: {SHARED / 'data'} not found; nothing to evaluate")
        return 0
    rows, failures = [], []
    for name in SETS:
        corpus = SHARED / "data" / name / "corpus.jsonl"
        truth = SHARED / "data" / name / "truth.json"
        base = ROOT / ".eval" / name
        t = time.time()
        # One corpus, one night: no history. Exit 3 means "completed, some inputs skipped".
        done = subprocess.run([a.newsdedup, "run", str(corpus), "--out", str(base / "newsdedup"), "--quiet", "--no-history"],
                              stdout=subprocess.DEVNULL)
        if done.returncode not in (0, 3):
            raise subprocess.CalledProcessError(done.returncode, done.args)
        ours_seconds = time.time() - t
        ours = score(truth, base / "newsdedup")
        ref, ref_seconds = {}, None
        if not a.no_reference:
            t = time.time()
            subprocess.run([a.python, str(ROOT / "scripts" / "reference" / "reference_eval.py"), "--corpus", str(corpus),
                            "--out", str(base / "reference"), "--truth", str(truth)], check=True, stdout=subprocess.DEVNULL)
            ref_seconds = time.time() - t
            ref = score(truth, base / "reference")
        for fig in ("dup", "story"):
            if fig not in ours:
                continue
            o = ours[fig]
            r = ref.get(fig)
            bar = BARS.get((name, fig))
            ok = bar is None or o["f1"] >= bar
            if not ok:
                failures.append(f"{name} {fig} F1 {o['f1']:.4f} < {bar}")
            rows.append((name, fig, o, r, bar, ok))
        rows.append((name, "seconds", ours_seconds, ref_seconds, None, True))
    metric = {"dup": "pairwise", "story": "B-cubed"}
    print(f"{'set':<16} {'figure':<18} {'NewsDedup F1 (P/R)':<28} {'reference F1 (P/R)':<28} bar")
    for name, fig, o, r, bar, ok in rows:
        if fig == "seconds":
            rs = f"{r:.1f}" if r is not None else "-"
            print(f"{name:<16} {'wall seconds':<18} {o:<28.1f} {rs:<28}")
            continue
        label = f"{fig} {metric[fig]}"
        os_ = f"{o['f1']:.4f} ({o['precision']:.4f}/{o['recall']:.4f})"
        rs = f"{r['f1']:.4f} ({r['precision']:.4f}/{r['recall']:.4f})" if r else "-"
        bs = (f">= {bar} {'ok' if ok else 'FAIL'}") if bar is not None else "-"
        print(f"{name:<16} {label:<18} {os_:<28} {rs:<28} {bs}")
    print("reference: datasketch MinHashLSH(threshold=0.8, num_perm=128, word 5-shingles) for copies; "
          "TfidfVectorizer(sublinear_tf, english stop words) + average-linkage AgglomerativeClustering "
          "at its best threshold of 0.6/0.7/0.8 for stories")
    if failures:
        print("eval: under the bar: " + "; ".join(failures))
        return 1 if a.enforce else 0
    print("eval: every bar held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
