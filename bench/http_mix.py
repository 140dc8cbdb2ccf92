#!/usr/bin/env python3
"""Runs every request of an emitted mix once against `isla serve`, over one
keep-alive connection, sequentially.

    http_mix.py --port P --mix mix.tsv --out http.json --digest isla.digest

Reports per-class latency of the full answers (request sent -> whole body
received; JSON parsing for the digest happens after the clock stops), the
server's own time per request from its X-Response-Time header (handler start
to response queued: the search and the JSON, without the client, the loopback
and Python) with the answer bytes, and
writes the digest lines bench/verify.py compares with DuckDB and SQLite:
best offers as `hotelId:minPrice:countAvailableOffers` sorted by hotel id,
hotel offers as `price@outboundDepartureDatetime` in answer order."""
import argparse
import http.client
import json
import time


def pct(t, q):
    return t[min(len(t) - 1, int(len(t) * q))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mix", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--digest")
    a = ap.parse_args()
    lines = [l.rstrip("\n").split("\t") for l in open(a.mix) if l.strip()]
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
    times, server, sbytes, digest, nbytes, errors = {}, {}, {}, [], 0, 0
    for cls, target in lines:
        t0 = time.perf_counter()
        conn.request("GET", target)
        r = conn.getresponse()
        body = r.read()
        us = (time.perf_counter() - t0) * 1e6
        times.setdefault(cls, []).append(us)
        nbytes += len(body)
        rt = r.getheader("X-Response-Time", "")
        if rt.endswith("ms"):
            server.setdefault(cls, []).append(float(rt[:-2]) * 1000)
            sbytes[cls] = sbytes.get(cls, 0) + len(body)
        if r.status != 200:
            errors += 1
            digest.append(f"{cls}\tHTTP {r.status}")
            continue
        j = json.loads(body)
        if isinstance(j, list):
            rows = sorted((x["hotel"]["id"], x["minPrice"], x["countAvailableOffers"]) for x in j)
            digest.append(cls + "\t" + ",".join(f"{h}:{p}:{n}" for h, p, n in rows))
        else:
            digest.append(cls + "\t" + ",".join(f'{x["price"]}@{x["outboundDepartureDatetime"][:19]}' for x in j["items"]))
    conn.close()
    res = {}
    for cls, t in times.items():
        t.sort()
        res[cls] = {"n": len(t), "p50_us": pct(t, 0.5), "p90_us": pct(t, 0.9), "p99_us": pct(t, 0.99), "max_us": t[-1]}
        st = sorted(server.get(cls, []))
        if st:
            # server time per request (X-Response-Time, 1 us resolution), and
            # the answer bytes per second of server time over the class
            res[cls].update({"server_n": len(st), "server_p50_us": pct(st, 0.5), "server_p90_us": pct(st, 0.9),
                             "server_p99_us": pct(st, 0.99), "server_max_us": st[-1], "bytes": sbytes[cls],
                             "bytes_per_server_s": sbytes[cls] / (sum(st) / 1e6) if sum(st) > 0 else None})
    json.dump({"requests": len(lines), "errors": errors, "bytes": nbytes, "classes": res}, open(a.out, "w"), indent=1)
    if a.digest:
        open(a.digest, "w").write("\n".join(digest) + "\n")


if __name__ == "__main__":
    main()
