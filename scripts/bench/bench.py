#!/usr/bin/env python3
"""The NewsDedup benchmark (issue #6): NewsDedup and the Python reference pipeline on the same
synthetic corpora, side by side, in one run. `make bench` is the usual way in; see
docs/benchmarks.md for what every column means and how the reference is built.

    bench.py [--sizes 10000 50000 200000 1000000] [--reference-sizes 10000 50000]
             [--rounds K] [--interleave-sizes] [--reference-timeout S] [--timeout S] [--max-rss-gib G]
             [--newsdedup PATH] [--generator PATH] [--python PATH] [--threads N]

For every size N: generates the corpus once with `newsdedup-bench generate` into
.bench/corpora/ (reused while N, the seed and the generator's source are the same), then runs
`newsdedup run corpus.jsonl --out DIR --quiet --no-history` (one night without a state folder, like the reference) and, for the sizes in --reference-sizes,
`reference_pipeline.py corpus.jsonl --out DIR`, alternating (round 1 NewsDedup first, round 2
the reference first, ...), each as a child process whose wall time and peak RSS
(wait4 ru_maxrss) are measured here. With --interleave-sizes the rounds go round by round over
the sizes instead of size by size (for the 1M / 100k ratio: drift hits both sizes alike). Per-stage seconds come from NewsDedup's manifest.json and
from the reference's JSON line. Both results folders are scored against truth.json: pairwise F1
of duplicates.json, B-cubed F1 of clusters.json (the formulas of ../shared/eval/score.py).

Prints a header (machine, BLAS, threads, load) and a table, and writes both as
.bench/results-<timestamp>.json and .md. A child is killed (and reported so) when it runs past
its timeout or its RSS passes --max-rss-gib.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / ".bench"
GENERATOR_SOURCES = ROOT / "Benchmarks" / "SyntheticNews"
REFERENCE = ROOT / "scripts" / "bench" / "reference_pipeline.py"
SMALL = 50_000  # sizes up to this get --rounds-small rounds by default, larger ones --rounds-large
ND_STAGES = ["read", "analyze", "vectorize", "copies", "svd", "stories", "topics", "write"]
REF_STAGES = ["import", "read", "tfidf", "minhash", "lsh", "groups", "svd", "distances", "linkage", "write"]


# --- the machine --------------------------------------------------------------------
def read_file(path):
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def meminfo(key):
    for line in read_file("/proc/meminfo").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return None


def machine():
    model = next((l.split(":", 1)[1].strip() for l in read_file("/proc/cpuinfo").splitlines()
                  if l.startswith("model name")), platform.processor() or "unknown")
    flags = next((l.split(":", 1)[1].split() for l in read_file("/proc/cpuinfo").splitlines()
                  if l.startswith("flags")), [])
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "coresUsable": len(os.sched_getaffinity(0)),
        "avx2": "avx2" in flags, "avx512f": "avx512f" in flags,
        "memTotalBytes": meminfo("MemTotal"),
        "kernel": platform.release(),
        "os": (next((l.split("=", 1)[1].strip('"') for l in read_file("/etc/os-release").splitlines()
                     if l.startswith("PRETTY_NAME=")), platform.system())),
        "python": platform.python_version(),
    }


def loadavg():
    parts = read_file("/proc/loadavg").split()
    return [float(x) for x in parts[:3]] if parts else None


def steal_seconds():
    """CPU time the hypervisor gave to others while this VM's CPUs wanted to run (the `steal`
    column of /proc/stat, all CPUs), in seconds; None when the kernel does not report it."""
    for line in read_file("/proc/stat").splitlines():
        parts = line.split()
        if parts and parts[0] == "cpu" and len(parts) > 8:
            return int(parts[8]) / os.sysconf("SC_CLK_TCK")
    return None


def git_state():
    def git(*args):
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None
    return {"commit": git("rev-parse", "--short=12", "HEAD"), "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "GOTO_NUM_THREADS")


# --- corpora ------------------------------------------------------------------------
def generator_version():
    """Hash of the generator's sources: a changed generator gets new corpora."""
    h = hashlib.sha256()
    for f in sorted(GENERATOR_SOURCES.rglob("*.swift")):
        h.update(f.relative_to(GENERATOR_SOURCES).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def corpus(generator, n, seed, base, log):
    version = generator_version()
    folder = base / f"n{n}-seed{seed}-gen{version}"
    if (folder / "truth.json").exists() and (folder / "corpus.jsonl").exists():
        return folder
    base.mkdir(parents=True, exist_ok=True)
    for old in base.glob(f"n{n}-seed{seed}-gen*"):
        log(f"removing {old.name} (another generator version)")
        shutil.rmtree(old)
    tmp = base / f".tmp-{folder.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"generating {n} articles (seed {seed}, generator {version}) ...")
    t = time.perf_counter()
    subprocess.run([str(generator), "generate", "--count", str(n), "--seed", str(seed), "--out", str(tmp)],
                   check=True, stdout=subprocess.DEVNULL)
    tmp.rename(folder)
    log(f"  {folder} in {time.perf_counter() - t:.0f} s, "
        f"{(folder / 'corpus.jsonl').stat().st_size / 1e6:.0f} MB")
    return folder


# --- running a child ----------------------------------------------------------------
def vm_rss(pid):
    for line in read_file(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def run_child(cmd, stdout_path, stderr_path, timeout, max_rss, env=None):
    """Runs cmd in its own session; returns wall seconds, peak RSS (ru_maxrss), exit status and
    why it was killed, if it was. The wall time ends when wait4 returns (a blocking wait, so it
    is not rounded up to a poll); a watcher thread checks the timeout and the RSS cap 4 times a
    second."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        load_before = loadavg()
        steal_before = steal_seconds()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        killed = []
        finished = threading.Event()

        def watch():
            while not finished.wait(0.25):
                elapsed = time.perf_counter() - t0
                reason = None
                if timeout and elapsed > timeout:
                    reason = f"timeout after {timeout:.0f} s"
                elif max_rss and vm_rss(p.pid) > max_rss:
                    reason = f"killed at RSS > {max_rss / 2**30:g} GiB (--max-rss-gib)"
                if reason and not killed:
                    killed.append(reason)
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        steal_after = steal_seconds()
        finished.set()
        watcher.join()
        p.returncode = os.waitstatus_to_exitcode(status)
    return {"wallSeconds": wall, "peakRSSBytes": usage.ru_maxrss * 1024, "exitCode": p.returncode,
            "killed": killed[0] if killed else None, "userSeconds": usage.ru_utime, "systemSeconds": usage.ru_stime,
            "loadBefore": load_before, "loadAfter": loadavg(),
            "stealSeconds": None if steal_before is None or steal_after is None else round(steal_after - steal_before, 2)}


def tail(path, lines=8):
    text = read_file(path).strip().splitlines()
    return "\n".join(text[-lines:])


def run_newsdedup(a, n, corpus_dir, out_dir, log):
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(a.newsdedup), "run", str(corpus_dir / "corpus.jsonl"), "--out", str(out_dir), "--quiet", "--no-history"]
    if a.threads:
        cmd += ["--threads", str(a.threads)]
    r = run_child(cmd, out_dir.parent / "newsdedup.stdout", out_dir.parent / "newsdedup.stderr",
                  a.timeout, a.max_rss_gib * 2**30, env=child_env(a))
    r["pipeline"] = "newsdedup"
    r["command"] = " ".join(cmd)
    if r["exitCode"] != 0 or r["killed"]:
        r["error"] = r["killed"] or f"exit {r['exitCode']}: {tail(out_dir.parent / 'newsdedup.stderr')}"
        return r
    m = json.loads((out_dir / "manifest.json").read_text())
    r["stages"] = {s["name"]: s["seconds"] for s in m["stages"]}
    r["pipelineSeconds"] = m["totalSeconds"]
    r["articles"] = m["articles"]["read"]
    r["threads"] = m["threads"]
    r["blas"] = m["blasLibraries"]
    r["blasThreads"] = m.get("blasThreads")
    return r


def reference_command(a, space, corpus_dir=None, out_dir=None):
    cmd = [str(REFERENCE) if corpus_dir else "reference_pipeline.py",
           str(corpus_dir / "corpus.jsonl") if corpus_dir else "corpus.jsonl", "--out", str(out_dir or "DIR"),
           "--space", space, "--max-gib", f"{a.reference_max_gib:g}"]
    if not a.reference_fixed_threshold:
        cmd += ["--truth", str(corpus_dir / "truth.json") if corpus_dir else "truth.json"]
    return cmd


def run_reference(a, n, corpus_dir, out_dir, log, space="svd"):
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(a.python)] + reference_command(a, space, corpus_dir, out_dir)
    stdout = out_dir.parent / "reference.stdout"
    r = run_child(cmd, stdout, out_dir.parent / "reference.stderr", a.reference_timeout,
                  a.max_rss_gib * 2**30, env=child_env(a))
    r["pipeline"] = "reference" if space == "svd" else f"reference-{space}"
    r["command"] = " ".join(cmd)
    if r["exitCode"] != 0 or r["killed"]:
        r["error"] = r["killed"] or f"exit {r['exitCode']}: {tail(out_dir.parent / 'reference.stderr')}"
        return r
    line = [l for l in read_file(stdout).splitlines() if l.startswith("{")][-1]
    j = json.loads(line)
    r["stages"] = j["stages"]
    r["pipelineSeconds"] = j["seconds"]
    # The oracle (choosing the story threshold with the truth) is not part of the pipeline.
    oracle = r["stages"].pop("oracle", 0.0)
    r["oracleSeconds"] = oracle
    r["wallSecondsIncludingOracle"] = r["wallSeconds"]
    r["wallSeconds"] -= oracle
    r["pipelineSeconds"] -= oracle
    r["oracle"] = j.get("oracle")
    r["articles"] = j["articles"]
    r["storiesRefused"] = j["storiesRefused"]
    r["threadpools"] = j["threadpools"]
    r["versions"] = j["versions"]
    r["parameters"] = j["parameters"]
    r["storyThreshold"] = j["parameters"]["storyThreshold"]
    return r


def child_env(a):
    env = dict(os.environ)
    if a.threads:
        for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            env[k] = str(a.threads)
    return env


# --- scoring ------------------------------------------------------------------------
def load_groups(path, key):
    """Lists of ids from duplicates.json (`groups`) or clusters.json (`clusters`); members are
    ids or objects with an "id"."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for g in data[key]:
        members = g if isinstance(g, list) else g["members"]
        out.append([m if isinstance(m, str) else str(m["id"]) for m in members])
    return out


def labelling(groups, universe):
    """Group number of every document of the universe (documents in no group are singletons);
    ids outside the universe are counted, as ../shared/eval/score.py refuses them."""
    label, unknown = {}, 0
    for k, g in enumerate(groups):
        for d in g:
            if d in label and label[d] != k:
                raise ValueError(f"document {d!r} is in two groups")
            label[d] = k
    known = set(universe)
    unknown = sum(1 for d in label if d not in known)
    nxt = len(groups)
    out = []
    for d in universe:
        if d in label:
            out.append(label[d])
        else:
            out.append(nxt)
            nxt += 1
    return out, unknown


def pair_count(c):
    return c * (c - 1) // 2


def pairwise(pred, truth):
    cells = Counter(zip(pred, truth))
    tp = sum(pair_count(c) for c in cells.values())
    pp = sum(pair_count(c) for c in Counter(pred).values())
    tt = sum(pair_count(c) for c in Counter(truth).values())
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def bcubed(pred, truth):
    cells = Counter(zip(pred, truth))
    ps, ts = Counter(pred), Counter(truth)
    n = len(pred)
    p = sum(c * c / ps[a] for (a, _), c in cells.items()) / n if n else 1.0
    r = sum(c * c / ts[b] for (_, b), c in cells.items()) / n if n else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def score(truth_path, results):
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    out = {}
    for key, fname, gkey, metric in (("duplicate_groups", "duplicates.json", "groups", pairwise),
                                     ("story_clusters", "clusters.json", "clusters", bcubed)):
        universe = set(truth.get("documents") or [])
        for g in truth[key]:
            universe.update(g)
        universe = sorted(universe)
        path = Path(results) / fname
        if not path.exists():
            out[key] = None
            continue
        pred, unknown = labelling(load_groups(path, gkey), universe)
        tru, _ = labelling(truth[key], universe)
        s = metric(pred, tru)
        s["unknownIds"] = unknown
        out[key] = s
    return out


def score_in_child(truth, results):
    """Scores in a separate process, so that the driver stays small between measured runs."""
    r = subprocess.run([sys.executable, __file__, "--score", str(truth), str(results)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr.strip()[-500:]}
    return json.loads(r.stdout)


# --- the table ----------------------------------------------------------------------
def median(xs):
    return statistics.median(xs) if xs else None


def summarize(n, name, runs, quality):
    ok = [r for r in runs if "error" not in r]
    s = {"articles": n, "pipeline": name, "rounds": len(runs), "completedRounds": len(ok),
         "errors": sorted({r["error"] for r in runs if "error" in r}), "quality": quality}
    if ok:
        known = ND_STAGES if name == "newsdedup" else REF_STAGES
        seen = {k for r in ok for k in r["stages"]}
        stage_names = [k for k in known if k in seen] + sorted(seen - set(known))
        s["stages"] = {k: median([r["stages"].get(k, 0.0) for r in ok]) for k in stage_names}
        s["wallSeconds"] = median([r["wallSeconds"] for r in ok])
        s["wallSecondsAll"] = [round(r["wallSeconds"], 3) for r in ok]
        s["stealSecondsAll"] = [r.get("stealSeconds") for r in ok]
        s["peakRSSBytes"] = max(r["peakRSSBytes"] for r in ok)
        s["articlesPerSecond"] = n / s["wallSeconds"]
        s["storiesRefused"] = next((r.get("storiesRefused") for r in ok if r.get("storiesRefused")), None)
        s["storyThreshold"] = ok[-1].get("storyThreshold")
        s["oracle"] = ok[-1].get("oracle")
    return s


def fmt_stages(stages):
    return " · ".join(f"{k} {v:.1f}" if v >= 0.95 else f"{k} {v:.2f}" for k, v in stages.items())


def f1(q, key):
    if q is None or "error" in q:
        return "error"
    v = q.get(key)
    return "—" if v is None else f"{v['f1']:.4f}"


def markdown(report):
    m = report["machine"]
    lines = [f"# NewsDedup benchmark, {report['started']}", "",
             f"- machine: {m['cpu']}, {m['cores']} cores ({m['coresUsable']} usable), "
             f"{m['memTotalBytes'] / 2**30:.1f} GiB RAM, {m['os']}, Linux {m['kernel']}",
             f"- load average at start {report['loadStart']}, at end {report.get('loadEnd')}",
             f"- NewsDedup {report['git']['commit']} ({report['git']['branch']}{', uncommitted changes' if report['git']['dirty'] else ''}): "
             f"`{report['newsdedupCommand']}`; threads {report.get('newsdedupThreads')}; "
             f"BLAS {', '.join(report.get('newsdedupBLAS') or ['?'])} ({report.get('newsdedupBLASThreads') or 'its own'} threads)",
             f"- reference: `{report['referenceCommand']}` (reference-tfidf: `--space tfidf`); thread pools "
             + "; ".join(" ".join(x for x in (p.get("internal_api"), p.get("version")) if x)
                         + f" ({Path(p.get('filepath') or '').name}) {p.get('num_threads')} threads"
                         for p in report.get("referenceThreadpools") or [])
             + (f"; versions {', '.join(f'{k} {v}' for k, v in report['referenceVersions'].items())}"
                if report.get("referenceVersions") else ""),
             f"- environment: {', '.join(f'{k}={v}' for k, v in report['environment'].items()) or 'no thread variables set'}",
             f"- corpora: `newsdedup-bench generate --count N --seed {report['seed']}` (generator {report['generator']}); "
             f"times are medians over the rounds (wall time of the whole process, as measured by the driver; for the reference, less its oracle stage); "
             f"peak RSS is the maximum over the rounds", "",
             "| N | pipeline | rounds | stages, s (median) | total s | peak RSS GiB | articles/s | dup F1 | story B³ F1 | ref / NewsDedup |",
             "| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in report["rows"]:
        if "wallSeconds" not in row:
            lines.append(f"| {row['articles']:,} | {row['pipeline']} | 0/{row['rounds']} | {'; '.join(row['errors'])} | | | | | | |")
            continue
        partial = row.get("storiesRefused")
        total = f"{row['wallSeconds']:.1f}" if not partial else f"≥ {row['wallSeconds']:.1f} (no stories)"
        story = f1(row["quality"], "story_clusters") if not partial else "refused"
        ratio = row.get("ratio")
        ratio_s = "" if ratio is None else (f"{ratio:.1f}x" if not partial else f"≥ {ratio:.1f}x")
        rounds = f"{row['completedRounds']}/{row['rounds']}" if row["completedRounds"] != row["rounds"] else f"{row['rounds']}"
        lines.append(f"| {row['articles']:,} | {row['pipeline']} | {rounds} | {fmt_stages(row['stages'])} | {total} | "
                     f"{row['peakRSSBytes'] / 2**30:.2f} | {row['articlesPerSecond']:,.0f} | "
                     f"{f1(row['quality'], 'duplicate_groups')} | {story} | {ratio_s} |")
    notes = []
    for row in report["rows"]:
        if len(row.get("wallSecondsAll") or []) > 1:
            steal = row.get("stealSecondsAll") or []
            notes.append(f"- {row['articles']:,} {row['pipeline']}: rounds " + ", ".join(
                f"{w:.1f} s" + (f" ({st:.1f} s stolen)" if st is not None else "")
                for w, st in zip(row["wallSecondsAll"], steal + [None] * len(row["wallSecondsAll"]))))
        if row.get("storiesRefused"):
            notes.append(f"- {row['articles']:,} {row['pipeline']}: stories refused: {row['storiesRefused']}")
        if row.get("oracle"):
            notes.append(f"- {row['articles']:,} {row['pipeline']}: story threshold {row['storyThreshold']:g}, the best of "
                         "(B-cubed F1 against the truth) " + ", ".join(f"{t}: {f:.3f}" for t, f in row["oracle"].items()))
        elif row.get("storyThreshold") is not None:
            notes.append(f"- {row['articles']:,} {row['pipeline']}: fixed story threshold {row['storyThreshold']:g}")
        if row["errors"] and "wallSeconds" in row:
            notes.append(f"- {row['articles']:,} {row['pipeline']}: {'; '.join(row['errors'])}")
    if report.get("scaling"):
        notes.append(f"- scaling: {report['scaling']}")
    if notes:
        lines += [""] + notes
    return "\n".join(lines) + "\n"


# --- main ---------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000, 200000, 1000000])
    ap.add_argument("--reference-sizes", type=int, nargs="*", default=[10000, 50000],
                    help="sizes (among --sizes) that the reference runs on too; none with --no-reference")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--generate-only", action="store_true", help="write the corpora of --sizes and stop")
    ap.add_argument("--rounds", type=int, help="rounds for every size (default: --rounds-small / --rounds-large)")
    ap.add_argument("--rounds-small", type=int, default=3, help=f"rounds for sizes up to {SMALL:,} (default 3)")
    ap.add_argument("--rounds-large", type=int, default=1, help="rounds for larger sizes (default 1)")
    ap.add_argument("--interleave-sizes", action="store_true",
                    help="run round k of every size before round k + 1 of any (the sizes' order alternating), "
                         "so that a change in the host's speed falls alike on every size; the 1M / 100k ratio "
                         "is then also given round by round")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpora", type=Path, default=BENCH / "corpora",
                    help="where the generated corpora are kept (default .bench/corpora; another worktree's "
                         "folder can be shared: the generator's source hash is in each folder's name)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds a NewsDedup run may take (default 3600)")
    ap.add_argument("--reference-timeout", type=float, default=1800,
                    help="seconds a reference run may take (default 1800); a timed-out size is not retried")
    ap.add_argument("--max-rss-gib", type=float, default=16.0,
                    help="kill a run whose RSS passes this (default 16; the machine is shared)")
    ap.add_argument("--reference-max-gib", type=float, default=14.0,
                    help="the reference refuses to cluster above this memory estimate (default 14)")
    ap.add_argument("--reference-tfidf-sizes", type=int, nargs="*", default=[10000],
                    help="sizes (among --sizes) that also run the reference clustering the TF-IDF rows "
                         "instead of the SVD rows (slower, better stories; default 10000)")
    ap.add_argument("--reference-fixed-threshold", action="store_true",
                    help="cut the reference's tree at its fixed default threshold instead of the best one for "
                         "each corpus (chosen with truth.json, its time left out)")
    ap.add_argument("--threads", type=int, help="newsdedup --threads and OPENBLAS/OMP_NUM_THREADS for both")
    ap.add_argument("--newsdedup", type=Path, default=ROOT / ".build" / "release" / "newsdedup")
    ap.add_argument("--generator", type=Path, default=ROOT / ".build" / "release" / "newsdedup-bench")
    ap.add_argument("--python", type=Path, default=Path(sys.executable),
                    help="python with the reference's packages (make bench passes the venv's)")
    ap.add_argument("--score", nargs=2, metavar=("TRUTH", "RESULTS"), help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.score:
        print(json.dumps(score(*a.score)))
        return 0

    started = datetime.datetime.now().astimezone()
    stamp = started.strftime("%Y%m%d-%H%M%S")

    def log(msg):
        print(f"[bench {datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)

    ref_sizes = set() if a.no_reference else set(a.reference_sizes)
    tfidf_sizes = set() if a.no_reference else set(a.reference_tfidf_sizes)
    report = {"started": started.isoformat(timespec="seconds"), "machine": machine(), "git": git_state(),
              "loadStart": loadavg(), "seed": a.seed, "generator": generator_version(),
              "environment": {k: os.environ[k] for k in THREAD_VARS if k in os.environ},
              "newsdedupCommand": f"newsdedup run corpus.jsonl --out DIR --quiet --no-history{f' --threads {a.threads}' if a.threads else ''}",
              "referenceCommand": " ".join(reference_command(a, "svd")),
              "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items() if k != "score"},
              "rows": [], "runs": []}
    if a.threads:
        report["environment"].update({"OPENBLAS_NUM_THREADS": str(a.threads), "OMP_NUM_THREADS": str(a.threads)})
    m = report["machine"]
    log(f"{m['cpu']}, {m['cores']} cores, {m['memTotalBytes'] / 2**30:.1f} GiB; load {report['loadStart']}")

    if a.generate_only:
        for n in a.sizes:
            corpus(a.generator, n, a.seed, a.corpora, log)
        return 0
    # Each size's pipelines, runs and rows; the rounds run size by size, or with
    # --interleave-sizes round by round over the sizes (round k of every size, the sizes'
    # order alternating), so that a change in the host's speed falls alike on every size.
    plans = []
    for n in a.sizes:
        pipelines = [("newsdedup", run_newsdedup)]
        if n in ref_sizes:
            pipelines.append(("reference", run_reference))
        if n in tfidf_sizes:
            pipelines.append(("reference-tfidf", lambda *args: run_reference(*args, space="tfidf")))
        plans.append({"n": n, "folder": None, "rounds": a.rounds or (a.rounds_small if n <= SMALL else a.rounds_large),
                      "pipelines": pipelines, "runs": {name: [] for name, _ in pipelines}, "gaveUp": set()})

    def run_round(plan, k):
        n = plan["n"]
        if plan["folder"] is None:
            plan["folder"] = corpus(a.generator, n, a.seed, a.corpora, log)
        order = plan["pipelines"] if k % 2 == 0 else plan["pipelines"][::-1]
        for name, fn in order:
            if name in plan["gaveUp"]:
                continue
            log(f"N={n:,} round {k + 1}/{plan['rounds']}: {name} ...")
            r = fn(a, n, plan["folder"], BENCH / "runs" / f"n{n}" / name / "results", log)
            r["round"] = k + 1
            r["articles"] = n
            plan["runs"][name].append(r)
            report["runs"].append(r)
            if "error" in r:
                log(f"  {name} failed: {r['error']}")
                if r.get("killed"):
                    plan["gaveUp"].add(name)  # a timeout or the RSS cap would only repeat
            else:
                log(f"  {r['wallSeconds']:.1f} s, peak RSS {r['peakRSSBytes'] / 2**30:.2f} GiB"
                    + (f", CPU stolen by the host {r['stealSeconds']:.1f} s" if r.get("stealSeconds") is not None else "")
                    + (f"; stories refused: {r['storiesRefused']}" if r.get("storiesRefused") else ""))

    def finish(plan):
        n, runs = plan["n"], plan["runs"]
        rows = {}
        for name, _ in plan["pipelines"]:
            results = BENCH / "runs" / f"n{n}" / name / "results"
            done = [r for r in runs[name] if "error" not in r]
            quality = score_in_child(plan["folder"] / "truth.json", results) if done else None
            rows[name] = summarize(n, name, runs[name], quality)
            if quality and "error" not in quality:
                d, s = quality.get("duplicate_groups"), quality.get("story_clusters")
                log(f"  {name}: dup F1 {d['f1'] if d else float('nan'):.4f}, story B-cubed F1 "
                    f"{s['f1'] if s else float('nan'):.4f}")
        nd = rows["newsdedup"]
        for name, row in rows.items():
            if name != "newsdedup" and "wallSeconds" in nd and "wallSeconds" in row:
                row["ratio"] = row["wallSeconds"] / nd["wallSeconds"]
        report["rows"].extend(rows.values())
        for r in runs.get("newsdedup", []):
            if "threads" in r:
                report["newsdedupThreads"], report["newsdedupBLAS"] = r["threads"], r["blas"]
                report["newsdedupBLASThreads"] = r.get("blasThreads")
        for r in runs.get("reference", []) + runs.get("reference-tfidf", []):
            if "threadpools" in r:
                report["referenceThreadpools"], report["referenceVersions"] = r["threadpools"], r["versions"]
        write_report(report, stamp, a)

    if a.interleave_sizes:
        report["interleavedSizes"] = True
        for k in range(max(p["rounds"] for p in plans)):
            for plan in (plans if k % 2 == 0 else plans[::-1]):
                if k < plan["rounds"]:
                    run_round(plan, k)
        for plan in plans:
            finish(plan)
    else:
        for plan in plans:
            for k in range(plan["rounds"]):
                run_round(plan, k)
            finish(plan)

    walls = {r["articles"]: r["wallSeconds"] for r in report["rows"] if r["pipeline"] == "newsdedup" and "wallSeconds" in r}
    if 100_000 in walls and 1_000_000 in walls:
        report["scaling"] = (f"NewsDedup time(1,000,000) / time(100,000) = {walls[1_000_000]:.1f} / "
                             f"{walls[100_000]:.1f} = {walls[1_000_000] / walls[100_000]:.2f} (medians)")
        if a.interleave_sizes:
            # Round k's two runs follow each other: their ratio is free of drift between rounds.
            wall = {p["n"]: {r["round"]: r["wallSeconds"] for r in p["runs"]["newsdedup"] if "error" not in r}
                    for p in plans}
            ratios = [wall[1_000_000][k] / wall[100_000][k] for k in sorted(wall[100_000]) if k in wall[1_000_000]]
            if ratios:
                report["scalingByRound"] = ratios
                report["scaling"] += (f"; round by round (each round's two runs back to back): "
                                      + ", ".join(f"{x:.2f}" for x in ratios)
                                      + f", median {statistics.median(ratios):.2f}")
    report["loadEnd"] = loadavg()
    md = write_report(report, stamp, a)
    print(md)
    log(f"wrote .bench/results-{stamp}.json and .md")
    return 0


def write_report(report, stamp, a):
    BENCH.mkdir(exist_ok=True)
    (BENCH / f"results-{stamp}.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    md = markdown(report)
    (BENCH / f"results-{stamp}.md").write_text(md)
    return md


if __name__ == "__main__":
    sys.exit(main())
