#!/usr/bin/env python3
"""Topic-stage speed beside scikit-learn, on the same TF-IDF matrix, in one run.

    bench_svd.py --bench .build/release/newsdedup-bench --corpus ../shared/data/wirecopies-dev/corpus.jsonl
                 [--components 100] [--rounds 5]

NewsDedup's randomized SVD (through the system BLAS: OpenBLAS via Debian's alternatives, and
the reference BLAS by LD_LIBRARY_PATH) is timed by newsdedup-bench, which also exports the
exact matrix it factors; scikit-learn's TruncatedSVD(n, algorithm='randomized') is timed on
that matrix. Runs alternate; medians are printed with the ratio and singular-value agreement.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.decomposition import TruncatedSVD

REFERENCE_BLAS = "/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack"


def load(folder):
    meta = json.loads((folder / "meta.json").read_text())
    indptr = np.fromfile(folder / "indptr.i64", dtype=np.int64)
    indices = np.fromfile(folder / "indices.i32", dtype=np.int32)
    data = np.fromfile(folder / "data.f64", dtype=np.float64)
    return sp.csr_matrix((data, indices, indptr), shape=(meta["rows"], meta["columns"]))


def ours(bench, corpus, k, iterations, env=None, export=None):
    cmd = [bench, "svd", corpus, "--components", str(k), "--repeats", "1"]
    if iterations is not None:
        cmd += ["--iterations", str(iterations)]
    if export:
        cmd += ["--export", export]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, **(env or {})})
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--components", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    k = a.components
    with tempfile.TemporaryDirectory() as tmp:
        first = ours(a.bench, a.corpus, k, None, export=tmp)
        x = load(Path(tmp))
    rows = {"newsdedup (OpenBLAS, 4 power iterations)": [], "newsdedup (OpenBLAS, 5 power iterations)": [],
            "newsdedup (reference BLAS, 4 power iterations)": [], "scikit-learn TruncatedSVD randomized (5 iterations)": []}
    ref_sv = None
    ours_sv = first["topSingularValues"]
    for _ in range(a.rounds):
        rows["newsdedup (OpenBLAS, 4 power iterations)"].append(ours(a.bench, a.corpus, k, 4)["medianSeconds"])
        rows["newsdedup (OpenBLAS, 5 power iterations)"].append(ours(a.bench, a.corpus, k, 5)["medianSeconds"])
        rows["newsdedup (reference BLAS, 4 power iterations)"].append(
            ours(a.bench, a.corpus, k, 4, env={"LD_LIBRARY_PATH": REFERENCE_BLAS})["medianSeconds"])
        t = time.perf_counter()
        svd = TruncatedSVD(k, algorithm="randomized", random_state=0).fit(x)
        rows["scikit-learn TruncatedSVD randomized (5 iterations)"].append(time.perf_counter() - t)
        ref_sv = svd.singular_values_
    sk = statistics.median(rows["scikit-learn TruncatedSVD randomized (5 iterations)"])
    print(f"matrix: {x.shape[0]} x {x.shape[1]}, {x.nnz} nonzeros; {k} components; {a.rounds} alternating rounds; "
          f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    print(f"newsdedup BLAS: {', '.join(first['blas'])}; threads {first['threads']}")
    print(f"{'pipeline':<52} {'median s':>9} {'vs sklearn':>10}")
    for name, times in rows.items():
        m = statistics.median(times)
        print(f"{name:<52} {m:>9.3f} {m / sk:>9.2f}x")
    rel = max(abs(o - r) / r for o, r in zip(ours_sv, ref_sv[: len(ours_sv)]))
    print(f"top-5 singular values, largest relative difference to scikit-learn: {rel:.2e}")


if __name__ == "__main__":
    main()
