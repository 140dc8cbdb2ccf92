#!/usr/bin/env python3
"""Turns the result directories of bench/run.sh into the benchmark tables.

    report.py [--doc docs/BENCHMARKS.md] RESULT_DIR [RESULT_DIR ...]

Each RESULT_DIR is $WORK/results/<stamp> of one run (machine.json plus one
folder per size). Sizes found in several directories are taken from the last
one given. Every ratio is computed within one size of one run. Prints
Markdown; with --doc, replaces the part of the file between
<!-- results:begin --> and <!-- results:end --> with it."""
import json
import os
import re
import sys

CLASSES = ["narrow", "typical", "broad", "filtered", "hotel-first20"]
TARGETS_NOTE = "they apply at 100M offers"


def jload(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def parse_bench(path):
    out = {"classes": {}}
    try:
        text = open(path).read()
    except OSError:
        return None
    for line in text.splitlines():
        m = re.match(r"^(\S+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", line)
        if m:
            out["classes"][m.group(1)] = {"n": int(m.group(2)), "p50_us": float(m.group(3)), "p90_us": float(m.group(4)),
                                          "p99_us": float(m.group(5)), "max_us": float(m.group(6)),
                                          "results": float(m.group(7))}
        m = re.search(r"json: (\d+) KB per full broad answer, encoded at (\d+) MB/s", line)
        if m:
            out["json_kb"], out["json_mbs"] = int(m.group(1)), int(m.group(2))
        m = re.search(r"throughput: (\d+) searches/s with (\d+) threads", line)
        if m:
            out["throughput"], out["threads"] = int(m.group(1)), int(m.group(2))
        m = re.search(r"opened in ([\d.]+) ms", line)
        if m:
            out["open_ms"] = float(m.group(1))
    return out


def size_key(s):
    m = re.match(r"(\d+)([kMG]?)", s)
    return int(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)] if m else 0


def collect(dirs):
    sizes, machines = {}, []
    for d in dirs:
        m = jload(os.path.join(d, "machine.json")) or {}
        m["dir"] = d
        machines.append(m)
        for name in sorted(os.listdir(d)):
            sd = os.path.join(d, name)
            if not os.path.isdir(sd) or not os.path.exists(os.path.join(sd, "size.json")):
                continue
            r = {"dir": sd, "run": m}
            for f in os.listdir(sd):
                if f.endswith(".json"):
                    r[f[:-5]] = jload(os.path.join(sd, f))
            r["bench"] = parse_bench(os.path.join(sd, "isla_bench.txt"))
            sizes[name] = r
    return machines, dict(sorted(sizes.items(), key=lambda kv: size_key(kv[0])))


def ms(us, digits=3):
    if us is None:
        return "–"
    v = us / 1000
    if v < 0.01:
        return f"{v:.4f}"
    return f"{v:.{digits}f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    r = a / b
    return f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×"


def get(d, *keys):
    for k in keys:
        if d is None:
            return None
        d = d.get(k) if isinstance(d, dict) else None
    return d


def human(n):
    return f"{n / 1e6:,.1f} M" if n >= 1e6 else f"{n / 1e3:,.0f} k"


def report(machines, sizes):
    out = []
    w = out.append
    m0 = machines[-1] if machines else {}
    w(f"Machine: {m0.get('cpu', '?')}, {m0.get('cores', '?')} cores, "
      f"{(m0.get('ram_bytes') or 0) / 2**30:.0f} GiB RAM, {m0.get('kernel', '?')}. "
      f"DuckDB {m0.get('duckdb', '?')} (@duckdb/node-api), "
      f"SQLite {m0.get('sqlite', '?')} (Python sqlite3), {m0.get('wrk', 'wrk')}.")
    for m in machines:
        w(f"Run {os.path.basename(m['dir'])} ({m.get('date', '?')}, isla {m.get('isla_commit', '?')}, binary sha256 {m.get('isla_sha256', '?')}): "
          f"load average at start {m.get('loadavg_start', '?')} (the machine is shared; medians are what count).")
    w("")
    w("### Search latency per class (ms; one query thread unless stated)")
    w("")
    w("isla engine = `isla bench` (search + ordering, no JSON, "
      f"{m0.get('searches', 1000)} searches per class). isla HTTP = the emitted mix "
      f"({m0.get('foreign_searches', 300)} per class, the first searches of the same mix) sent once over one "
      "keep-alive connection, full answers, server on one core. DuckDB and SQLite run exactly those emitted searches. "
      "Ratios are p50 against isla's engine p50 of the same size and run.")
    w("")
    w("| offers | class | isla p50 | isla p99 | isla HTTP p50 | HTTP p99 | DuckDB 1T p50 | DuckDB 1T p99 | DuckDB all-threads p50 | SQLite p50 | SQLite p99 | DuckDB 1T / isla | DuckDB all / isla | SQLite / isla |")
    w("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for s, r in sizes.items():
        for c in CLASSES:
            ib = get(r, "bench", "classes", c)
            hp = get(r, "http", "classes", c)
            d1 = get(r, "duckdb", "modes", "threads_1", "classes", c)
            dd = get(r, "duckdb", "modes", "threads_default", "classes", c)
            sq = get(r, "sqlite", "classes", c)
            ip50 = get(ib, "p50_us")
            w(f"| {s} | {c} | {ms(ip50)} | {ms(get(ib, 'p99_us'))} | {ms(get(hp, 'p50_us'))} | {ms(get(hp, 'p99_us'))} | "
              f"{ms(get(d1, 'p50_us'))} | {ms(get(d1, 'p99_us'))} | {ms(get(dd, 'p50_us'))} | {ms(get(sq, 'p50_us'))} | "
              f"{ms(get(sq, 'p99_us'))} | {ratio(get(d1, 'p50_us'), ip50)} | {ratio(get(dd, 'p50_us'), ip50)} | "
              f"{ratio(get(sq, 'p50_us'), ip50)} |")
        deep = get(r, "bench", "classes", "hotel-deep20")
        if deep:
            w(f"| {s} | hotel-deep20 (cursor after 500) | {ms(deep['p50_us'])} | {ms(deep['p99_us'])} | | | | | | | | | | |")
    w("")
    w("### Import, storage, start-up, memory, HTTP")
    w("")
    cols = list(sizes)
    rows = []

    def row(name, f):
        vals = []
        for s in cols:
            try:
                v = f(sizes[s])
            except (TypeError, KeyError, ZeroDivisionError):
                v = None
            vals.append("–" if v is None else v)
        rows.append(f"| {name} | " + " | ".join(vals) + " |")

    offers = lambda r: get(r, "import", "imported")
    row("offers imported (distinct rows)", lambda r: f"{offers(r):,}")
    row("import wall time, isla gen piped into isla import (s)", lambda r: f"{r['import_time']['wall_s']:.1f}")
    row("import rows/s, wall (generator shares the 2 cores)", lambda r: human(r["import"]["rows"] / r["import_time"]["wall_s"]) + "/s")
    row("import rows/s per CPU-second of `isla import`", lambda r: human(r["import"]["rows"] / r["import_time"]["import"]["cpu_s"]) + "/s")
    row("import CPU s (user+sys) / peak RSS of the importer", lambda r: f"{r['import_time']['import']['cpu_s']:.1f} s / {r['import_time']['import']['maxrss_bytes'] / 2**20:,.0f} MiB")
    row("store on disk, generation dir (B/offer)", lambda r: f"{r['store']['generation_dir_bytes'] / 2**20:,.0f} MiB ({r['store']['generation_dir_bytes'] / offers(r):.1f})")
    row("of which offers.isla (B/offer)", lambda r: f"{r['store']['offers_file_bytes'] / offers(r):.1f}")
    row("`isla serve` ready, checksums verified (ms)", lambda r: f"{r['startup']['ready_ms']:.0f}")
    row("`isla serve --no-verify` ready (ms)", lambda r: f"{r['startup_noverify']['ready_ms']:.0f}")
    row("RSS after the mix: VmRSS (B/offer)", lambda r: f"{r['rss']['VmRSS'] / 2**20:,.0f} MiB ({r['rss']['VmRSS'] / offers(r):.1f})")
    row("  of which anonymous / file-backed (MiB)", lambda r: f"{r['rss']['RssAnon'] / 2**20:,.0f} / {r['rss']['RssFile'] / 2**20:,.0f}")
    row("RSS after the wrk runs too (B/offer)", lambda r: f"{r['rss_after_wrk']['VmRSS'] / 2**20:,.0f} MiB ({r['rss_after_wrk']['VmRSS'] / offers(r):.1f})")
    for key, label in (("wrk_limit20_nocache", "HTTP typical limit=20, cache off: req/s (p50 / p99 ms)"),
                       ("wrk_limit20_cache", "HTTP typical limit=20, cache on: req/s (p50 / p99 ms)")):
        row(label, lambda r, k=key: f"{r[k]['requests'] / r[k]['duration_us'] * 1e6:,.0f} ({r[k]['p50_us'] / 1000:.2f} / {r[k]['p99_us'] / 1000:.2f})")
    for key, label in (("wrk_full_nocache", "HTTP typical full answers, cache off: req/s, MB/s"),
                       ("wrk_full_cache", "HTTP typical full answers, cache on: req/s, MB/s")):
        row(label, lambda r, k=key: f"{r[k]['requests'] / r[k]['duration_us'] * 1e6:,.0f}, {r[k]['bytes'] / r[k]['duration_us']:,.0f}")
    row("load average during wrk (cache off, limit=20)", lambda r: r["wrk_limit20_nocache"]["loadavg"])
    row("JSON encoding, full broad answers (MB/s, one core)", lambda r: f"{r['bench']['json_mbs']:,} ({r['bench']['json_kb']} KB/answer)")
    row("engine searches/s, all cores (mixed classes)", lambda r: f"{r['bench']['throughput']:,} ({r['bench']['threads']} threads)")
    row("DuckDB load from a pipe, DISTINCT + sort (s) / file (B/offer)", lambda r: f"{r['duckdb_load']['load_seconds']:.0f} / {r['duckdb_size']['bytes'] / offers(r):.0f}")
    row("SQLite load + indexes (s) / file (B/offer)", lambda r: f"{r['sqlite_load']['load_seconds']:.0f} / {r['sqlite_size']['bytes'] / offers(r):.0f}"
        if r.get("sqlite_load") else ("skipped" if r.get("sqlite_skipped") else None))
    row("answers equal to isla's: DuckDB", lambda r: f"{r['verify_duckdb']['searches'] - r['verify_duckdb']['mismatches']}/{r['verify_duckdb']['searches']}")
    row("answers equal to isla's: SQLite", lambda r: f"{r['verify_sqlite']['searches'] - r['verify_sqlite']['mismatches']}/{r['verify_sqlite']['searches']}")
    row("load average at start of size", lambda r: r["size"]["loadavg"])
    w("| | " + " | ".join(cols) + " |")
    w("|---|" + "--:|" * len(cols))
    out.extend(rows)
    w("")
    if len(cols) > 1:
        w("### Growth between sizes (factor from one size to the next)")
        w("")
        pairs = list(zip(cols, cols[1:]))
        w("| figure | " + " | ".join(f"{a} → {b}" for a, b in pairs) + " |")
        w("|---|" + "--:|" * len(pairs))

        def grow(name, f):
            vals = []
            for a, b in pairs:
                try:
                    va, vb = f(sizes[a]), f(sizes[b])
                    vals.append(f"{vb / va:.2f}×")
                except (TypeError, KeyError, ZeroDivisionError):
                    vals.append("–")
            w(f"| {name} | " + " | ".join(vals) + " |")

        grow("offers", offers)
        for c in CLASSES:
            grow(f"isla p50 {c}", lambda r, c=c: r["bench"]["classes"][c]["p50_us"])
            grow(f"isla p99 {c}", lambda r, c=c: r["bench"]["classes"][c]["p99_us"])
        for c in ("typical", "broad"):
            grow(f"DuckDB 1T p50 {c}", lambda r, c=c: r["duckdb"]["modes"]["threads_1"]["classes"][c]["p50_us"])
            grow(f"SQLite p50 {c}", lambda r, c=c: r["sqlite"]["classes"][c]["p50_us"])
        grow("import rows/s per CPU-second", lambda r: r["import"]["rows"] / r["import_time"]["import"]["cpu_s"])
        grow("store bytes/offer", lambda r: r["store"]["generation_dir_bytes"] / offers(r))
        grow("RSS bytes/offer", lambda r: r["rss"]["VmRSS"] / offers(r))
        grow("serve ready time (verified)", lambda r: r["startup"]["ready_ms"])
        grow("HTTP limit=20 req/s (cache off)", lambda r: r["wrk_limit20_nocache"]["requests"] / r["wrk_limit20_nocache"]["duration_us"])
        w("")
    # targets, at the largest size measured
    big = cols[-1] if cols else None
    if big:
        r = sizes[big]
        w(f"### Targets of issue 3, checked at {big} ({TARGETS_NOTE})")
        w("")
        w("| target | measured | met |")
        w("|---|---|---|")

        def tgt(name, f):
            try:
                text, ok = f(r)
            except (TypeError, KeyError, ZeroDivisionError):
                text, ok = "not measured", None
            w(f"| {name} | {text} | {'yes' if ok else 'no' if ok is not None else '–'} |")

        best = ["narrow", "typical", "broad", "filtered"]
        tgt("bestOffersByHotel p50 ≤ 0.5 ms, every class", lambda r: (
            ", ".join(f"{c} {r['bench']['classes'][c]['p50_us'] / 1000:.3f}" for c in best),
            all(r["bench"]["classes"][c]["p50_us"] <= 500 for c in best)))
        tgt("bestOffersByHotel p99 ≤ 2 ms, every class", lambda r: (
            ", ".join(f"{c} {r['bench']['classes'][c]['p99_us'] / 1000:.3f}" for c in best),
            all(r["bench"]["classes"][c]["p99_us"] <= 2000 for c in best)))
        tgt("hotel offers first page p99 ≤ 1 ms", lambda r: (
            f"{r['bench']['classes']['hotel-first20']['p99_us'] / 1000:.3f} ms",
            r["bench"]["classes"]["hotel-first20"]["p99_us"] <= 1000))

        def vs_duck(r):
            rs = [(c, r["duckdb"]["modes"]["threads_1"]["classes"][c]["p50_us"] / r["bench"]["classes"][c]["p50_us"]) for c in CLASSES]
            return ", ".join(f"{c} {x:,.0f}×" for c, x in rs), all(x >= 100 for _, x in rs)
        tgt("≥ 100× faster than DuckDB (p50, 1 thread)", vs_duck)
        tgt("import ≥ 1 M offers/s per core", lambda r: (
            f"{r['import']['rows'] / r['import_time']['import']['cpu_s'] / 1e6:.2f} M rows per CPU-second "
            f"({r['import']['rows'] / r['import_time']['wall_s'] / 1e6:.2f} M/s wall, 2 cores shared with the generator)",
            r["import"]["rows"] / r["import_time"]["import"]["cpu_s"] >= 1e6))
        tgt("serve ready ≤ 1 s", lambda r: (
            f"{r['startup']['ready_ms']:.0f} ms verified, {r['startup_noverify']['ready_ms']:.0f} ms --no-verify (page cache warm)",
            r["startup"]["ready_ms"] <= 1000))
        tgt("RSS ≤ 24 B/offer", lambda r: (f"{r['rss']['VmRSS'] / offers(r):.1f} B/offer", r["rss"]["VmRSS"] / offers(r) <= 24))
        tgt("disk ≤ 32 B/offer", lambda r: (f"{r['store']['generation_dir_bytes'] / offers(r):.1f} B/offer (offers.isla {r['store']['offers_file_bytes'] / offers(r):.1f})",
                                             r["store"]["generation_dir_bytes"] / offers(r) <= 32))
        tgt("HTTP ≥ 40k typical searches/s, one core, limit=20", lambda r: (
            f"{r['wrk_limit20_nocache']['requests'] / r['wrk_limit20_nocache']['duration_us'] * 1e6:,.0f}/s cache off, "
            f"{r['wrk_limit20_cache']['requests'] / r['wrk_limit20_cache']['duration_us'] * 1e6:,.0f}/s cache on",
            r["wrk_limit20_nocache"]["requests"] / r["wrk_limit20_nocache"]["duration_us"] * 1e6 >= 40000))
        tgt("JSON ≥ 1 GB/s per core", lambda r: (f"{r['bench']['json_mbs']:,} MB/s", r["bench"]["json_mbs"] >= 1000))
        w("")
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    doc = None
    if args[:1] == ["--doc"]:
        doc, args = args[1], args[2:]
    machines, sizes = collect(args)
    text = report(machines, sizes)
    print(text)
    if doc:
        begin, end = "<!-- results:begin -->", "<!-- results:end -->"
        try:
            cur = open(doc).read()
        except OSError:
            cur = f"# Benchmarks\n\n## Results\n\n{begin}\n{end}\n"
        if begin not in cur or end not in cur:
            cur += f"\n## Results\n\n{begin}\n{end}\n"
        a, rest = cur.split(begin, 1)
        _, b = rest.split(end, 1)
        open(doc, "w").write(a + begin + "\n" + text + end + b)


if __name__ == "__main__":
    main()
