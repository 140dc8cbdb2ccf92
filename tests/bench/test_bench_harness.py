#!/usr/bin/env python3
"""Tests of the benchmark harness (bench/run.sh and the programs it runs) at
a small scale: what `bench/run.sh --sizes 1M,10M,100M` measures must be the
figures issue 13 asks for, on the same searches for every engine.

- `isla bench --emit` writes every bestOffersByHotel class of the mix (over
  every destination, in one destination, any length of stay), then hotel
  offers, in mix order; `--threads 1,2` prints one throughput line per count;
  bad `--threads` values exit 2 naming the option;
- on a 3-destination store, the emitted mix replayed over HTTP
  (bench/http_mix.py, with the server time of X-Response-Time), and through
  SQLite (bench/sqlite_bench.py: no `duration` = any length of stay,
  `destination` = outbound arrival airport) gives the same answers as isla
  for every search (bench/verify.py);
- bench/report.py: the targets table of issue 13 with measured value and
  met yes/no (limits inclusive, "not measured" when a run lacks a figure),
  --doc replaces only the results block of the document, --readme writes
  README's Performance tables;
- bench/run.sh refuses bad --dests / --sizes with exit 2 before any work.

DuckDB is not run here (it needs bench/node_modules); its SQL is built by
the same rules and checked against isla by every bench/run.sh run.
Prints `N passed, M failed`. ISLA_BIN overrides the binary."""
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import BIN, ROOT, Server, check, run_test, summary  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="isla-bench-test-"))
BENCH = ROOT / "bench"
DESTS = "PMI,IBZ,AYT"
BEST = ["narrow", "typical", "broad", "filtered", "dest-narrow", "dest-typical", "no-duration"]
DATA = TMP / "data"
HOTELS = TMP / "hotels3.csv"


def sh(cmd, timeout=120, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def make_store():
    """30k offers over three destinations, with their generated hotels.csv."""
    p = sh([BIN, "gen", "--offers", "0", "--destinations", DESTS, "--hotels-out", str(HOTELS)])
    check(p.returncode == 0, p.stderr)
    gen = subprocess.Popen([BIN, "gen", "--offers", "30000", "--seed", "3", "--destinations", DESTS],
                           stdout=subprocess.PIPE)
    imp = subprocess.run([BIN, "import", "--offers", "-", "--hotels", str(HOTELS), "--data", str(DATA), "--quiet"],
                         stdin=gen.stdout, capture_output=True, timeout=120)
    gen.stdout.close()
    check(gen.wait(timeout=120) == 0 and imp.returncode == 0, imp.stderr[-400:])


def emit(n, path):
    p = sh([BIN, "bench", "--data", str(DATA), "--searches", str(n), "--emit", str(path)])
    check(p.returncode == 0, p.stderr)
    return [line.split("\t") for line in path.read_text().splitlines()]


def t_emit_every_class():
    rows = emit(12, TMP / "mix12.tsv")
    classes = []
    for c, _ in rows:
        if not classes or classes[-1] != c:
            classes.append(c)
    check(classes == BEST + ["hotel-first20"], classes)
    for c in BEST + ["hotel-first20"]:
        check(sum(1 for x, _ in rows if x == c) == 12, f"{c}: not 12 searches")
    for c, path in rows:
        check(path.startswith("/hotels/" if c == "hotel-first20" else "/bestOffersByHotel?"), path)
        check(("&duration=" in path) == (c != "no-duration"), f"{c}: {path}")
        check(("&destination=" in path) == c.startswith(("dest-", "no-duration")), f"{c}: {path}")
    # the first searches of a longer mix are the same searches (the other
    # engines run the first 300 of the 1000 isla bench times)
    longer = emit(20, TMP / "mix20.tsv")
    for c in BEST:
        check([p for x, p in rows if x == c] == [p for x, p in longer if x == c][:12], f"{c}: not a prefix")


def t_threads_list():
    p = sh([BIN, "bench", "--data", str(DATA), "--searches", "10", "--seconds", "1", "--threads", "1,2"])
    check(p.returncode == 0, p.stderr)
    lines = [x for x in p.stdout.splitlines() if x.startswith("throughput:")]
    check(len(lines) == 2 and "with 1 threads" in lines[0] and "with 2 threads" in lines[1], lines)
    for x in lines:  # searches per CPU-second, and the CPU time the threads got, no more than wall x threads
        n, per_cpu, cpu, wall = (float(v) for v in re.findall(r"([\d.]+) (?:searches/s|searches per|CPU-seconds in|s$)", x)[:4])
        threads = 1 if "with 1 threads" in x else 2
        check(per_cpu > 0 and 0 < cpu <= wall * threads * 1.05 + 0.05 and wall >= 0.99, x)
        check(abs(n * wall - per_cpu * cpu) <= 0.05 * n * wall + 50, f"searches done differ: {x}")
    for c in BEST + ["hotel-first20", "hotel-deep20"]:
        check(any(x.split()[:1] == [c] for x in p.stdout.splitlines()), f"class {c} missing: {p.stdout}")


def t_bad_threads_exit_2():
    for bad in ("0", "1,", ",2", "1,x", "300", "1,2,3,4,5,6,7,8,9", ""):
        p = sh([BIN, "bench", "--data", str(DATA), "--searches", "10", "--threads", bad])
        check(p.returncode == 2 and "--threads" in p.stderr and "throughput:" not in p.stdout,
              f"--threads '{bad}': rc {p.returncode}, {p.stderr!r}")


def t_http_and_sqlite_answer_alike():
    d = TMP / "replay"
    d.mkdir()
    emit(25, d / "mix.tsv")
    srv = Server(DATA, ["--threads", "1", "--cache-size", "0", "--no-verify"])
    try:
        srv.wait_health()
        p = sh([sys.executable, str(BENCH / "http_mix.py"), "--port", str(srv.port), "--mix", str(d / "mix.tsv"),
                "--out", str(d / "http.json"), "--digest", str(d / "isla.digest")])
        check(p.returncode == 0, p.stderr)
    finally:
        srv.stop()
    h = json.loads((d / "http.json").read_text())
    check(h["errors"] == 0 and h["requests"] == 25 * 8, h)
    for c in BEST + ["hotel-first20"]:
        x = h["classes"][c]
        check(x["server_n"] == 25 and 0 < x["server_p50_us"] <= x["server_p99_us"] <= x["server_max_us"], (c, x))
        check(x["server_p50_us"] <= x["p50_us"], f"{c}: server time above the round trip: {x}")
        check(x["bytes"] > 0 and x["bytes_per_server_s"] > 0, (c, x))
    gen = subprocess.Popen([BIN, "gen", "--offers", "30000", "--seed", "3", "--destinations", DESTS],
                           stdout=subprocess.PIPE)
    p = subprocess.run([sys.executable, str(BENCH / "sqlite_bench.py"), "load", "--db", str(d / "s.db"),
                        "--hotels", str(HOTELS)], stdin=gen.stdout, capture_output=True, text=True, timeout=300)
    gen.stdout.close()
    check(gen.wait(timeout=60) == 0 and p.returncode == 0, p.stderr[-500:])
    p = sh([sys.executable, str(BENCH / "sqlite_bench.py"), "query", "--db", str(d / "s.db"), "--mix",
            str(d / "mix.tsv"), "--out", str(d / "sqlite.json"), "--digest", str(d / "sqlite.digest")], timeout=300)
    check(p.returncode == 0, p.stderr[-500:])
    p = sh([sys.executable, str(BENCH / "verify.py"), "--mix", str(d / "mix.tsv"), "--isla", str(d / "isla.digest"),
            "--other", str(d / "sqlite.digest"), "--name", "sqlite", "--out", str(d / "verify.json")])
    v = json.loads((d / "verify.json").read_text())
    check(p.returncode == 0 and v["searches"] == 200 and v["mismatches"] == 0, v)
    # the check can fail: one answer changed is one mismatch
    dig = (d / "sqlite.digest").read_text().splitlines()
    k = next(i for i, x in enumerate(dig) if x.startswith("no-duration\t") and ":" in x)
    cls, rest = dig[k].split("\t", 1)
    hotel, price, n = rest.split(",")[0].split(":")
    dig[k] = f"{cls}\t" + ",".join([f"{hotel}:{price}:{int(n) + 1}"] + rest.split(",")[1:])
    (d / "bad.digest").write_text("\n".join(dig) + "\n")
    p = sh([sys.executable, str(BENCH / "verify.py"), "--mix", str(d / "mix.tsv"), "--isla", str(d / "isla.digest"),
            "--other", str(d / "bad.digest"), "--name", "sqlite", "--out", str(d / "verify_bad.json")])
    check(p.returncode == 1 and json.loads((d / "verify_bad.json").read_text())["mismatches"] == 1, p.stderr)


# ---- bench/report.py on result files written here ----

def bench_txt(p99_us=400.0, deep_p99_us=200.0, t1=1000, t2=1900, json_mbs=2500):
    lines = ["generation 1: 100000000 offers, 998 hotels; opened in 1.0 ms, warmed in 1.0 ms",
             "class             searches    p50 us    p90 us    p99 us    max us  results/avg"]
    for c in BEST:
        lines.append(f"{c:<17} {1000:8} {50.0:9.1f} {80.0:9.1f} {p99_us:9.1f} {900.0:9.1f} {100.0:12.1f}")
    lines.append(f"{'hotel-first20':<17} {1000:8} {2.0:9.1f} {5.0:9.1f} {150.0:9.1f} {300.0:9.1f} {20.0:12.1f}")
    lines.append(f"{'hotel-deep20':<17} {1000:8} {1.0:9.1f} {2.0:9.1f} {deep_p99_us:9.1f} {300.0:9.1f} {20.0:12.1f}")
    lines.append(f"json: 250 KB per full broad answer, encoded at {json_mbs} MB/s (one core), 100 us per answer")
    lines.append(f"throughput: {t1} searches/s with 1 threads (mixed classes, search only); {t1} searches per "
                 "CPU-second, 3.00 CPU-seconds in 3.00 s")
    lines.append(f"throughput: {t2} searches/s with 2 threads (mixed classes, search only); {t2 // 2} searches per "
                 "CPU-second, 6.00 CPU-seconds in 3.00 s")
    return "\n".join(lines) + "\n"


def result_dir(root, size, offers, bench, extra):
    d = root / size
    d.mkdir(parents=True)
    (d / "isla_bench.txt").write_text(bench)
    files = {
        "size": {"size": size, "label": size, "offers": offers, "destinations": "", "dests": 0, "full": 1,
                 "loadavg": "0.1 0.1 0.1"},
        "import": {"rows": offers, "imported": offers},
        "import_time": {"wall_s": 45.0, "import": {"cpu_s": offers / 1.5e6, "maxrss_bytes": 2**30}},
        "store": {"generation_dir_bytes": 36 * offers, "offers_file_bytes": 35 * offers},
        "startup": {"ready_ms": 500.0}, "startup_noverify": {"ready_ms": 100.0},
        "rss": {"VmRSS": 20 * offers, "RssAnon": 2**21, "RssFile": 20 * offers - 2**21},
        "wrk_limit20_nocache": {"requests": 200000, "duration_us": 10_000_000, "bytes": 10**9, "p50_us": 3000,
                                "p99_us": 9000, "loadavg": "1 1 1"},
        "http": {"classes": {"typical": {"n": 300, "p50_us": 400, "p99_us": 900, "server_p50_us": 250,
                                         "server_p99_us": 400, "bytes": 300 * 200_000,
                                         "bytes_per_server_s": 2.6e9}}},
        "duckdb": {"modes": {"threads_1": {"classes": {c: {"p50_us": 5000.0, "p99_us": 9000.0}
                                                       for c in BEST + ["hotel-first20"]}}}},
    }
    files.update(extra)
    for k, v in files.items():
        if v is not None:
            (d / f"{k}.json").write_text(json.dumps(v))
    return d


def report_targets(extra=None, bench=None):
    root = Path(tempfile.mkdtemp(dir=TMP))
    (root / "machine.json").write_text(json.dumps({"cpu": "test", "cores": 2, "searches": 1000}))
    result_dir(root, "100M", 100_000_000, bench or bench_txt(), extra or {})
    p = sh([sys.executable, str(BENCH / "report.py"), str(root)])
    check(p.returncode == 0, p.stderr)
    part = p.stdout.split("### Targets of issue 13, checked at 100M", 1)
    check(len(part) == 2, p.stdout[-2000:])
    rows = {}
    for line in part[1].splitlines()[4:]:
        if not line.startswith("|"):
            break
        cells = [x.strip() for x in line.strip("|").split("|")]
        check(len(cells) == 3, f"a target row with a '|' in a cell: {line}")
        rows[cells[0]] = (cells[1], cells[2])
    check(len(rows) == 12, list(rows))
    return rows


def met(rows, prefix):
    hits = [v for k, v in rows.items() if k.startswith(prefix)]
    check(len(hits) == 1, f"{prefix}: {list(rows)}")
    return hits[0][1]


def t_report_targets_at_the_limits():
    # every figure exactly at its limit: every target met
    rows = report_targets()
    check(all(v[1] == "yes" for v in rows.values()), rows)
    check("per CPU-second 0.95× (1,000 → 950), the threads got 1.00 and 2.00 cores" in
          rows["two search threads ≥ 1.9× one (throughput)"][0], rows)
    check("no-duration 100×" in rows["p50 ≥ 100× DuckDB (1 thread), every class (the 7 bestOffersByHotel classes, hotel-first20)"][0], rows)


def t_report_targets_missed():
    rows = report_targets(
        {"rss": {"VmRSS": 21 * 100_000_000, "RssAnon": 0, "RssFile": 0},
         "store": {"generation_dir_bytes": 37 * 100_000_000, "offers_file_bytes": 36 * 100_000_000},
         "startup": {"ready_ms": 501.0},
         "import_time": {"wall_s": 45.1, "import": {"cpu_s": 100_000_000 / 1.49e6, "maxrss_bytes": 1}},
         "wrk_limit20_nocache": {"requests": 199990, "duration_us": 10_000_000, "bytes": 1, "p50_us": 1, "p99_us": 1,
                                 "loadavg": "1"},
         "http": {"classes": {"typical": {"n": 300, "p50_us": 400, "p99_us": 900, "server_p50_us": 251,
                                          "server_p99_us": 400, "bytes": 1, "bytes_per_server_s": 1.0}}},
         "duckdb": {"modes": {"threads_1": {"classes": dict(
             {c: {"p50_us": 5000.0} for c in BEST + ["hotel-first20"]}, **{"no-duration": {"p50_us": 4999.0}})}}}},
        bench_txt(p99_us=500.1, deep_p99_us=200.1, t2=1899, json_mbs=2499))
    check(all(v[1] == "no" for v in rows.values()), rows)


def t_report_not_measured():
    # a run without DuckDB, HTTP or the second thread count: those say so
    rows = report_targets({"duckdb": None, "http": None, "wrk_limit20_nocache": None, "rss": None, "startup": None},
                          bench_txt().replace("throughput: 1900 searches/s with 2 threads", "x"))
    for prefix in ("p50 ≥ 100× DuckDB", "uncached HTTP", "full answers: server time", "two search threads",
                   "resident memory", "ready"):
        check(met(rows, prefix) == "–", (prefix, rows))
    check(met(rows, "disk") == "yes" and met(rows, "full answers: JSON") == "yes", rows)


def t_report_doc_rewrites_only_the_block():
    root = Path(tempfile.mkdtemp(dir=TMP))
    (root / "machine.json").write_text(json.dumps({"cpu": "test", "cores": 2}))
    result_dir(root, "1M", 1_000_000, bench_txt(), {})
    # the prose names the markers too (in backquotes, as BENCHMARKS.md does):
    # only the markers on a line of their own delimit the block
    before = ("# Doc\n\nwritten by hand |a|b|; the script rewrites what lies between\n"
              "`<!-- results:begin -->` and `<!-- results:end -->`, nothing else.\n\n<!-- results:begin -->\n")
    after = "<!-- results:end -->\n\nmore, by hand\n"
    doc = root / "B.md"
    doc.write_text(before + "old tables\n" + after)
    p = sh([sys.executable, str(BENCH / "report.py"), "--doc", str(doc), "--readme", str(root / "readme.md"), str(root)])
    check(p.returncode == 0, p.stderr)
    readme = (root / "readme.md").read_text().splitlines()
    check(readme[0] == "| bestOffersByHotel p50 / p99 (ms) | 1M | DuckDB 1M p50 | isla faster by |", readme[:1])
    check("| no-duration (one destination, any length of stay) | 0.050 / 0.400 | 5.000 | 100x |" in readme, readme)
    text = doc.read_text()
    check(text.startswith(before) and text.endswith(after), text[:300] + " ... " + text[-300:])
    check("old tables" not in text and "### Targets of issue 13, checked at 1M" in text, text[:500])
    check(p.stdout.strip() in text, "the printed tables are what the document got")


def t_run_sh_bad_options():
    for args, want in ((["--dests", "1"], "--dests"), (["--dests", "21"], "--dests"), (["--dests", "x"], "--dests"),
                       (["--dests-full"], "--dests"), (["--sizes", "1M,abc"], "--sizes"), (["--bogus"], "--bogus")):
        work = TMP / "work-bad"
        # a run.sh that took a bad option would stop at once: no binary, nothing else to run
        p = sh(["bash", str(BENCH / "run.sh"), *args, "--skip-duckdb", "--skip-sqlite", "--skip-http", "--no-doc"],
               env={"PATH": "/usr/bin:/bin", "WORK": str(work), "ISLA": "/bin/false"}, timeout=30)
        started = work.exists()
        shutil.rmtree(work, ignore_errors=True)
        check(p.returncode == 2 and want in p.stderr and not started, f"{args}: rc {p.returncode} {p.stderr!r}")


def main():
    try:
        make_store()
        for name, fn in [
            ("emit_every_class", t_emit_every_class),
            ("threads_list", t_threads_list),
            ("bad_threads_exit_2", t_bad_threads_exit_2),
            ("http_and_sqlite_answer_alike", t_http_and_sqlite_answer_alike),
            ("report_targets_at_the_limits", t_report_targets_at_the_limits),
            ("report_targets_missed", t_report_targets_missed),
            ("report_not_measured", t_report_not_measured),
            ("report_doc_rewrites_only_the_block", t_report_doc_rewrites_only_the_block),
            ("run_sh_bad_options", t_run_sh_bad_options),
        ]:
            if len(sys.argv) > 1 and name not in sys.argv[1:]:
                continue
            run_test(name, fn)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
