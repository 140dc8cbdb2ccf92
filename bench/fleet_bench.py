#!/usr/bin/env python3
"""Figures of the fleet (docs/BENCHMARKS.md, "The fleet"), on a fleet that
scripts/cluster.sh starts on this machine:

  latency    an L1 hit, an L2 hit (Redis, on another replica) and a search
             (L1 and L2 miss), as the server measures it (X-Response-Time)
             and as the client sees it, for first pages (limit=20) and
             full answers
  throughput wrk through nginx vs straight to one replica (one cached page)
  shipping   from "the builder serves the new generation" to "every replica
             serves it" (cluster.sh import = gen + import + reload)
  warming    hit rate of the first seconds after a switch, with warming on
             (default) and off (ISLA_WARM=0), at a smaller size

usage: bench/fleet_bench.py [--offers 10M] [--warm-offers 1M] [--dir DIR]
Prints Markdown tables. Needs wrk (scripts/setup.sh installs it).
"""
import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = str(ROOT / "scripts" / "cluster.sh")


def up(d, offers, extra_env=None, replicas=2):
    env = dict(os.environ, **(extra_env or {}))
    t0 = time.monotonic()
    r = subprocess.run([CLUSTER, "up", "--dir", d, "--offers", offers, "--replicas", str(replicas), "--threads", "1",
                        "--follow-interval", "500ms"], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"cluster.sh up failed: {r.stderr[-2000:]}")
    return r.stdout.strip().splitlines()[-1], time.monotonic() - t0


def status(d):
    out = subprocess.run([CLUSTER, "status", "--dir", d], capture_output=True, text=True).stdout
    procs = []
    for line in out.strip().splitlines():
        f = line.split()
        p = {"role": f[0], "pid": int(f[1]), "port": int(f[2])}
        for kv in f[3:-1]:
            k, v = kv.split("=")
            p[k] = v
        procs.append(p)
    return procs


def down(d):
    subprocess.run([CLUSTER, "down", "--dir", d], capture_output=True)


class Client:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path):
        t0 = time.perf_counter()
        self.c.request("GET", path)
        r = self.c.getresponse()
        body = r.read()
        ms = (time.perf_counter() - t0) * 1000
        h = {k.lower(): v for k, v in r.getheaders()}
        server_ms = float(h.get("x-response-time", "0ms")[:-2])
        return r.status, h, body, ms, server_ms


def queries(n, seed, full):
    rnd = random.Random(seed)
    airports = ["MUC", "FRA", "DUS", "HAM", "STR", "CGN", "BER", "HAJ"]
    out = []
    for _ in range(n):
        m = rnd.randint(3, 9)
        q = (f"/api/bestOffersByHotel?earliestDepartureDate=2023-{m:02d}-{rnd.randint(1, 28):02d}"
             f"&latestReturnDate=2023-{m + 2:02d}-{rnd.randint(1, 28):02d}&duration={rnd.choice([7, 10, 14])}"
             f"&countAdults={rnd.choice([1, 2, 2, 2, 3])}&countChildren={rnd.choice([0, 0, 1])}"
             f"&departureAirports={','.join(rnd.sample(airports, rnd.randint(1, 3)))}")
        if not full:
            q += "&limit=20"
        out.append(q)
    return list(dict.fromkeys(out))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def latency(replicas, builder, n, full, seed):
    qs = queries(n, seed, full)
    a, b = Client(replicas[0]), Client(replicas[1])
    bl = Client(builder)
    rows = {"search (builder, no Redis)": [], "miss: L1+L2 miss, search, store": [], "L2 hit": [], "L1 hit": []}
    sizes = []
    for q in qs:
        s, h, body, ms, sms = bl.get(q)
        if s != 200:
            continue
        rows["search (builder, no Redis)"].append((sms, ms))
        s, h, body, ms, sms = a.get(q)
        if h.get("x-isla-cache") == "miss":
            rows["miss: L1+L2 miss, search, store"].append((sms, ms))
        sizes.append(len(body))
    time.sleep(0.5)  # the stores to Redis are asynchronous
    for q in qs:
        s, h, body, ms, sms = b.get(q)
        if h.get("x-isla-cache") == "l2":
            rows["L2 hit"].append((sms, ms))
        s, h, body, ms, sms = b.get(q)
        if h.get("x-isla-cache") == "l1":
            rows["L1 hit"].append((sms, ms))
    out = []
    for name, xs in rows.items():
        if not xs:
            out.append((name, 0, "-", "-", "-", "-"))
            continue
        srv = [x[0] for x in xs]
        cli = [x[1] for x in xs]
        out.append((name, len(xs), f"{pct(srv, 50):.3f}", f"{pct(srv, 99):.3f}", f"{pct(cli, 50):.3f}",
                    f"{pct(cli, 99):.3f}"))
    return out, statistics.median(sizes) if sizes else 0


def wrk(url, seconds=10, conns=32):
    r = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", url], capture_output=True,
                       text=True)
    rps = lat50 = lat99 = "?"
    for line in r.stdout.splitlines():
        s = line.split()
        if line.startswith("Requests/sec:"):
            rps = s[1]
        elif s[:1] == ["50%"]:
            lat50 = s[1]
        elif s[:1] == ["99%"]:
            lat99 = s[1]
    return rps, lat50, lat99


def wait_generation(d, gen, timeout=600, each=None):
    """Seconds until every replica serves gen; each (a dict) gets the time
    at which each replica was first seen on it."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        reps = [p for p in status(d) if p["role"] == "replica"]
        for p in reps:
            if each is not None and p.get("generation") == str(gen) and p["port"] not in each:
                each[p["port"]] = time.monotonic() - t0
        if reps and all(p.get("generation") == str(gen) for p in reps):
            return time.monotonic() - t0
        time.sleep(0.1)
    sys.exit(f"replicas not on generation {gen} after {timeout} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--offers", default="10M")
    ap.add_argument("--warm-offers", default="1M")
    ap.add_argument("--dir", default="/tmp/isla-fleet-bench")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--parts", default="latency,throughput,shipping,warming",
                    help="comma-separated subset of latency,throughput,shipping,warming")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    d = args.dir
    down(d)
    subprocess.run(["rm", "-rf", d])
    url, t_up = up(d, args.offers)
    print(f"fleet of {args.offers} offers up in {t_up:.1f} s (gen, import, 2 replicas pulling): {url}\n")
    procs = status(d)
    reps = [p["port"] for p in procs if p["role"] == "replica"]
    builder = next(p["port"] for p in procs if p["role"] == "builder")
    nginx = next(p["port"] for p in procs if p["role"] == "nginx")

    for full, seed in ((False, 1), (True, 2)) if "latency" in parts else ():
        rows, size = latency(reps, builder, args.n if not full else args.n // 3, full, seed)
        print(f"### Latency, {'full answers' if full else 'first pages (limit=20)'} "
              f"(median body {size / 1024:.1f} KB), ms\n")
        print("| path | n | server p50 | server p99 | client p50 | client p99 |\n|---|---|---|---|---|---|")
        for r in rows:
            print("| " + " | ".join(str(x) for x in r) + " |")
        print()

    q = queries(1, 7, False)[0]
    if "throughput" not in parts:
        q = None
    if q:
        throughput(reps, nginx, q)
    if "shipping" in parts:
        shipping(d)
    down(d)
    if "warming" in parts:
        warming(d, args)


def throughput(reps, nginx, q):
    Client(reps[0]).get(q)
    Client(reps[1]).get(q)
    print("### Throughput of one cached first page, wrk -t1 -c32 -d10s\n")
    print("| target | req/s | p50 | p99 |\n|---|---|---|---|")
    for name, port in (("direct: one replica (1 thread)", reps[0]), ("nginx -> 2 replicas", nginx)):
        rps, p50, p99 = wrk(f"http://127.0.0.1:{port}{q}")
        print(f"| {name} | {rps} | {p50} | {p99} |")
    print()


def shipping(d):
    t0 = time.monotonic()
    r = subprocess.run([CLUSTER, "import", "--dir", d], capture_output=True, text=True)
    t_import = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"import failed: {r.stderr}")
    each = {}
    t_ship = wait_generation(d, 2, each=each)
    size = sum(f.stat().st_size for f in (Path(d) / "builder-0").glob("gen-*2/*"))
    print("### Shipping a generation\n")
    print(f"- `cluster.sh import` (gen + import + reload on the builder): {t_import:.1f} s")
    print(f"- then every replica serving generation 2: {t_ship:.1f} s later "
          f"({size / 1e6:.0f} MB per replica: download, SHA-256, CRC verify, publish, load)")
    print("- each replica on it after: " + ", ".join(f"{t:.1f} s" for t in sorted(each.values())) +
          " (one download at a time: --ship-slots 1)\n")


def warming(d, args):
    # Warming: the same popular mix before and after a switch, warming on/off.
    print(f"### Warming ({args.warm_offers} offers, one replica, Redis flushed): the first 1,000 requests "
          "after a switch\n")
    print("| warming | searches warmed | L1 hits | misses | hit rate |\n|---|---|---|---|---|")
    for label, env in (("on (default: 200 searches, 2 s)", {}), ("off (ISLA_WARM=0)", {"ISLA_WARM": "0"})):
        wd = d + "-warm"
        down(wd)
        subprocess.run(["rm", "-rf", wd])
        url, _ = up(wd, args.warm_offers, env, replicas=1)
        rep = next(p["port"] for p in status(wd) if p["role"] == "replica")
        popular = queries(150, 11, False)
        c = Client(rep)
        rnd = random.Random(5)
        for _ in range(3000):  # Zipf-like popularity
            c.get(popular[min(len(popular) - 1, int(rnd.paretovariate(1.2)) - 1)])
        subprocess.run([CLUSTER, "import", "--dir", wd], capture_output=True, text=True)
        wait_generation(wd, 2)
        # Redis would answer the misses for this single replica after the
        # first ask: flush it so the figure is L1 warming alone.
        redis = next(p["port"] for p in status(wd) if p["role"] == "redis")
        subprocess.run(["redis-cli", "-p", str(redis), "FLUSHALL"], capture_output=True)
        time.sleep(2.5)  # warming runs (at most 2 s)
        counts = {"l1": 0, "l2": 0, "miss": 0}
        c = Client(rep)
        for _ in range(1000):  # the first users after the switch
            s, h, _, _, _ = c.get(popular[min(len(popular) - 1, int(rnd.paretovariate(1.2)) - 1)])
            k = h.get("x-isla-cache", "miss")
            counts[k] = counts.get(k, 0) + 1
        st = json.loads(c.get("/api/stats")[2])["warm"]
        print(f"| {label} | {st['lastWarmed']} in {st['lastMs']} ms | {counts['l1']} | {counts['miss']} | "
              f"{counts['l1'] / 1000:.1%} |")
        down(wd)
    print()


if __name__ == "__main__":
    main()
