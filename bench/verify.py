#!/usr/bin/env python3
"""Compares isla's answers with a foreign engine's, search by search.

    verify.py --mix mix.tsv --isla isla.digest --other duckdb.digest --name duckdb --out verify.json

Both digests have one line per search of the mix, in order (see
http_mix.py and duckdb_bench.mjs / sqlite_bench.py). For bestOffersByHotel
the hotel set, minPrice and countAvailableOffers must be equal; for hotel
offers the sequence of (price, outbound departure datetime). Mismatches are
listed precisely (the request, then what differs) on stderr and in the JSON;
exit status 1 if any."""
import argparse
import json
import sys


def parse_best(s):
    out = {}
    for x in filter(None, s.split(",")):
        h, p, n = x.split(":")
        out[int(h)] = (int(p), int(n))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mix", required=True)
    ap.add_argument("--isla", required=True)
    ap.add_argument("--other", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    mix = [l.rstrip("\n").split("\t") for l in open(a.mix) if l.strip()]
    isla = [l.rstrip("\n").split("\t", 1) for l in open(a.isla)]
    other = [l.rstrip("\n").split("\t", 1) for l in open(a.other)]
    bad = []
    if not (len(mix) == len(isla) == len(other)):
        bad.append({"error": f"line counts differ: mix {len(mix)}, isla {len(isla)}, {a.name} {len(other)}"})
    for i, (m, x, y) in enumerate(zip(mix, isla, other)):
        cls, target = m
        xs, ys = (x + [""])[1], (y + [""])[1]
        if xs == ys:
            continue
        d = {"line": i + 1, "class": cls, "request": target}
        if target.startswith("/bestOffersByHotel"):
            xi, yo = parse_best(xs), parse_best(ys)
            d["only_isla"] = sorted(set(xi) - set(yo))[:10]
            d[f"only_{a.name}"] = sorted(set(yo) - set(xi))[:10]
            d["differ"] = [{"hotel": h, "isla": xi[h], a.name: yo[h]} for h in sorted(set(xi) & set(yo)) if xi[h] != yo[h]][:10]
        else:
            xl, yl = xs.split(","), ys.split(",")
            k = next((k for k in range(max(len(xl), len(yl))) if k >= len(xl) or k >= len(yl) or xl[k] != yl[k]), None)
            d["first_difference_at"] = k
            d["isla"] = xl[k:k + 3] if k is not None else []
            d[a.name] = yl[k:k + 3] if k is not None else []
            d["lengths"] = [len(xl), len(yl)]
        bad.append(d)
    res = {"engine": a.name, "searches": min(len(mix), len(isla), len(other)), "mismatches": len(bad), "details": bad[:20]}
    json.dump(res, open(a.out, "w"), indent=1)
    print(f"verify isla vs {a.name}: {res['searches']} searches, {len(bad)} mismatches", file=sys.stderr)
    for d in bad[:5]:
        print("  " + json.dumps(d), file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
