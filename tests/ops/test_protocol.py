#!/usr/bin/env python3
"""Protocol-level behaviour of `isla serve` against the real server:
compression, ETag/304 and Cache-Control, the result cache's counters,
rate limiting (429, Retry-After, RateLimit-*), request limits (413/414/431),
slow-loris and idle timeouts, HTTP/2 (h2c and TLS with ALPN), X-Request-Id
and X-Response-Time, /api/stats and its stream, the access and slow logs,
and configuration precedence (flag > ISLA_* > file) with exit 2 on bad
values.

Python 3 standard library plus curl and openssl. Loopback only; each test
is bounded in time. Prints `ok name` / `FAIL name: why`, then
`N passed, M failed`.
"""
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import (BIN, SEARCH, Fail, Server, check, free_port, import_data, run_test,  # noqa: E402
                    summary)

BEST = "/api/bestOffersByHotel?" + SEARCH
HEADERS_EVERYWHERE = ("x-request-id", "x-response-time")


def t_gzip(srv):
    s, h, plain = srv.request("GET", BEST)
    check(s == 200 and len(plain) > 4096, f"identity: {s}, {len(plain)} bytes")
    check("content-encoding" not in h, f"encoded without Accept-Encoding: {h.get('content-encoding')}")
    check("accept-encoding" in h.get("vary", "").lower(), f"no Vary on a compressible answer: {h.get('vary')!r}")
    s, h, body = srv.request("GET", BEST, {"Accept-Encoding": "gzip"})
    check(s == 200 and h.get("content-encoding") == "gzip", f"gzip: {s} {h.get('content-encoding')!r}")
    check(int(h["content-length"]) == len(body) < len(plain) // 3, f"gzip length {len(body)} vs {len(plain)}")
    check(gzip.decompress(body) == plain, "gzip body does not round-trip")
    check("accept-encoding" in h.get("vary", "").lower(), "no Vary on the gzip answer")
    # q=0 refuses a coding; an unknown coding is ignored
    s, h, body = srv.request("GET", BEST, {"Accept-Encoding": "gzip;q=0, compress"})
    check(s == 200 and "content-encoding" not in h and body == plain, f"gzip;q=0 got {h.get('content-encoding')!r}")
    # small bodies are not compressed
    s, h, body = srv.request("GET", "/api/health", {"Accept-Encoding": "gzip, br"})
    check(s == 200 and len(body) < 1024 and "content-encoding" not in h, f"small body encoded: {h.get('content-encoding')!r}")
    # HEAD reports the encoded length without a body
    s, h, body = srv.request("HEAD", BEST, {"Accept-Encoding": "gzip"})
    check(s == 200 and body == b"" and h.get("content-encoding") == "gzip", f"HEAD gzip: {s} {h}")


def t_brotli(srv, tmp):
    # curl decodes br itself (Debian's curl is built with brotli)
    out = tmp / "br.json"
    r = subprocess.run(["curl", "-s", "-D", "-", "-o", str(out), "--compressed", "-H", "Accept-Encoding: br",
                        f"http://127.0.0.1:{srv.port}{BEST}"], capture_output=True, timeout=20)
    headers = r.stdout.decode().lower()
    check(r.returncode == 0, f"curl exit {r.returncode}")
    check("content-encoding: br" in headers, f"no br: {headers[:400]!r}")
    _, _, plain = srv.request("GET", BEST)
    check(out.read_bytes() == plain, "brotli body does not round-trip")
    # with both accepted, br is preferred; gzip with higher q wins
    _, h, _ = srv.request("GET", BEST, {"Accept-Encoding": "gzip, deflate, br"})
    check(h.get("content-encoding") == "br", f"br not preferred: {h.get('content-encoding')!r}")
    _, h, _ = srv.request("GET", BEST, {"Accept-Encoding": "br;q=0.5, gzip;q=1"})
    check(h.get("content-encoding") == "gzip", f"q-values ignored: {h.get('content-encoding')!r}")


def t_etag_304(srv):
    q1 = SEARCH + "&departureAirports=MUC,FRA"
    q2 = SEARCH.replace("duration=7", "duration=7&departureAirports=fra") + "&departureAirports[]=MUC"
    s, h1, b1 = srv.request("GET", "/api/bestOffersByHotel?" + q1)
    check(s == 200, f"status {s}")
    etag = h1.get("etag", "")
    check(re.fullmatch(r'W/"[0-9a-f]+-[0-9a-f]{16}"', etag), f"ETag {etag!r}")
    check(h1.get("cache-control") == "public, max-age=60", f"Cache-Control {h1.get('cache-control')!r}")
    s, h2, b2 = srv.request("GET", "/bestOffersByHotel?" + q2)
    check(s == 200 and h2.get("etag") == etag and b2 == b1, "another spelling of the same search: other ETag or body")
    s, h3, body = srv.request("GET", "/api/bestOffersByHotel?" + q1, {"If-None-Match": etag})
    check(s == 304 and body == b"", f"If-None-Match: {s}, {len(body)} bytes")
    check(h3.get("etag") == etag, "304 without the ETag")
    check("content-length" not in h3 or h3["content-length"] == "0", "304 with a body length")
    for k in HEADERS_EVERYWHERE:
        check(k in h3, f"304 without {k}")
    # the strong form and a list match too; another tag does not
    s, _, _ = srv.request("GET", "/api/bestOffersByHotel?" + q1, {"If-None-Match": '"x", ' + etag[2:]})
    check(s == 304, f"strong/list form: {s}")
    s, _, _ = srv.request("GET", "/api/bestOffersByHotel?" + q1, {"If-None-Match": 'W/"1-0000000000000000"'})
    check(s == 200, f"a stale tag got {s}")
    s, h, _ = srv.request("GET", "/api/bestOffersByHotel?" + SEARCH.replace("duration=7", "duration=14"))
    check(s == 200 and h.get("etag") not in (None, etag), "a different search has the same ETag")
    # errors are not cacheable
    s, h, _ = srv.request("GET", "/api/bestOffersByHotel?duration=7")
    check(s == 400 and "etag" not in h and h.get("cache-control") == "no-store", f"400: {s} {h.get('cache-control')!r}")


def cache_counts(srv):
    c = srv.stats()["cache"]
    return c["hits"], c["misses"], c["entries"]


def t_result_cache(srv):
    q = SEARCH.replace("duration=7", "duration=10") + "&departureAirports=STR&departureAirports=HAM"
    hits0, miss0, _ = cache_counts(srv)
    s, h, b1 = srv.request("GET", "/api/bestOffersByHotel?" + q)
    check(s == 200, f"status {s}")
    hits1, miss1, entries1 = cache_counts(srv)
    check((hits1 - hits0, miss1 - miss0) == (0, 1), f"first request: hits +{hits1 - hits0}, misses +{miss1 - miss0}")
    check(entries1 >= 1, f"{entries1} entries")
    # the same search spelled differently, in another encoding: a hit
    q2 = SEARCH.replace("duration=7", "duration=10") + "&departureAirports=ham,str&_=12345"
    s, h, b2 = srv.request("GET", "/bestOffersByHotel?" + q2, {"Accept-Encoding": "gzip"})
    check(s == 200 and gzip.decompress(b2) == b1, "cached answer differs")
    hits2, miss2, _ = cache_counts(srv)
    check((hits2 - hits1, miss2 - miss1) == (1, 0), f"second request: hits +{hits2 - hits1}, misses +{miss2 - miss1}")
    st = srv.stats()["cache"]
    check(0 < st["hitRate"] <= 1 and st["bytes"] > len(b1), f"cache stats {st}")
    check(srv.metric("isla_cache_hits_total") == hits2 and srv.metric("isla_cache_misses_total") == miss2,
          "/metrics disagrees with /api/stats")
    # hotel offers are cached too
    _, _, body = srv.request("GET", BEST + "&limit=1")
    hotel = json.loads(body)[0]["hotel"]["id"]
    path = f"/api/hotels/{hotel}/offers?" + SEARCH
    h0, m0, _ = cache_counts(srv)
    srv.request("GET", path)
    srv.request("GET", path)
    h1, m1, _ = cache_counts(srv)
    check((h1 - h0, m1 - m0) == (1, 1), f"hotel offers: hits +{h1 - h0}, misses +{m1 - m0}")


def t_cache_off_and_ttl(tmp, data):
    srv = Server(data, ["--cache-size", "0"])
    try:
        srv.wait_health()
        for _ in range(3):
            s, h, _ = srv.request("GET", BEST)
            check(s == 200 and h.get("etag"), "no ETag with the cache off")
        c = srv.stats()["cache"]
        check(c["hits"] == 0 and c["entries"] == 0, f"cache off but {c}")
        # compressed per request: gzip is preferred (faster and smaller than brotli at low levels),
        # brotli only for a client that takes nothing else
        _, h, _ = srv.request("GET", BEST, {"Accept-Encoding": "gzip, deflate, br"})
        check(h.get("content-encoding") == "gzip", f"uncached: {h.get('content-encoding')!r}, not gzip")
        _, h, _ = srv.request("GET", BEST, {"Accept-Encoding": "br"})
        check(h.get("content-encoding") == "br", f"br-only client: {h.get('content-encoding')!r}")
    finally:
        srv.stop()
    srv = Server(data, ["--cache-ttl", "300ms"])
    try:
        srv.wait_health()
        srv.request("GET", BEST)
        srv.request("GET", BEST)
        time.sleep(0.5)
        srv.request("GET", BEST)
        st = srv.stats()["cache"]
        check(st["hits"] == 1 and st["misses"] == 2 and st["expired"] == 1, f"TTL: {st}")
    finally:
        srv.stop()


def t_cache_budget(tmp, data):
    # 16 shards of 16 KB, at most 2 KB an entry: 300 small answers must evict,
    # and a 200 KB answer is refused rather than flushing the cache
    srv = Server(data, ["--cache-size", "256k"])
    try:
        srv.wait_health()
        c = srv.conn()
        for d in range(1, 31):
            for lim in range(1, 11):
                c.request("GET", "/api/bestOffersByHotel?" + SEARCH.replace("duration=7", f"duration={d}") +
                          f"&limit={lim}")
                r = c.getresponse()
                r.read()
                check(r.status == 200, f"status {r.status}")
        c.close()
        st = srv.stats()["cache"]
        check(st["bytes"] <= 256 << 10, f"over budget: {st}")
        check(st["evictions"] > 0 and st["entries"] < 300, f"no evictions: {st}")
        before = srv.metric("isla_cache_rejected_total")
        srv.request("GET", BEST)
        check(srv.metric("isla_cache_rejected_total") == before + 1, "a 200 KB answer was not refused by a 256 KB cache")
    finally:
        srv.stop()


def t_429(tmp, data):
    srv = Server(data, ["--rate-limit", "30/min", "--rate-burst", "3", "--trusted-proxy", "127.0.0.2"])
    try:
        srv.wait_health()
        remaining = []
        for i in range(3):
            s, h, _ = srv.request("GET", BEST + "&limit=1")
            check(s == 200, f"request {i}: {s}")
            check(h.get("ratelimit-limit") == "3", f"RateLimit-Limit {h.get('ratelimit-limit')!r}")
            remaining.append(int(h["ratelimit-remaining"]))
        check(remaining == [2, 1, 0], f"RateLimit-Remaining {remaining}")
        s, h, body = srv.request("GET", BEST + "&limit=1")
        check(s == 429, f"4th request: {s}")
        check(json.loads(body)["error"]["code"] == "rate_limited", f"body {body[:200]!r}")
        retry = int(h.get("retry-after", "0"))
        check(retry == 2, f"Retry-After {h.get('retry-after')!r} (one token every 2 s)")
        check(h.get("ratelimit-remaining") == "0" and int(h.get("ratelimit-reset", "0")) >= 2, f"headers {h}")
        check(h.get("ratelimit-policy") == "3;w=6", f"RateLimit-Policy {h.get('ratelimit-policy')!r}")
        for k in HEADERS_EVERYWHERE:
            check(k in h, f"429 without {k}")
        # health, metrics and stats are exempt
        for p in ("/api/health", "/api/health/live", "/metrics", "/api/stats"):
            s, _, _ = srv.request("GET", p)
            check(s == 200, f"{p} while limited: {s}")
        # X-Forwarded-For from an untrusted peer changes nothing
        s, _, _ = srv.request("GET", BEST + "&limit=1", {"X-Forwarded-For": "203.0.113.9"})
        check(s == 429, f"spoofed X-Forwarded-For escaped the limit: {s}")
        time.sleep(retry + 0.1)
        s, h, _ = srv.request("GET", BEST + "&limit=1")
        check(s == 200, f"after Retry-After: {s}")
        check(srv.metric("isla_http_rate_limited_total") == 2, "isla_http_rate_limited_total != 2")
        check(srv.stats()["rateLimited"] == 2, "stats rateLimited != 2")
    finally:
        srv.stop()


def t_429_trusted_proxy(tmp, data):
    srv = Server(data, ["--rate-limit", "1/h", "--rate-burst", "1", "--trusted-proxy", "127.0.0.0/8"])
    try:
        srv.wait_health()
        # behind a trusted proxy, each client in X-Forwarded-For has its own bucket
        for client in ("198.51.100.1", "198.51.100.2", "2001:db8::7"):
            s, _, _ = srv.request("GET", BEST + "&limit=1", {"X-Forwarded-For": f"{client}, 127.0.0.5"})
            check(s == 200, f"first request of {client}: {s}")
            s, _, _ = srv.request("GET", BEST + "&limit=1", {"X-Forwarded-For": f"{client}, 127.0.0.5"})
            check(s == 429, f"second request of {client}: {s}")
        # the client cannot choose its address: only the rightmost untrusted one counts
        s, _, _ = srv.request("GET", BEST + "&limit=1", {"X-Forwarded-For": "10.9.9.9, 198.51.100.1"})
        check(s == 429, f"a forged leftmost entry escaped the limit: {s}")
    finally:
        srv.stop()


def raw_request(port, data, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except socket.timeout:
            pass
        return b"".join(chunks)


def t_limits(srv):
    # 431: headers above --max-header-size (16k)
    s, h, body = srv.request("GET", "/api/health", {"X-Big": "a" * 20000})
    check(s == 431, f"20 KB of headers: {s}")
    check(json.loads(body)["error"]["code"] == "headers_too_large", f"{body[:200]!r}")
    s, _, _ = srv.request("GET", "/api/health", {"X-Big": "a" * 8000})
    check(s == 200, f"8 KB of headers: {s}")
    # 414
    s, h, _ = srv.request("GET", BEST + "&x=" + "a" * 9000)
    check(s == 414, f"9 KB URL: {s}")
    for k in HEADERS_EVERYWHERE:
        check(k in h, f"414 without {k}")
    # 413: a body over --max-body (64k)
    s, _, _ = srv.request("POST", "/api/admin/reload", body=b"x" * 100000,
                          headers={"Content-Type": "application/octet-stream"})
    check(s == 413, f"100 KB body: {s}")
    resp = raw_request(srv.port, b"POST /api/admin/reload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       b"".join(b"%x\r\n%s\r\n" % (20000, b"y" * 20000) for _ in range(5)) + b"0\r\n\r\n")
    # chunked request bodies are refused outright (tests/ops/test_abuse.py: smuggling)
    check(resp.startswith(b"HTTP/1.1 400"), f"chunked 100 KB body: {resp[:60]!r}")


def t_slowloris(tmp, data):
    srv = Server(data, ["--header-timeout", "1s"])
    try:
        srv.wait_health()
        # a client that trickles header lines is cut after --header-timeout
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        t0 = time.monotonic()
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        closed_after = None
        try:
            for i in range(40):
                time.sleep(0.2)
                s.sendall(b"X-Trickle-%d: y\r\n" % i)
                s.settimeout(0.01)
                try:
                    got = s.recv(4096)
                    if got == b"" or b"408" in got or got:
                        closed_after = time.monotonic() - t0
                        break
                except socket.timeout:
                    pass
        except (BrokenPipeError, ConnectionResetError):
            closed_after = time.monotonic() - t0
        s.close()
        check(closed_after is not None, "a trickling client was never cut (8 s)")
        check(0.8 <= closed_after <= 3.5, f"cut after {closed_after:.1f} s with --header-timeout 1s")
        # so is one that trickles its body
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        t0 = time.monotonic()
        s.sendall(b"POST /api/admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        closed_after = None
        try:
            for i in range(40):
                time.sleep(0.2)
                s.sendall(b"xxxxx")
                s.settimeout(0.01)
                try:
                    s.recv(4096)
                    closed_after = time.monotonic() - t0
                    break
                except socket.timeout:
                    pass
        except (BrokenPipeError, ConnectionResetError):
            closed_after = time.monotonic() - t0
        s.close()
        check(closed_after is not None and 0.8 <= closed_after <= 3.5, f"trickled body cut after {closed_after}")
        # an idle keep-alive connection is closed too
        c = srv.conn()
        c.request("GET", "/api/health")
        c.getresponse().read()
        sock = c.sock
        sock.settimeout(5)
        t0 = time.monotonic()
        try:
            got = sock.recv(1)
        except (ConnectionResetError, socket.timeout):
            got = None
        took = time.monotonic() - t0
        check(got == b"" and took <= 3.5, f"idle keep-alive: recv {got!r} after {took:.1f} s")
        c.close()
        # and the server still serves
        s2, _, _ = srv.request("GET", "/api/health")
        check(s2 == 200, f"health after the slow clients: {s2}")
    finally:
        srv.stop()


def curl(args, timeout=20):
    r = subprocess.run(["curl", "-s", "-S"] + args, capture_output=True, timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def h2_frame(kind, flags, stream, payload):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def h2_raw_two_streams(port):
    """A minimal HTTP/2 client (prior knowledge, HPACK static table only):
    two requests on streams 1 and 3 of one connection. Returns
    {stream: (status byte, body)}."""
    path = b"/api/health"
    hdr = bytes([0x82, 0x86, 0x04, len(path)]) + path + bytes([0x41, 9]) + b"localhost"  # GET http :path :authority
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, b""))
    s.sendall(h2_frame(1, 5, 1, hdr) + h2_frame(1, 5, 3, hdr))
    buf, out, deadline = b"", {}, time.monotonic() + 3
    s.settimeout(0.5)
    while time.monotonic() < deadline and len([k for k, v in out.items() if v[2]]) < 2:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        if not d:
            break
        buf += d
        while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
            n = int.from_bytes(buf[:3], "big")
            kind, flags, sid = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
            payload, buf = buf[9:9 + n], buf[9 + n:]
            if kind == 4 and not flags & 1:
                s.sendall(h2_frame(4, 1, 0, b""))
            if kind == 1:
                out[sid] = (payload[:1], b"", bool(flags & 1))
            if kind == 0 and sid in out:
                out[sid] = (out[sid][0], out[sid][1] + payload, bool(flags & 1))
    s.close()
    return out


def t_h2c(srv):
    rc, out, err = curl(["--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                         f"http://127.0.0.1:{srv.port}{BEST}"])
    check(rc == 0 and out == "2 200", f"h2c prior knowledge: rc {rc} {out!r} {err}")
    # two streams on one prior-knowledge connection (":status: 200" is HPACK index 8: 0x88)
    got = h2_raw_two_streams(srv.port)
    check(set(got) == {1, 3}, f"streams answered: {sorted(got)}")
    for sid, (status, body, ended) in got.items():
        check(status == b"\x88" and ended and json.loads(body)["status"] == "ok", f"stream {sid}: {status!r} {body[:80]!r}")
    # h2c by Upgrade, several requests multiplexed on the one connection, with headers
    rc, out, err = curl(["--http2", "-D", "-", "-o", "/dev/null", "-o", "/dev/null", "-H", "Accept-Encoding: gzip",
                         f"http://127.0.0.1:{srv.port}{BEST}", f"http://127.0.0.1:{srv.port}{BEST}&limit=1"])
    low = out.lower()
    check(rc == 0 and low.count("http/2 200") == 2, f"upgrade: rc {rc} {out[:300]!r} {err}")
    check("content-encoding: gzip" in low and low.count("x-request-id:") == 2, f"h2 headers: {out[:600]!r}")


def t_tls(tmp, data):
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"],
                       capture_output=True, timeout=30)
    check(r.returncode == 0, f"openssl: {r.stderr[-300:]!r}")
    srv = Server(data, ["--tls-cert", str(cert), "--tls-key", str(key)], tls=True)
    try:
        srv.wait_health()
        rc, out, err = curl(["-k", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code} %{scheme}",
                             f"https://127.0.0.1:{srv.port}{BEST}"])
        check(rc == 0 and out.lower() == "2 200 https", f"TLS + ALPN h2: rc {rc} {out!r} {err}")
        rc, out, err = curl(["-k", "--http1.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                             f"https://127.0.0.1:{srv.port}/api/health"])
        check(rc == 0 and out == "1.1 200", f"TLS HTTP/1.1: rc {rc} {out!r} {err}")
        # the certificate is the one we gave
        rc, out, err = curl(["--cacert", str(cert), "-o", "/dev/null", "-w", "%{http_code}",
                             f"https://127.0.0.1:{srv.port}/api/health"])
        check(rc == 0 and out == "200", f"verified against our cert: rc {rc} {out!r} {err}")
        # plain HTTP on the TLS port is not answered as HTTP
        rc, out, err = curl(["-o", "/dev/null", "-w", "%{http_code}", "-m", "3",
                             f"http://127.0.0.1:{srv.port}/api/health"])
        check(out != "200", "plain HTTP answered on the TLS port")
    finally:
        srv.stop()
    # a key that does not match the certificate: exit 2, named
    other = tmp / "other.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out",
                    str(other)], capture_output=True, timeout=30)
    r = subprocess.run([BIN, "serve", "--data", str(data), "--port", "0", "--tls-cert", str(cert), "--tls-key",
                        str(other)], capture_output=True, timeout=20)
    check(r.returncode == 2 and b"--tls" in r.stderr, f"mismatched key: exit {r.returncode} {r.stderr[-200:]!r}")


def t_common_headers(srv):
    _, _, body = srv.request("GET", BEST + "&limit=1")
    hotel = json.loads(body)[0]["hotel"]["id"]
    seen = set()
    for method, path, extra in (("GET", BEST, {}), ("GET", "/api/nope", {}), ("GET", "/metrics", {}),
                                ("GET", "/api/stats", {}), ("GET", "/", {}), ("OPTIONS", "/api/x", {}),
                                ("HEAD", f"/api/hotels/{hotel}", {}), ("POST", "/api/admin/reload", {}),
                                ("GET", "/api/health/live", {}), ("GET", "/api/health/ready", {})):
        s, h, _ = srv.request(method, path, extra)
        for k in HEADERS_EVERYWHERE:
            check(k in h, f"{method} {path} ({s}) without {k}")
        check(re.fullmatch(r"\d+\.\d{3}ms", h["x-response-time"]), f"X-Response-Time {h['x-response-time']!r}")
        check(h["x-request-id"] not in seen, f"request id repeated: {h['x-request-id']}")
        seen.add(h["x-request-id"])
    s, h, _ = srv.request("GET", "/api/health", {"X-Request-Id": "from-the-proxy-42"})
    check(h.get("x-request-id") == "from-the-proxy-42", "a proxy's X-Request-Id is not passed through")
    s, h, _ = srv.request("GET", "/api/health", {"X-Request-Id": "bad id with spaces"})
    check(h.get("x-request-id") != "bad id with spaces", "an untidy X-Request-Id was echoed")
    s, h, body = srv.request("GET", "/api/health/live")
    check(s == 200 and json.loads(body)["status"] == "live", f"live: {s} {body!r}")
    s, h, body = srv.request("GET", "/api/health/ready")
    check(s == 200 and json.loads(body)["status"] == "ok", f"ready: {s} {body!r}")


STATS_KEYS = {"uptime", "generation", "offers", "dataAge", "requests", "latency", "routes", "cache", "memory",
              "connections", "rateLimited"}


def check_stats_shape(st):
    missing = STATS_KEYS - set(st)
    check(not missing, f"/api/stats lacks {missing}")
    for k in ("total", "perSecond", "errors", "errorRate"):
        check(k in st["requests"], f"requests.{k} missing")
    for k in ("p50", "p95", "p99"):
        check(isinstance(st["latency"][k], (int, float)), f"latency.{k}")
    for k in ("hits", "misses", "hitRate", "entries", "bytes", "evictions"):
        check(k in st["cache"], f"cache.{k} missing")
    check(st["memory"]["rssBytes"] > 1 << 20, f"rss {st['memory']}")
    for name, r in st["routes"].items():
        for k in ("count", "perSecond", "p50", "p95", "p99", "errors"):
            check(k in r, f"routes.{name}.{k} missing")


def t_stats(srv):
    for _ in range(5):
        srv.request("GET", BEST + "&limit=20")
    st = srv.stats()
    check_stats_shape(st)
    r = st["routes"].get("bestOffersByHotel")
    check(r and r["count"] >= 5 and r["perSecond"] > 0, f"route stats {r}")
    check(0 < r["p50"] <= r["p95"] <= r["p99"] < 1000, f"percentiles {r}")
    check(st["generation"] >= 1 and st["offers"] > 0 and st["dataAge"] >= 0, "generation fields")
    check(st["requests"]["total"] >= 5 and st["connections"] >= 1, f"requests {st['requests']}")


def t_stream(tmp, data):
    srv = Server(data, ["--stream-interval", "200ms"])
    try:
        srv.wait_health()
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.sendall(b"GET /api/stats/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        buf = b""
        deadline = time.monotonic() + 5
        while buf.count(b"event: stats") < 4 and time.monotonic() < deadline:
            buf += s.recv(65536)
        head = buf.split(b"\r\n\r\n", 1)[0].decode().lower()
        check("200 ok" in head and "content-type: text/event-stream" in head, f"stream head {head!r}")
        check("cache-control: no-store" in head, "stream is cacheable")
        events = re.findall(rb"event: stats\r?\ndata: (\{.*?\})\n\n", buf)
        check(len(events) >= 3, f"{len(events)} events in 5 s at 200 ms: {buf[:300]!r}")
        st = json.loads(events[-1])
        check_stats_shape(st)
        check(srv.stats()["streams"] == 1, "stream not counted")
        s.close()
        deadline = time.monotonic() + 5
        while srv.stats()["streams"] != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        check(srv.stats()["streams"] == 0, "a closed stream is still counted")
        check(srv.metric("isla_stats_stream_clients") == 0, "metrics still count the closed stream")
    finally:
        srv.stop()


def t_access_log(tmp, data):
    log = tmp / "access.log"
    srv = Server(data, ["--access-log", "full", "--access-log-file", str(log)])
    ids = []
    try:
        srv.wait_health()
        for path in (BEST + "&limit=3", "/api/nope", BEST + "&limit=3"):
            _, h, _ = srv.request("GET", path, {"User-Agent": "ops-test/1", "Accept-Encoding": "gzip"})
            ids.append(h["x-request-id"])
        time.sleep(0.3)  # lines are flushed within 100 ms
        lines = [json.loads(x) for x in log.read_text().splitlines()]
        by_id = {x["id"]: x for x in lines}
        for i in ids:
            check(i in by_id, f"request {i} not in the access log ({len(lines)} lines)")
        a = by_id[ids[0]]
        check(a["status"] == 200 and a["route"] == "bestOffersByHotel" and a["method"] == "GET", f"line {a}")
        check(a["client"] == "127.0.0.1" and a["ua"] == "ops-test/1" and a["query"].endswith("limit=3"), f"line {a}")
        check(a["cache"] == "miss" and by_id[ids[2]]["cache"] == "hit", "cache field")
        check(by_id[ids[1]]["status"] == 404, "404 line")
        check(isinstance(a["ms"], float) and a["bytes"] > 0 and a["ts"].endswith("Z"), f"line {a}")
        # SIGHUP reopens the file (log rotation)
        log.rename(tmp / "access.log.1")
        srv.signal(1)
        time.sleep(0.5)
        _, h, _ = srv.request("GET", "/api/health")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not (log.exists() and h["x-request-id"] in log.read_text()):
            time.sleep(0.1)
        check(log.exists() and h["x-request-id"] in log.read_text(), "no new access log after SIGHUP")
    finally:
        srv.stop()
    # sampled:100 logs one request in 100 (per serving thread)
    log2 = tmp / "sampled.log"
    srv = Server(data, ["--access-log", "sampled:100", "--access-log-file", str(log2), "--slow-ms", "0",
                        "--threads", "1"])
    try:
        srv.wait_health()
        c = srv.conn()
        for _ in range(1000):
            c.request("GET", "/api/health")
            c.getresponse().read()
        c.close()
        time.sleep(0.3)
        n = len(log2.read_text().splitlines())
        # 1000 requests plus wait_health's polls (a slow sanitizer start
        # polls a few hundred times): one line in 100 of them
        check(10 <= n <= 20, f"sampled:100 wrote {n} lines for about 1000 requests")
    finally:
        srv.stop()
    # the slow-search log works with the access log off
    srv = Server(data, ["--slow-ms", "0.000001", "--access-log-file", str(tmp / "slow.log")])
    try:
        srv.wait_health()
        _, h, _ = srv.request("GET", BEST)
        srv.request("GET", "/api/health")
        time.sleep(0.3)
        lines = [json.loads(x) for x in (tmp / "slow.log").read_text().splitlines()]
        check(len(lines) == 1 and lines[0]["slow"] is True and lines[0]["id"] == h["x-request-id"],
              f"slow log: {lines}")
    finally:
        srv.stop()


def t_config(tmp, data):
    empty = tmp / "cfg-empty"
    empty.mkdir()
    conf = tmp / "isla.conf"
    p_file, p_env, p_flag = free_port(), free_port(), free_port()
    conf.write_text(f"# test config\nport = {p_file}\nmax-age = 11s\nrate_limit = 100/min\n\n"
                    f"trusted-proxy = 10.0.0.0/8\n")

    def served_port(args, env):
        for p in (p_flag, p_env, p_file):
            try:
                with socket.create_connection(("127.0.0.1", p), timeout=0.2):
                    return p
            except OSError:
                pass
        return None

    cases = (([], {}, p_file), ([], {"ISLA_PORT": str(p_env)}, p_env),
             (["--port", str(p_flag)], {"ISLA_PORT": str(p_env)}, p_flag))
    for args, env, want in cases:
        srv = Server(empty, ["--config", str(conf)] + args, env=env, port=want, set_port=False)
        try:
            srv.wait_listening(10)
            got = served_port(args, env)
            check(got == want, f"{args} {env}: listening on {got}, expected {want}")
        finally:
            srv.stop()
    # a value visible in responses: max-age, from each source
    for args, env, want in (([], {}, "11"), ([], {"ISLA_MAX_AGE": "22"}, "22"),
                            (["--max-age", "33"], {"ISLA_MAX_AGE": "22"}, "33")):
        env = dict(env, ISLA_CONFIG=str(conf))
        srv = Server(data, args, env=env)
        try:
            srv.wait_health()
            _, h, _ = srv.request("GET", BEST + "&limit=1")
            check(h.get("cache-control") == f"public, max-age={want}", f"{args} {env}: {h.get('cache-control')!r}")
            check(h.get("ratelimit-limit") == "100", "rate-limit from the file not applied")
        finally:
            srv.stop()
    # invalid values: exit 2 with the source named
    bad_file = tmp / "bad.conf"
    bad_file.write_text("cache-size = 64M\ncache-ttl = forever\n")
    unknown = tmp / "unknown.conf"
    unknown.write_text("cache-sise = 64M\n")
    for args, env, word in ((["--rate-limit", "lots"], {}, "--rate-limit"),
                            (["--rate-limit", "10/fortnight"], {}, "--rate-limit"),
                            (["--cache-size", "-1"], {}, "--cache-size"),
                            (["--header-timeout", "0"], {}, "--header-timeout"),
                            (["--access-log", "sampled:0"], {}, "--access-log"),
                            (["--trusted-proxy", "10.0.0.0/33"], {}, "--trusted-proxy"),
                            (["--threads", "many"], {}, "--threads"),
                            (["--alert-webhook", "ftp://x"], {}, "--alert-webhook"),
                            (["--tls-cert", str(conf)], {}, "--tls"),
                            (["--gzip=maybe"], {}, "--gzip"),
                            ([], {"ISLA_CACHE_SIZE": "lots"}, "ISLA_CACHE_SIZE"),
                            ([], {"ISLA_ALERT_ERROR_RATE": "2"}, "ISLA_ALERT_ERROR_RATE"),
                            (["--config", str(bad_file)], {}, f"{bad_file}:2"),
                            (["--config", str(unknown)], {}, "cache-sise"),
                            (["--config", str(tmp / "missing.conf")], {}, "missing.conf")):
        r = subprocess.run([BIN, "serve", "--data", str(empty)] + args, capture_output=True, timeout=10,
                           env=dict(os.environ, **env))
        err = r.stderr.decode()
        check(r.returncode == 2, f"{args} {env}: exit {r.returncode}: {err[-200:]}")
        check(word in err, f"{args} {env}: message does not name {word}: {err!r}")
    # a flag overrides a bad environment value only if the flag is read last: env is
    # validated anyway (a typo in the environment is an error, not silently shadowed)
    r = subprocess.run([BIN, "serve", "--help"], capture_output=True, timeout=10)
    out = r.stdout.decode()
    check(r.returncode == 0, f"--help exit {r.returncode}")
    for opt in ("--data", "--port", "--threads", "--tls-cert", "--tls-key", "--gzip", "--brotli", "--compress-min",
                "--max-age", "--static-max-age", "--cache-size", "--cache-ttl", "--rate-limit", "--rate-burst",
                "--trusted-proxy", "--max-url", "--max-header-size", "--max-body", "--max-connections",
                "--header-timeout", "--idle-timeout", "--drain-timeout", "--admin-token", "--access-log",
                "--access-log-file", "--slow-ms", "--alert-webhook", "--alert-p99-ms", "--alert-error-rate",
                "--alert-rss", "--alert-cooldown", "--memory-log-interval", "--config", "ISLA_RATE_LIMIT",
                "default: 300s", "default: 256M", "default: off"):
        check(opt in out, f"--help does not mention {opt}")


def main():
    if not os.access(BIN, os.X_OK):
        print(f"FAIL setup: no binary at {BIN} (run make)")
        print("0 passed, 1 failed")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="isla-ops-proto-"))
    srv = None
    try:
        data = tmp / "data"
        web = tmp / "web"
        web.mkdir()
        (web / "index.html").write_text("<!doctype html><title>isla</title>" + "<p>x</p>" * 300)
        ok = run_test("setup: import", import_data, data, 21)
        if ok:
            srv = Server(data, ["--web", str(web), "--threads", "2"])
            ok = run_test("setup: serve", srv.wait_health)
        if ok:
            run_test("gzip round trip and thresholds", t_gzip, srv)
            run_test("brotli round trip and preference", t_brotli, srv, tmp)
            run_test("etag and 304", t_etag_304, srv)
            run_test("result cache hits and misses", t_result_cache, srv)
            run_test("413 414 431 limits", t_limits, srv)
            run_test("h2c", t_h2c, srv)
            run_test("x-request-id and x-response-time everywhere", t_common_headers, srv)
            run_test("stats json", t_stats, srv)
            srv.stop()
            srv = None
            run_test("cache off and ttl", t_cache_off_and_ttl, tmp, data)
            run_test("cache byte budget evicts", t_cache_budget, tmp, data)
            run_test("429 sequence with retry-after and reset", t_429, tmp, data)
            run_test("429 per client behind a trusted proxy", t_429_trusted_proxy, tmp, data)
            run_test("slow-loris and idle timeouts", t_slowloris, tmp, data)
            run_test("tls with alpn h2", t_tls, tmp, data)
            run_test("stats stream", t_stream, tmp, data)
            run_test("access log, sampling, slow log, reopen", t_access_log, tmp, data)
            run_test("config precedence and bad values", t_config, tmp, data)
    finally:
        if srv is not None:
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
