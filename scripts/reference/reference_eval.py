#!/usr/bin/env python3
"""Reference pipeline (Python, scikit-learn + datasketch) to compare NewsDedup against.

    reference_eval.py --corpus corpus.jsonl --out DIR [--truth truth.json]
                      [--thresholds 0.6,0.7,0.8] [--threshold 0.7] [--verify]

Reads a JSONL corpus (one article a line: "id", "title", "text", optional "date",
"source") and writes DIR/duplicates.json, DIR/clusters.json and DIR/reference.json.
Prints one line per stage with its wall-clock seconds.

Duplicates (wire copies)
------------------------
Shingling, exactly:
  1. s = (title + " " + text).lower()            (Python str.lower)
  2. every code point whose Unicode general category is punctuation (Pc Pd Ps Pe
     Pi Pf Po) is deleted, not replaced: "u.s." -> "us", "don't" -> "dont",
     "1,000" -> "1000", "well-known" -> "wellknown". Symbols (S*) stay ("$", "%").
  3. words = s.split()                            (split on runs of Unicode whitespace)
  4. shingles = the set of " ".join(words[i:i+5]) for every i (word 5-grams);
     a document with 1-4 words has the single shingle " ".join(words);
     a document with no words has no shingles, no signature and no group.
  5. each shingle is UTF-8 encoded and added to
     datasketch.MinHash(num_perm=128, seed=1) (default hash: sha1_hash32).
Every signature goes into datasketch.MinHashLSH(threshold=0.8, num_perm=128) (its
own band/row choice, recorded in reference.json); each document is queried, and
every (document, result) pair other than itself is a candidate pair. Groups are the
connected components of the candidate pairs (no verification, unless --verify,
which first keeps only pairs whose exact shingle-set Jaccard is >= 0.8).
Only groups of 2 or more documents are written.

Stories
-------
TfidfVectorizer(sublinear_tf=True, stop_words="english") (sklearn's default token
pattern) on title + "\\n" + text; cosine distance 1 - x.y of the l2 rows, clipped to
[0, 2], diagonal 0, as a dense float64 N x N matrix; then
AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
distance_threshold=t) for each t in --thresholds (merges happen while the average
distance is < t). With --truth, each clustering is scored with B-cubed F1 by the
functions of ../shared/eval/score.py (relative to the repo root) and the best
threshold is kept (ties: the lower threshold); without it, --threshold is used.
clusters.json lists every cluster, singletons included.

Output is deterministic: members sorted, groups sorted by their first member.
"""
import argparse
import importlib.util
import json
import platform
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import scipy
import sklearn
import datasketch
from datasketch import MinHash, MinHashLSH
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

REPO = Path(__file__).resolve().parents[2]
SCORE_PY = (REPO / ".." / "shared" / "eval" / "score.py").resolve()

NUM_PERM = 128
MINHASH_SEED = 1
LSH_THRESHOLD = 0.8
SHINGLE_WORDS = 5


class Timer:
    def __init__(self):
        self.timings = {}

    def stage(self, name):
        timer = self

        class _Stage:
            def __enter__(self):
                self.t0 = time.perf_counter()
                return self

            def __exit__(self, *exc):
                dt = time.perf_counter() - self.t0
                timer.timings[name] = round(dt, 4)
                print(f"{name}: {dt:.3f} s", flush=True)

        return _Stage()


def load_score_module(path: Path):
    spec = importlib.util.spec_from_file_location("newsdedup_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_corpus(path: Path):
    docs = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            if "id" not in d:
                raise ValueError(f"{path}:{lineno}: article without an id")
            docs.append({"id": str(d["id"]), "title": d.get("title") or "", "text": d.get("text") or ""})
    ids = [d["id"] for d in docs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate ids")
    return docs


# --- duplicates ----------------------------------------------------------------------
_PUNCT_TABLE = {}


def strip_punctuation(s: str) -> str:
    out = []
    for ch in s:
        keep = _PUNCT_TABLE.get(ch)
        if keep is None:
            keep = not unicodedata.category(ch).startswith("P")
            _PUNCT_TABLE[ch] = keep
        if keep:
            out.append(ch)
    return "".join(out)


def shingles(title: str, text: str) -> set:
    words = strip_punctuation((title + " " + text).lower()).split()
    if not words:
        return set()
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)}
    return {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def connected_components(n, pairs):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps = {}
    for i in range(n):
        comps.setdefault(find(i), []).append(i)
    return list(comps.values())


def sorted_groups(index_groups, ids, min_size):
    groups = [sorted(ids[i] for i in g) for g in index_groups if len(g) >= min_size]
    groups.sort(key=lambda g: g[0])
    return groups


def find_duplicates(docs, timer, verify):
    with timer.stage("duplicates.shingle+minhash"):
        sets = [shingles(d["title"], d["text"]) for d in docs]
        sigs = []
        for s in sets:
            if not s:
                sigs.append(None)
                continue
            m = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
            m.update_batch([x.encode("utf-8") for x in s])
            sigs.append(m)
    with timer.stage("duplicates.lsh"):
        lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        for i, m in enumerate(sigs):
            if m is not None:
                lsh.insert(i, m)
        pairs = set()
        for i, m in enumerate(sigs):
            if m is None:
                continue
            for j in lsh.query(m):
                if j != i:
                    pairs.add((min(i, j), max(i, j)))
    verified = None
    with timer.stage("duplicates.groups"):
        if verify:
            kept = set()
            for a, b in pairs:
                sa, sb = sets[a], sets[b]
                if len(sa & sb) / len(sa | sb) >= LSH_THRESHOLD:
                    kept.add((a, b))
            verified = len(kept)
            used = kept
        else:
            used = pairs
        groups = sorted_groups(connected_components(len(docs), sorted(used)), [d["id"] for d in docs], 2)
    info = {
        "candidatePairs": len(pairs),
        "verifiedPairs": verified,
        "groups": len(groups),
        "documentsInGroups": sum(len(g) for g in groups),
        "documentsWithoutShingles": sum(1 for s in sets if not s),
        "lsh": {"threshold": LSH_THRESHOLD, "numPerm": NUM_PERM, "bands": lsh.b, "rows": lsh.r},
    }
    return groups, info


# --- stories -----------------------------------------------------------------------
def cosine_distances(X, block=1024):
    n = X.shape[0]
    D = np.empty((n, n), dtype=np.float64)
    XT = X.T.tocsc()
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        D[lo:hi] = (X[lo:hi] @ XT).toarray()
    np.subtract(1.0, D, out=D)
    np.clip(D, 0.0, 2.0, out=D)
    np.fill_diagonal(D, 0.0)
    # X X^T is symmetric up to rounding; make it exactly symmetric
    D = np.minimum(D, D.T)
    return D


def cluster_stories(docs, thresholds, timer):
    with timer.stage("stories.tfidf"):
        vec = TfidfVectorizer(sublinear_tf=True, stop_words="english")
        X = vec.fit_transform([d["title"] + "\n" + d["text"] for d in docs]).tocsr()
    with timer.stage("stories.distances"):
        D = cosine_distances(X)
    results = {}
    for t in thresholds:
        with timer.stage(f"stories.cluster@{t}"):
            model = AgglomerativeClustering(
                n_clusters=None, metric="precomputed", linkage="average", distance_threshold=t
            )
            labels = model.fit_predict(D)
            by_label = {}
            for i, lab in enumerate(labels):
                by_label.setdefault(int(lab), []).append(i)
            results[t] = sorted_groups(by_label.values(), [d["id"] for d in docs], 1)
    return results, {"vocabulary": len(vec.vocabulary_), "nnz": int(X.nnz)}


# --- scoring ------------------------------------------------------------------------
def truth_universe(truth, key, pred_groups):
    universe = set(truth.get("documents") or [])
    for g in truth[key]:
        universe.update(g)
    if not truth.get("documents"):
        for g in pred_groups:
            universe.update(g)
    return sorted(universe)


def score_clusters(score, truth, groups):
    universe = truth_universe(truth, "story_clusters", groups)
    pred = score.assignment(groups, universe, "clusters.json")
    tru = score.assignment(truth["story_clusters"], universe, "truth")
    s = score.bcubed(pred, tru, universe)
    s["pairwise_f1"] = score.pairwise(pred, tru, universe)["f1"]
    return s


def score_duplicates(score, truth, groups):
    universe = truth_universe(truth, "duplicate_groups", groups)
    pred = score.assignment(groups, universe, "duplicates.json")
    tru = score.assignment(truth["duplicate_groups"], universe, "truth")
    return score.pairwise(pred, tru, universe)


def write_json(path: Path, obj):
    path.write_text(json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--truth", type=Path)
    ap.add_argument("--thresholds", default="0.6,0.7,0.8", help="comma-separated distance thresholds")
    ap.add_argument("--threshold", type=float, default=0.7, help="threshold to use when there is no truth")
    ap.add_argument("--verify", action="store_true", help="keep only candidate pairs with exact Jaccard >= 0.8")
    ap.add_argument("--score-py", type=Path, default=SCORE_PY, help=f"default: {SCORE_PY}")
    a = ap.parse_args()

    thresholds = [float(x) for x in a.thresholds.split(",") if x.strip()]
    if a.truth is None and a.threshold not in thresholds:
        thresholds.append(a.threshold)
    score = load_score_module(a.score_py) if a.truth else None
    truth = json.loads(a.truth.read_text(encoding="utf-8")) if a.truth else None
    timer = Timer()
    t_start = time.perf_counter()

    with timer.stage("read"):
        docs = read_corpus(a.corpus)

    dup_groups, dup_info = find_duplicates(docs, timer, a.verify)
    story_results, story_info = cluster_stories(docs, thresholds, timer)

    per_threshold = []
    with timer.stage("score"):
        for t in thresholds:
            entry = {"threshold": t, "clusters": len(story_results[t]),
                     "multiDocumentClusters": sum(1 for g in story_results[t] if len(g) > 1)}
            if truth is not None and "story_clusters" in truth:
                entry["bcubed"] = score_clusters(score, truth, story_results[t])
            per_threshold.append(entry)
        if truth is not None and "duplicate_groups" in truth:
            dup_info["pairwise"] = score_duplicates(score, truth, dup_groups)
    if truth is not None and "story_clusters" in truth:
        best = max(per_threshold, key=lambda e: (e["bcubed"]["f1"], -e["threshold"]))
        chosen = best["threshold"]
    else:
        chosen = a.threshold

    with timer.stage("write"):
        a.out.mkdir(parents=True, exist_ok=True)
        write_json(a.out / "duplicates.json", {"groups": [{"members": g} for g in dup_groups]})
        write_json(a.out / "clusters.json", {"clusters": [{"members": g} for g in story_results[chosen]]})
        reference = {
            "generator": "scripts/reference/reference_eval.py",
            "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__,
                         "numpy": np.__version__, "scipy": scipy.__version__,
                         "datasketch": datasketch.__version__},
            "corpus": str(a.corpus), "truth": str(a.truth) if a.truth else None,
            "documents": len(docs),
            "duplicates": dup_info,
            "stories": {"vectorizer": "TfidfVectorizer(sublinear_tf=True, stop_words='english')",
                        "linkage": "average", "metric": "cosine distance, precomputed",
                        **story_info, "thresholds": per_threshold, "chosenThreshold": chosen},
            "chosenThreshold": chosen,
            "timings": dict(timer.timings),
            "totalSeconds": None,
        }
    reference["timings"] = dict(timer.timings)
    reference["totalSeconds"] = round(time.perf_counter() - t_start, 4)
    write_json(a.out / "reference.json", reference)
    print(f"total: {reference['totalSeconds']:.3f} s")
    for e in per_threshold:
        if "bcubed" in e:
            b = e["bcubed"]
            print(f"threshold {e['threshold']}: {e['clusters']} clusters, B-cubed F1 {b['f1']:.4f} "
                  f"(P {b['precision']:.4f} R {b['recall']:.4f})")
    if "pairwise" in dup_info:
        p = dup_info["pairwise"]
        print(f"duplicates: {dup_info['groups']} groups, pairwise F1 {p['f1']:.4f} "
              f"(P {p['precision']:.4f} R {p['recall']:.4f})")
    print(f"chosen threshold: {chosen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
