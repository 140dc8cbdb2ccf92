#!/usr/bin/env python3
"""Turns the result directories of bench/run.sh into the benchmark tables.

    report.py [--doc docs/BENCHMARKS.md] [--readme FILE] RESULT_DIR [RESULT_DIR ...]

Each RESULT_DIR is $WORK/results/<stamp> of one run (machine.json plus one
folder per size, and per size with --dests K a folder SIZE-destsK of the
multi-destination data). Sizes found in several directories are taken from
the last one given. Every ratio is computed within one size of one run.
Prints Markdown; with --doc, replaces the part of the file between
<!-- results:begin --> and <!-- results:end --> with it and leaves the rest
of the file as it was; with --readme, writes README.md's two Performance
tables in README's layout to FILE (README.md itself is written by hand).
The last table checks the targets of issue 13 at the
largest size (and again on the multi-destination data, if measured)."""
import json
import os
import re
import sys

# classes the other engines run too (isla bench --emit), in mix order
BEST = ["narrow", "typical", "broad", "filtered", "dest-narrow", "dest-typical", "no-duration"]
CLASSES = BEST + ["hotel-first20"]
# engine-only classes (isla bench): hotel offers deep page, and with no search
ENGINE_ONLY = [("hotel-deep20", "hotel-deep20 (cursor after 500)"), ("hotel-all-first20", "hotel-all-first20 (no search)"),
               ("hotel-all-deep20", "hotel-all-deep20 (no search, after 500)")]
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
            # one line per --threads count; throughput/threads: the largest
            out.setdefault("throughput_by_threads", {})[int(m.group(2))] = int(m.group(1))
            c = re.search(r"; (\d+) searches per CPU-second, ([\d.]+) CPU-seconds in ([\d.]+) s", line)
            if c:  # what the threads did with the CPU they got, and how many cores that was
                out.setdefault("per_cpu_s_by_threads", {})[int(m.group(2))] = int(c.group(1))
                out.setdefault("cores_by_threads", {})[int(m.group(2))] = float(c.group(2)) / float(c.group(3))
            if int(m.group(2)) >= out.get("threads", 0):
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
    # the Mallorca sizes first, each followed by its multi-destination run
    order = lambda kv: (size_key(kv[1]["size"].get("size", kv[0])), dests_of(kv[1]))
    return machines, dict(sorted(sizes.items(), key=order))


def dests_of(r):
    return get(r, "size", "dests") or 0


def label(name, r):
    """Column/row label of a result folder: the size, or e.g. '100M, 20 dest.'"""
    k = dests_of(r)
    return f"{r['size'].get('size', name)}, {k} dest." if k else name


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


def rate(w):
    """requests/s of a wrk result"""
    return w["requests"] / w["duration_us"] * 1e6


def latency_table(w, sizes, m0):
    w("### Search latency per class (ms; one query thread unless stated)")
    w("")
    w("isla engine = `isla bench` (search + ordering, no JSON, "
      f"{m0.get('searches', 1000)} searches per class). isla HTTP = the emitted mix "
      f"({m0.get('foreign_searches', 300)} per class, the first searches of the same mix) sent once over one "
      "keep-alive connection, full answers, server on one core: round trip as the client sees it, and the "
      "server's own time from its `X-Response-Time` header (search + JSON). DuckDB and SQLite run exactly those "
      "emitted searches. Ratios are p50 against isla's engine p50 of the same size and run. Classes: narrow, "
      "typical, broad, filtered search every destination; dest-narrow, dest-typical one destination; no-duration "
      "one destination, any length of stay; hotel-first20 the first 20 offers of a hotel. "
      "The rows marked \"dest.\" are the multi-destination data (`--dests`).")
    w("")
    w("| offers | class | isla p50 | isla p99 | isla HTTP p50 | HTTP p99 | HTTP server p50 | DuckDB 1T p50 | DuckDB 1T p99 | "
      "DuckDB all-threads p50 | SQLite p50 | SQLite p99 | DuckDB 1T / isla | DuckDB all / isla | SQLite / isla |")
    w("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for s, r in sizes.items():
        lab = label(s, r)
        for c in CLASSES:
            ib = get(r, "bench", "classes", c)
            hp = get(r, "http", "classes", c)
            d1 = get(r, "duckdb", "modes", "threads_1", "classes", c)
            dd = get(r, "duckdb", "modes", "threads_default", "classes", c)
            sq = get(r, "sqlite", "classes", c)
            if not (ib or hp or d1 or sq):
                continue
            ip50 = get(ib, "p50_us")
            w(f"| {lab} | {c} | {ms(ip50)} | {ms(get(ib, 'p99_us'))} | {ms(get(hp, 'p50_us'))} | {ms(get(hp, 'p99_us'))} | "
              f"{ms(get(hp, 'server_p50_us'))} | "
              f"{ms(get(d1, 'p50_us'))} | {ms(get(d1, 'p99_us'))} | {ms(get(dd, 'p50_us'))} | {ms(get(sq, 'p50_us'))} | "
              f"{ms(get(sq, 'p99_us'))} | {ratio(get(d1, 'p50_us'), ip50)} | {ratio(get(dd, 'p50_us'), ip50)} | "
              f"{ratio(get(sq, 'p50_us'), ip50)} |")
        for c, name in ENGINE_ONLY:
            e = get(r, "bench", "classes", c)
            if e:
                w(f"| {lab} | {name} | {ms(e['p50_us'])} | {ms(e['p99_us'])} |" + " |" * 11)
    w("")


def other_table(w, sizes, offers):
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
        if any(v != "–" for v in vals):
            rows.append(f"| {name} | " + " | ".join(vals) + " |")

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
    for key, lab in (("wrk_limit20_nocache", "HTTP typical limit=20, cache off: req/s (p50 / p99 ms)"),
                     ("wrk_limit20_cache", "HTTP typical limit=20, cache on: req/s (p50 / p99 ms)")):
        row(lab, lambda r, k=key: f"{rate(r[k]):,.0f} ({r[k]['p50_us'] / 1000:.2f} / {r[k]['p99_us'] / 1000:.2f})")
    for key, lab in (("wrk_full_nocache", "HTTP typical full answers, cache off: req/s, MB/s"),
                     ("wrk_full_cache", "HTTP typical full answers, cache on: req/s, MB/s")):
        row(lab, lambda r, k=key: f"{rate(r[k]):,.0f}, {r[k]['bytes'] / r[k]['duration_us']:,.0f}")
    row("load average during wrk (cache off, limit=20)", lambda r: r["wrk_limit20_nocache"]["loadavg"])
    row("HTTP typical full answers, server time p50 / p99 (ms, X-Response-Time, one connection)", lambda r: (
        f"{r['http']['classes']['typical']['server_p50_us'] / 1000:.3f} / {r['http']['classes']['typical']['server_p99_us'] / 1000:.3f}"))
    row("HTTP typical full answers: answer bytes per second of server time (MB/s) / KB per answer", lambda r: (
        f"{r['http']['classes']['typical']['bytes_per_server_s'] / 1e6:,.0f} / "
        f"{r['http']['classes']['typical']['bytes'] / r['http']['classes']['typical']['n'] / 1024:,.0f}"))
    row("JSON encoding, full broad answers (MB/s, one core)", lambda r: f"{r['bench']['json_mbs']:,} ({r['bench']['json_kb']} KB/answer)")
    row("engine searches/s, 1 thread / 2 threads (mixed classes)", lambda r: (
        f"{r['bench']['throughput_by_threads'][1]:,} / {r['bench']['throughput_by_threads'][2]:,} "
        f"({r['bench']['throughput_by_threads'][2] / r['bench']['throughput_by_threads'][1]:.2f}×)"))
    row("engine searches per CPU-second, 1 thread / 2 threads (cores the threads got)", lambda r: (
        f"{r['bench']['per_cpu_s_by_threads'][1]:,} / {r['bench']['per_cpu_s_by_threads'][2]:,} "
        f"({r['bench']['cores_by_threads'][1]:.2f} / {r['bench']['cores_by_threads'][2]:.2f})"))
    row("load average at the start / end of `isla bench` (two threads scale only on idle cores)", lambda r: (
        f"{r['bench_load']['loadavg_start']} / {r['bench_load']['loadavg_end']}"))
    row("engine searches/s, all cores (mixed classes)", lambda r: (
        f"{r['bench']['throughput']:,} ({r['bench']['threads']} threads)" if 1 not in r["bench"].get("throughput_by_threads", {}) else None))
    row("DuckDB load from a pipe, DISTINCT + sort (s) / file (B/offer)", lambda r: f"{r['duckdb_load']['load_seconds']:.0f} / {r['duckdb_size']['bytes'] / offers(r):.0f}")
    row("SQLite load + indexes (s) / file (B/offer)", lambda r: f"{r['sqlite_load']['load_seconds']:.0f} / {r['sqlite_size']['bytes'] / offers(r):.0f}"
        if r.get("sqlite_load") else ("skipped" if r.get("sqlite_skipped") else None))
    row("answers equal to isla's: DuckDB", lambda r: f"{r['verify_duckdb']['searches'] - r['verify_duckdb']['mismatches']}/{r['verify_duckdb']['searches']}")
    row("answers equal to isla's: SQLite", lambda r: f"{r['verify_sqlite']['searches'] - r['verify_sqlite']['mismatches']}/{r['verify_sqlite']['searches']}")
    row("load average at start of size", lambda r: r["size"]["loadavg"])
    w("| | " + " | ".join(label(s, sizes[s]) for s in cols) + " |")
    w("|---|" + "--:|" * len(cols))
    for x in rows:
        w(x)
    w("")


def growth_table(w, sizes, offers):
    cols = list(sizes)
    if len(cols) < 2:
        return
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
    grow("HTTP limit=20 req/s (cache off)", lambda r: rate(r["wrk_limit20_nocache"]))
    w("")


def targets_table(w, name, r, offers):
    """The targets of issue 13, each with its measured figure and met yes/no
    ('–' when the run did not measure it)."""
    lab = label(name, r)
    w(f"### Targets of issue 13, checked at {lab} ({TARGETS_NOTE})")
    w("")
    w("| target | measured | met |")
    w("|---|---|---|")

    def tgt(title, f):
        try:
            text, ok = f(r)
        except (TypeError, KeyError, ZeroDivisionError):
            text, ok = "not measured", None
        w(f"| {title} | {text} | {'yes' if ok else 'no' if ok is not None else '–'} |")

    cls = lambda r, c: r["bench"]["classes"][c]

    def vs_duck(r):
        d1 = r["duckdb"]["modes"]["threads_1"]["classes"]
        rs = [(c, d1[c]["p50_us"] / cls(r, c)["p50_us"] if c in d1 and c in r["bench"]["classes"] else None)
              for c in CLASSES]
        text = ", ".join(f"{c} {x:,.0f}×" if x is not None else f"{c} not measured" for c, x in rs)
        return text, None if any(x is None for _, x in rs) else all(x >= 100 for _, x in rs)
    tgt("p50 ≥ 100× DuckDB (1 thread), every class (the 7 bestOffersByHotel classes, hotel-first20)", vs_duck)

    def p99(classes, limit_us):
        def f(r):
            have = [c for c in classes if c in r["bench"]["classes"]]
            text = ", ".join(f"{c} {ms(cls(r, c)['p99_us'])}" for c in have) + " ms"
            text += "".join(f", {c} not measured" for c in classes if c not in have)
            return text, None if len(have) < len(classes) else all(cls(r, c)["p99_us"] <= limit_us for c in have)
        return f
    tgt("p99 ≤ 0.5 ms, every bestOffersByHotel class", p99(BEST, 500))
    tgt("hotel offers, any page: p99 ≤ 0.2 ms (first page, page after 500)", p99(["hotel-first20", "hotel-deep20"], 200))
    tgt("uncached HTTP, one server core, typical `limit=20`: ≥ 20,000 req/s", lambda r: (
        f"{rate(r['wrk_limit20_nocache']):,.0f} req/s (wrk -t1 -c64 on the other core; cache on: "
        f"{rate(r['wrk_limit20_cache']):,.0f})" if r.get("wrk_limit20_cache") and "requests" in r["wrk_limit20_cache"]
        else f"{rate(r['wrk_limit20_nocache']):,.0f} req/s (wrk -t1 -c64 on the other core)",
        rate(r["wrk_limit20_nocache"]) >= 20000))
    tgt("full answers: server time (X-Response-Time) p50 ≤ 0.25 ms, typical", lambda r: (
        f"{r['http']['classes']['typical']['server_p50_us'] / 1000:.3f} ms (p99 "
        f"{r['http']['classes']['typical']['server_p99_us'] / 1000:.3f}; "
        f"{r['http']['classes']['typical']['bytes'] / r['http']['classes']['typical']['n'] / 1024:,.0f} KB per answer)",
        r["http"]["classes"]["typical"]["server_p50_us"] <= 250))

    def json_rate(r):
        text = f"{r['bench']['json_mbs']:,} MB/s encoding full broad answers ({r['bench']['json_kb']} KB each)"
        bps = get(r, "http", "classes", "typical", "bytes_per_server_s")
        if bps:
            text += f"; HTTP typical: {bps / 1e6:,.0f} MB per second of server time"
        return text, r["bench"]["json_mbs"] >= 2500
    tgt("full answers: JSON ≥ 2.5 GB/s per core", json_rate)
    def scaling(r):
        t = r["bench"]["throughput_by_threads"]
        text = f"{t[2] / t[1]:.2f}× ({t[1]:,} → {t[2]:,} searches/s)"
        pc, cores = r["bench"].get("per_cpu_s_by_threads", {}), r["bench"].get("cores_by_threads", {})
        if 1 in pc and 2 in pc:
            text += (f"; per CPU-second {pc[2] / pc[1]:.2f}× ({pc[1]:,} → {pc[2]:,}), the threads got "
                     f"{cores[1]:.2f} and {cores[2]:.2f} cores")
        return text, t[2] / t[1] >= 1.9
    tgt("two search threads ≥ 1.9× one (throughput)", scaling)
    tgt("resident memory ≤ 20 B/offer after the mix", lambda r: (
        f"{r['rss']['VmRSS'] / offers(r):.1f} B/offer ({r['rss']['VmRSS'] / 2**20:,.0f} MiB, "
        f"{r['rss']['RssAnon'] / 2**20:,.0f} MiB anonymous)", r["rss"]["VmRSS"] / offers(r) <= 20))
    tgt("disk ≤ 36 B/offer", lambda r: (
        f"{r['store']['generation_dir_bytes'] / offers(r):.1f} B/offer (offers.isla {r['store']['offers_file_bytes'] / offers(r):.1f})",
        r["store"]["generation_dir_bytes"] / offers(r) <= 36))
    tgt("ready ≤ 0.5 s with checksums", lambda r: (
        f"{r['startup']['ready_ms']:.0f} ms verified, {r['startup_noverify']['ready_ms']:.0f} ms --no-verify (page cache warm)",
        r["startup"]["ready_ms"] <= 500))
    tgt("import ≥ 1.5M rows per CPU-second", lambda r: (
        f"{r['import']['rows'] / r['import_time']['import']['cpu_s'] / 1e6:.2f} M rows per CPU-second of `isla import`",
        r["import"]["rows"] / r["import_time"]["import"]["cpu_s"] >= 1.5e6))
    tgt("`isla gen` piped into `isla import`: ≤ 45 s wall (2 cores)", lambda r: (
        f"{r['import_time']['wall_s']:.1f} s ({r['import']['rows'] / r['import_time']['wall_s'] / 1e6:.2f} M rows/s wall)",
        r["import_time"]["wall_s"] <= 45))
    w("")


README_NAMES = {"narrow": "narrow (1 airport, 1-2 weeks)", "typical": "typical (1-3 airports, 4-8 weeks)",
                "broad": "broad (any airport, whole year)", "filtered": "filtered (meal, room, ocean, stars, price)",
                "dest-narrow": "dest-narrow (narrow, one destination)", "dest-typical": "dest-typical (typical, one destination)",
                "no-duration": "no-duration (one destination, any length of stay)",
                "hotel-first20": "hotel offers, first page of 20"}


def readme_tables(sizes):
    """The two tables of README.md's Performance section, from this run
    (Mallorca sizes only; DuckDB at the largest size)."""
    out = []
    w = out.append
    cols = [s for s, r in sizes.items() if not dests_of(r)]
    if not cols:
        return ""
    big = sizes[cols[-1]]
    f2 = lambda us: "–" if us is None else f"{us / 1000:.3f}" if us < 10000 else f"{us / 1000:.1f}"
    w(f"| bestOffersByHotel p50 / p99 (ms) | " + " | ".join(cols) + f" | DuckDB {cols[-1]} p50 | isla faster by |")
    w("|---|" + "--:|" * (len(cols) + 2))
    for c in CLASSES:
        cells = []
        for s in cols:
            b = get(sizes[s], "bench", "classes", c)
            cells.append(f"{f2(get(b, 'p50_us'))} / {f2(get(b, 'p99_us'))}")
        d = get(big, "duckdb", "modes", "threads_1", "classes", c, "p50_us")
        i = get(big, "bench", "classes", c, "p50_us")
        w(f"| {README_NAMES[c]} | " + " | ".join(cells) + f" | {ms(d)} | {ratio(d, i).replace('×', 'x')} |")
    w("")
    w("| other figures | " + " | ".join(cols) + " |")
    w("|---|" + "--:|" * len(cols))

    def row(name, f):
        vals = []
        for s in cols:
            try:
                vals.append(f(sizes[s]))
            except (TypeError, KeyError, ZeroDivisionError):
                vals.append("–")
        w(f"| {name} | " + " | ".join(vals) + " |")
    offers = lambda r: r["import"]["imported"]
    row("import, `isla gen` piped into `isla import` (wall, 2 cores shared with the generator)", lambda r: (
        f"{r['import_time']['wall_s']:.1f} s ({r['import']['rows'] / r['import_time']['wall_s'] / 1e6:.1f} M rows/s)"))
    row("import rows per CPU-second of `isla import`", lambda r: f"{r['import']['rows'] / r['import_time']['import']['cpu_s'] / 1e6:.2f} M")
    row("store on disk (bytes per offer)", lambda r: f"{r['store']['generation_dir_bytes'] / offers(r):.1f}")
    row("`isla serve` ready, checksums verified / `--no-verify`", lambda r: (
        f"{r['startup']['ready_ms']:.0f} / {r['startup_noverify']['ready_ms']:.0f} ms"))
    row("resident memory of `isla serve` (bytes per offer, ready / after the mix)", lambda r: (
        f"{r['rss_ready']['VmRSS'] / offers(r):.1f} / {r['rss']['VmRSS'] / offers(r):.1f}"))
    row("JSON encoding, full broad answers, one core", lambda r: f"{r['bench']['json_mbs'] / 1000:.2f} GB/s ({r['bench']['json_kb']} KB)")
    row("HTTP server time p50 of a full typical answer (X-Response-Time)", lambda r: (
        f"{r['http']['classes']['typical']['server_p50_us'] / 1000:.3f} ms"))
    row("HTTP, one core, typical search limit=20: uncached / cached (req/s)", lambda r: (
        f"{rate(r['wrk_limit20_nocache']) / 1000:.1f}k / {rate(r['wrk_limit20_cache']) / 1000:.0f}k"))
    row("search throughput, 1 / 2 threads (searches/s)", lambda r: (
        f"{r['bench']['throughput_by_threads'][1]:,} / {r['bench']['throughput_by_threads'][2]:,}"))
    return "\n".join(out) + "\n"


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
    dl = sorted({get(r, "size", "destinations") for r in sizes.values() if dests_of(r)})
    for d in dl:
        w(f"Multi-destination data (\"dest.\"): `isla gen --destinations {d}` with its generated hotels.csv.")
    w("")
    offers = lambda r: get(r, "import", "imported")
    latency_table(w, sizes, m0)
    other_table(w, sizes, offers)
    mallorca = {s: r for s, r in sizes.items() if not dests_of(r)}
    growth_table(w, mallorca, offers)
    # targets, at the largest size measured (and its multi-destination run)
    if mallorca:
        big = list(mallorca)[-1]
        targets_table(w, big, mallorca[big], offers)
    multi = {s: r for s, r in sizes.items() if dests_of(r)}
    if multi:
        big = list(multi)[-1]
        targets_table(w, big, multi[big], offers)
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    doc = readme = None
    while args[:1] in (["--doc"], ["--readme"]):
        if args[0] == "--doc":
            doc = args[1]
        else:
            readme = args[1]
        args = args[2:]
    if not args:
        sys.exit("usage: report.py [--doc docs/BENCHMARKS.md] [--readme FILE] RESULT_DIR...")
    machines, sizes = collect(args)
    text = report(machines, sizes)
    print(text)
    if readme:
        # README.md's Performance tables in its layout, for the hand-written README
        open(readme, "w").write(readme_tables(sizes))
    if doc:
        begin, end = "<!-- results:begin -->", "<!-- results:end -->"
        try:
            cur = open(doc).read()
        except OSError:
            cur = f"# Benchmarks\n\n## Results\n\n{begin}\n{end}\n"
        # the markers count only on a line of their own: the page's prose
        # names them too (in backquotes), and must stay as it is
        lines = cur.split("\n")
        try:
            i = lines.index(begin)
            j = lines.index(end, i + 1)
        except ValueError:
            lines += ["", "## Results", "", begin, end, ""]
            i, j = len(lines) - 3, len(lines) - 2
        out = lines[: i + 1] + text.rstrip("\n").split("\n") + lines[j:]
        open(doc, "w").write("\n".join(out))


if __name__ == "__main__":
    main()
