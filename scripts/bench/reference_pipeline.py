#!/usr/bin/env python3
"""The reference pipeline of the benchmark (issue #6): what a careful Python programmer would
write with the standard libraries, timed stage by stage.

    reference_pipeline.py CORPUS.jsonl --out DIR [--space svd|tfidf] [--lsh-threshold T]
                          [--shingle-words K] [--story-threshold D] [--max-gib G]
    reference_pipeline.py CORPUS.jsonl --out DIR --truth truth.json --sweep   (parameter tuning)

Reads a JSONL corpus ("id", "title", "text"), writes DIR/duplicates.json (`groups[].members`)
and DIR/clusters.json (`clusters[].members`, singletons included), the same shapes as
NewsDedup's, and prints ONE JSON line on stdout: per-stage seconds, total, peak RSS
(getrusage ru_maxrss), the BLAS libraries and thread pools (threadpoolctl), versions,
parameters, and `storiesRefused` when the clustering would not fit in memory.

Stages
------
import     numpy, scipy, scikit-learn, datasketch, fastcluster
read       json.loads of every line
tfidf      TfidfVectorizer(sublinear_tf=True, stop_words='english') on title + "\\n" + text
minhash    lower-case, delete Unicode punctuation (category P*), split on whitespace, word
           K-shingles (K = --shingle-words, default 3); datasketch MinHash(num_perm=128, seed=1)
           .update_batch of the UTF-8 shingles
lsh        datasketch MinHashLSH(threshold=T (default 0.15), num_perm=128) (its own bands x rows); every
           document inserted, then queried; a candidate pair is kept when the two signatures'
           estimated Jaccard (MinHash.jaccard) is >= T as well (drops LSH's false positives)
groups     connected components of the kept pairs (groups of 2+ are written)
svd        TruncatedSVD(n_components=100, algorithm='randomized', random_state=0).fit_transform
distances  condensed cosine distances (float64, n(n-1)/2 of them), clipped to [0, 2]:
             --space svd   (default) between the l2-normalised 100-dimensional SVD rows
                           (latent semantic analysis), by BLAS matrix products in row blocks;
             --space tfidf between the TF-IDF rows themselves (sparse products: exact, but far
                           slower: ~2.5e9 sparse dot products at 50,000 articles)
linkage    fastcluster's average linkage, in place on the distances (the algorithm and the
           result of scipy's linkage(method='average'), without scipy's copy of the distance
           matrix; see average_linkage for why not fastcluster.linkage itself), then
           scipy fcluster(criterion='distance', t=D; default 0.1 for svd, 0.75 for tfidf): stories
           are the clusters whose average-linkage merge heights are <= D
oracle     only with --truth: the threshold D of ORACLE_GRID (and --story-threshold) whose cut of
           the same tree scores the best B-cubed F1 against the truth is used instead; the scores
           are in the JSON line. This gives the reference its best fixed threshold for each corpus
           (an upper bound on its story quality); bench.py does this and leaves the stage's
           seconds out of the reference's total
write      duplicates.json, clusters.json

Memory guard: average linkage needs every pairwise distance: 8 * n(n-1)/2 bytes (9.3 GiB at
50,000 articles, 149 GiB at 200,000). Before the distances stage the script estimates
current RSS + distances + one row block; if that exceeds --max-gib (default 14) or the
machine's MemAvailable, it does NOT cluster: it records `storiesRefused` (the reason and
the estimate), writes no clusters.json, still writes duplicates.json, and exits 0. The
default cut-off is therefore about 55,000 articles.

Defaults were chosen on a tuning corpus that is not a benchmark corpus
(`newsdedup-bench generate --count 10000 --seed 7`) with --sweep; see docs/benchmarks.md.
"""
import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

T_START = time.perf_counter()

NUM_PERM = 128
MINHASH_SEED = 1
SVD_COMPONENTS = 100
SVD_SEED = 0
DEFAULTS = {
    # space: (story distance threshold)
    "svd": 0.1,
    "tfidf": 0.75,
}
DEFAULT_LSH_THRESHOLD = 0.15
# --truth without --sweep: the story thresholds tried, per space.
ORACLE_GRID = {
    "svd": (0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3),
    "tfidf": (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9),
}
DEFAULT_SHINGLE_WORDS = 3


class Timer:
    def __init__(self):
        self.seconds = {}
        self.rss_after = {}

    def stage(self, name):
        timer = self

        class _Stage:
            def __enter__(self):
                self.t0 = time.perf_counter()
                return self

            def __exit__(self, *exc):
                timer.seconds[name] = timer.seconds.get(name, 0.0) + time.perf_counter() - self.t0
                timer.rss_after[name] = peak_rss_bytes()
                print(f"reference: {name} {timer.seconds[name]:.2f} s, peak RSS {peak_rss_bytes() / 2**30:.2f} GiB",
                      file=sys.stderr, flush=True)

        return _Stage()


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def current_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def mem_available_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


# --- text ---------------------------------------------------------------------------
_PUNCT = None


def punctuation_table():
    """str.translate table deleting every code point of Unicode category P* (what
    scripts/reference/reference_eval.py's strip_punctuation does character by character)."""
    global _PUNCT
    if _PUNCT is None:
        import unicodedata
        _PUNCT = {c: None for c in range(sys.maxunicode + 1)
                  if unicodedata.category(chr(c)).startswith("P")}
    return _PUNCT


def word_shingles(title, text, k):
    words = (title + " " + text).lower().translate(punctuation_table()).split()
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


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


def id_groups(index_groups, ids, min_size):
    groups = [sorted(ids[i] for i in g) for g in index_groups if len(g) >= min_size]
    groups.sort(key=lambda g: g[0])
    return groups


# --- stages -------------------------------------------------------------------------
def read_corpus(path):
    ids, titles, texts = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            ids.append(str(d["id"]))
            titles.append(d.get("title") or "")
            texts.append(d.get("text") or "")
    return ids, titles, texts


def minhash_signatures(titles, texts, k):
    from datasketch import MinHash
    sigs = []
    for title, text in zip(titles, texts):
        s = word_shingles(title, text, k)
        if not s:
            sigs.append(None)
            continue
        m = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
        m.update_batch([x.encode("utf-8") for x in s])
        sigs.append(m)
    return sigs


def lsh_candidates(sigs, threshold):
    """Pairs (i < j) returned by MinHashLSH, with their estimated Jaccard."""
    from datasketch import MinHashLSH
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, m in enumerate(sigs):
            if m is not None:
                session.insert(i, m, check_duplication=False)
    pairs = {}
    for i, m in enumerate(sigs):
        if m is None:
            continue
        for j in lsh.query(m):
            if j > i and (i, j) not in pairs:
                pairs[(i, j)] = m.jaccard(sigs[j])
    return pairs, {"bands": lsh.b, "rows": lsh.r}


def distance_bytes(n):
    return 8 * (n * (n - 1) // 2)


def block_rows(n):
    return max(1, min(n, (1 << 25) // max(1, n)))  # a row block of about 256 MiB of float64


def condensed_cosine_distances(n, block_products):
    """1 - cosine of every pair i < j, in scipy's condensed order; block_products(lo, hi)
    returns the dense (hi - lo) x n block of cosine similarities."""
    import numpy as np
    D = np.empty(n * (n - 1) // 2, dtype=np.float64)
    step = block_rows(n)
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        S = block_products(lo, hi)
        for i in range(lo, hi):
            start = n * i - i * (i + 1) // 2
            np.subtract(1.0, S[i - lo, i + 1:], out=D[start:start + n - i - 1])
        del S
    np.clip(D, 0.0, 2.0, out=D)
    return D


def average_linkage(D, n):
    """fastcluster's average linkage, in place on the condensed distances D (which it
    overwrites). Calls the extension as fastcluster.linkage does after its checks, because
    fastcluster 1.3.0's linkage() starts with numpy.array(X), which under numpy 2 copies X
    whatever preserve_input says (18.6 GiB instead of 9.3 at 50,000 articles). The result is
    scipy.cluster.hierarchy.linkage(D, 'average')'s."""
    import numpy as np
    import fastcluster
    assert D.dtype == np.float64 and D.flags.c_contiguous and len(D) == n * (n - 1) // 2
    Z = np.empty((n - 1, 4))
    if n > 1:
        fastcluster.linkage_wrap(n, D, Z, fastcluster.mthidx["average"])
    return Z


def thread_info():
    try:
        from threadpoolctl import threadpool_info
        return [{k: p.get(k) for k in ("user_api", "internal_api", "prefix", "version", "num_threads",
                                       "threading_layer", "architecture", "filepath")}
                for p in threadpool_info()]
    except Exception as e:  # pragma: no cover
        return [{"error": str(e)}]


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")


# --- scoring (only for --sweep) -----------------------------------------------------
def scores(pred_labels, truth_labels):
    """(pairwise F1, B-cubed F1) of two label lists over the same documents."""
    from collections import Counter
    cells = Counter(zip(pred_labels, truth_labels))
    ps, ts = Counter(pred_labels), Counter(truth_labels)
    n = len(pred_labels)

    def pairs(c):
        return c * (c - 1) // 2

    tp = sum(pairs(c) for c in cells.values())
    pp = sum(pairs(c) for c in ps.values())
    tt = sum(pairs(c) for c in ts.values())
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    pf = 2 * p * r / (p + r) if p + r else 0.0
    bp = sum(c * c / ps[a] for (a, _), c in cells.items()) / n
    br = sum(c * c / ts[b] for (_, b), c in cells.items()) / n
    bf = 2 * bp * br / (bp + br) if bp + br else 0.0
    return pf, bf


def truth_labels(truth, key, ids):
    label = {}
    for k, g in enumerate(truth[key]):
        for d in g:
            label[d] = k
    return [label.get(d, -1 - i) for i, d in enumerate(ids)]


def sweep(a, ids, titles, texts, truth):
    """Prints duplicate F1 per (shingle size, LSH threshold) and story B-cubed F1 per
    (space, distance threshold), to choose the defaults."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster
    import fastcluster
    n = len(ids)
    dup_truth = truth_labels(truth, "duplicate_groups", ids)
    for k in (3, 5):
        sigs = minhash_signatures(titles, texts, k)
        for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8):
            pairs, _ = lsh_candidates(sigs, t)
            for verify in (False, True):
                kept = [p for p, j in pairs.items() if not verify or j >= t]
                comps = connected_components(n, sorted(kept))
                lab = [0] * n
                for c, members in enumerate(comps):
                    for i in members:
                        lab[i] = c
                f, _ = scores(lab, dup_truth)
                print(json.dumps({"sweep": "duplicates", "shingleWords": k, "lshThreshold": t,
                                  "verify": verify, "pairs": len(kept), "pairwiseF1": round(f, 4)}), flush=True)
    story_truth = truth_labels(truth, "story_clusters", ids)
    X = tfidf(titles, texts)
    for space in ("svd", "tfidf"):
        if space == "tfidf" and n > a.sweep_tfidf_max:
            continue
        D = distances(space, X)
        Z = average_linkage(D, n)
        del D
        for t in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
            lab = fcluster(Z, t, criterion="distance")
            _, b = scores(list(lab), story_truth)
            print(json.dumps({"sweep": "stories", "space": space, "threshold": t,
                              "clusters": int(np.max(lab)), "bcubedF1": round(b, 4)}), flush=True)


def tfidf(titles, texts):
    from sklearn.feature_extraction.text import TfidfVectorizer
    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    return vec.fit_transform([t + "\n" + x for t, x in zip(titles, texts)]).tocsr()


def svd_embedding(X):
    from sklearn.decomposition import TruncatedSVD
    return TruncatedSVD(n_components=SVD_COMPONENTS, algorithm="randomized",
                        random_state=SVD_SEED).fit_transform(X)


def distances(space, X, E=None):
    import numpy as np
    n = X.shape[0]
    if space == "svd":
        if E is None:
            E = svd_embedding(X)
        E = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-30)
        return condensed_cosine_distances(n, lambda lo, hi: E[lo:hi] @ E.T)
    XT = X.T.tocsr()  # rows of X are l2-normalised by TfidfVectorizer
    return condensed_cosine_distances(n, lambda lo, hi: (X[lo:hi] @ XT).toarray())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--space", choices=("svd", "tfidf"), default="svd",
                    help="what the story clustering measures cosine distance on (default svd)")
    ap.add_argument("--lsh-threshold", type=float, default=DEFAULT_LSH_THRESHOLD)
    ap.add_argument("--shingle-words", type=int, default=DEFAULT_SHINGLE_WORDS)
    ap.add_argument("--story-threshold", type=float, default=None,
                    help="average-linkage distance cut (default: 0.1 for svd, 0.75 for tfidf)")
    ap.add_argument("--max-gib", type=float, default=14.0,
                    help="refuse the story clustering when its memory estimate exceeds this (GiB)")
    ap.add_argument("--truth", type=Path,
                    help="pick the story threshold that scores best against this truth (the 'oracle' stage); "
                         "with --sweep: the truth to tune against")
    ap.add_argument("--sweep", action="store_true", help="print quality per parameter value; no results")
    ap.add_argument("--sweep-tfidf-max", type=int, default=12000,
                    help="--sweep tries the tfidf space only up to this many articles")
    a = ap.parse_args()
    story_threshold = a.story_threshold if a.story_threshold is not None else DEFAULTS[a.space]

    timer = Timer()
    with timer.stage("import"):
        import numpy as np
        import scipy
        import sklearn
        import datasketch
        import fastcluster
        from scipy.cluster.hierarchy import fcluster
    with timer.stage("read"):
        ids, titles, texts = read_corpus(a.corpus)
    n = len(ids)

    if a.sweep:
        if not a.truth:
            ap.error("--sweep needs --truth")
        sweep(a, ids, titles, texts, json.loads(a.truth.read_text(encoding="utf-8")))
        return 0

    with timer.stage("tfidf"):
        X = tfidf(titles, texts)
    with timer.stage("minhash"):
        sigs = minhash_signatures(titles, texts, a.shingle_words)
    with timer.stage("lsh"):
        candidates, lsh_params = lsh_candidates(sigs, a.lsh_threshold)
        kept = sorted(p for p, j in candidates.items() if j >= a.lsh_threshold)
        del sigs
    with timer.stage("groups"):
        dup_groups = id_groups(connected_components(n, kept), ids, 2)
    with timer.stage("svd"):
        E = svd_embedding(X)

    refused = None
    need = distance_bytes(n) + 8 * block_rows(n) * n * (3 if a.space == "tfidf" else 1)
    estimate = current_rss_bytes() + need
    available = mem_available_bytes()
    if estimate > a.max_gib * 2**30:
        refused = (f"average linkage over {n} articles needs {distance_bytes(n) / 2**30:.1f} GiB of pairwise "
                   f"distances (estimated peak {estimate / 2**30:.1f} GiB > --max-gib {a.max_gib:g})")
    elif available is not None and need > available - 2**30:
        refused = (f"average linkage over {n} articles needs {need / 2**30:.1f} GiB more; only "
                   f"{available / 2**30:.1f} GiB is available now")
    clusters = None
    oracle_scores = {}
    if refused is None:
        with timer.stage("distances"):
            D = distances(a.space, X, E)
            del X, E
        with timer.stage("linkage"):
            Z = average_linkage(D, n)
            del D
            labels = fcluster(Z, story_threshold, criterion="distance")
        if a.truth and not a.sweep:
            # The oracle: the cut of the same tree that scores best against the truth (ties: the
            # lower threshold). Timed apart so that the benchmark can leave it out.
            with timer.stage("oracle"):
                truth = json.loads(a.truth.read_text(encoding="utf-8"))
                story_truth = truth_labels(truth, "story_clusters", ids)
                grid = sorted(set(ORACLE_GRID[a.space]) | {story_threshold})
                for t in grid:
                    cut = fcluster(Z, t, criterion="distance")
                    oracle_scores[t] = scores(cut.tolist(), story_truth)[1]
                story_threshold = max(grid, key=lambda t: (oracle_scores[t], -t))
                labels = fcluster(Z, story_threshold, criterion="distance")
        with timer.stage("linkage"):
            by_label = {}
            for i, lab in enumerate(labels):
                by_label.setdefault(int(lab), []).append(i)
            clusters = id_groups(by_label.values(), ids, 1)
    else:
        print(f"reference: stories refused: {refused}", file=sys.stderr, flush=True)

    with timer.stage("write"):
        a.out.mkdir(parents=True, exist_ok=True)
        write_json(a.out / "duplicates.json", {"groups": [{"members": g} for g in dup_groups]})
        stale = a.out / "clusters.json"
        if clusters is not None:
            write_json(stale, {"clusters": [{"members": g} for g in clusters]})
        elif stale.exists():
            stale.unlink()

    result = {
        "pipeline": "reference",
        "articles": n,
        "seconds": time.perf_counter() - T_START,
        "stages": timer.seconds,
        "peakRSSBytes": peak_rss_bytes(),
        "peakRSSBytesAfterStage": timer.rss_after,
        "storiesRefused": refused,
        "duplicateGroups": len(dup_groups),
        "candidatePairs": len(candidates),
        "keptPairs": len(kept),
        "storyClusters": None if clusters is None else len(clusters),
        "oracle": {str(t): round(f, 4) for t, f in oracle_scores.items()} or None,
        "parameters": {"space": a.space, "storyThreshold": story_threshold, "lshThreshold": a.lsh_threshold,
                       "shingleWords": a.shingle_words, "numPerm": NUM_PERM, "lsh": lsh_params,
                       "svdComponents": SVD_COMPONENTS, "maxGiB": a.max_gib,
                       "distanceGiB": round(distance_bytes(n) / 2**30, 2)},
        "threadpools": thread_info(),
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                     "sklearn": sklearn.__version__, "datasketch": datasketch.__version__,
                     "fastcluster": fastcluster.__version__},
        "environment": {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
                        if k in os.environ},
    }
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
