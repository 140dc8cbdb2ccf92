#!/usr/bin/env python3
"""Integration test of `isla serve` over real HTTP.

Generates a small data set, imports it, starts the server on a free port and
checks what a client sees: health, keep-alive, CORS, HEAD, errors (404, 405,
414), the root and /api/ routes, /openapi, static files, reload on SIGHUP
under load, refusal of a corrupt generation, graceful SIGTERM, and 503 before
the first import.

Python 3 standard library only. ISLA_BIN overrides the binary (e.g.
build/asan/isla); ISLA_HOTELS overrides the hotels.csv path. Prints one line
per test and a final "N passed, M failed"; exits 1 if anything failed.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import (BIN, HOTELS, ROOT, RESULTS, SEARCH, Fail, Server, check, free_port,  # noqa: E402,F401
                      generation_dirs, import_data, run_test)


# ---- tests against a running server with data --------------------------------

def t_health(srv):
    status, h = srv.health()
    check(status == 200, f"status {status}")
    for key in ("status", "generation", "offers", "hotels"):
        check(key in h, f"no '{key}' in {h}")
    check(any(k.startswith("uptime") for k in h), f"no uptime field in {h}")
    check(isinstance(h["generation"], int) and h["generation"] >= 1, f"generation {h['generation']!r}")
    check(isinstance(h["offers"], int) and 0 < h["offers"] <= 20000, f"offers {h['offers']!r}")
    check(isinstance(h["hotels"], int) and h["hotels"] > 0, f"hotels {h['hotels']!r}")


def t_keepalive(srv):
    c = srv.conn()
    try:
        sock = None
        for i in range(6):
            path = "/api/health" if i % 2 == 0 else "/bestOffersByHotel?" + SEARCH
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            check(r.status == 200, f"request {i}: status {r.status}")
            check((r.getheader("connection") or "").lower() != "close", f"request {i}: Connection: close")
            if sock is None:
                sock = c.sock
            check(c.sock is sock and c.sock is not None, f"request {i} used a new connection")
    finally:
        c.close()


def t_cors_get(srv):
    status, h, _ = srv.request("GET", "/bestOffersByHotel?" + SEARCH, {"Origin": "http://example.test"})
    check(status == 200, f"status {status}")
    check(h.get("access-control-allow-origin") == "*", f"allow-origin {h.get('access-control-allow-origin')!r}")
    expose = h.get("access-control-expose-headers", "").lower()
    check("x-total-count" in expose and "x-request-id" in expose, f"expose-headers {expose!r}")
    check(h.get("x-total-count", "").isdigit(), f"X-Total-Count {h.get('x-total-count')!r}")
    # errors carry CORS too, or the browser hides them from the page
    status, h, _ = srv.request("GET", "/api/no-such-route")
    check(h.get("access-control-allow-origin") == "*", "no CORS on a 404")


def t_cors_preflight(srv):
    status, h, body = srv.request("OPTIONS", "/bestOffersByHotel", {
        "Origin": "http://example.test", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-custom, content-type"})
    check(status == 204, f"status {status}")
    check(body == b"", f"body {body[:80]!r}")
    check(h.get("access-control-allow-origin") == "*", "allow-origin")
    methods = h.get("access-control-allow-methods", "")
    check(all(m in methods for m in ("GET", "HEAD", "OPTIONS")), f"allow-methods {methods!r}")
    check(h.get("access-control-allow-headers") == "x-custom, content-type",
          f"allow-headers {h.get('access-control-allow-headers')!r}")
    check(h.get("access-control-max-age") == "86400", f"max-age {h.get('access-control-max-age')!r}")
    status, h, _ = srv.request("OPTIONS", "/any/path/at/all")
    check(status == 204, f"OPTIONS on another path: {status}")
    check(h.get("access-control-allow-headers") == "*", f"allow-headers without request: {h.get('access-control-allow-headers')!r}")


def t_head(srv):
    path = "/bestOffersByHotel?" + SEARCH
    c = srv.conn()
    try:
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        check(r.status == 200, f"GET status {r.status}")
        c.request("HEAD", path)
        r = c.getresponse()
        head_body = r.read()
        check(r.status == 200, f"HEAD status {r.status}")
        check(head_body == b"", "HEAD returned a body")
        check(r.getheader("content-length") == str(len(body)),
              f"HEAD Content-Length {r.getheader('content-length')} != GET body {len(body)}")
        check(r.getheader("content-type", "").startswith("application/json"), "HEAD content-type")
        # the connection must still be in sync after HEAD
        c.request("GET", "/api/health")
        r = c.getresponse()
        check(r.status == 200 and json.loads(r.read()).get("generation"), "request after HEAD broken")
    finally:
        c.close()


def t_404(srv):
    for path in ("/api/definitely-not-here", "/no-such-page-xyz"):
        status, h, body = srv.request("GET", path)
        check(status == 404, f"{path}: status {status}")
        check(h.get("content-type", "").startswith("application/json"), f"{path}: content-type {h.get('content-type')!r}")
        err = json.loads(body).get("error", {})
        check(isinstance(err, dict) and err.get("code") and "message" in err and "param" in err,
              f"{path}: error body {body[:200]!r}")


def t_405(srv):
    for path in ("/bestOffersByHotel?" + SEARCH, "/api/bestOffersByHotel?" + SEARCH):
        status, h, body = srv.request("POST", path, {"Content-Type": "application/json"})
        check(status == 405, f"{path}: status {status}")
        allow = h.get("allow", "")
        check("GET" in allow, f"Allow {allow!r}")
        check(json.loads(body).get("error", {}).get("code"), f"error body {body[:200]!r}")


def t_414(srv):
    path = "/bestOffersByHotel?" + SEARCH + "&pad=" + "a" * 9000
    status, h, body = srv.request("GET", path)
    check(status == 414, f"status {status}")
    err = json.loads(body).get("error", {})
    check(err.get("code") == "uri_too_long", f"code {err.get('code')!r}")
    check("message" in err and err.get("param", "missing") is None, f"error body {body[:200]!r}")
    check(h.get("access-control-allow-origin") == "*", "no CORS on 414")
    # a URL just under the limit is not refused for its length
    path = "/api/health?pad=" + "a" * 7000
    status, _, _ = srv.request("GET", path)
    check(status != 414, "a 7 KB URL got 414")


def t_root_and_api_same(srv):
    q = SEARCH + "&departureAirports=MUC&departureAirports=STR&departureAirports=FRA"
    s1, h1, b1 = srv.request("GET", "/bestOffersByHotel?" + q)
    s2, h2, b2 = srv.request("GET", "/api/bestOffersByHotel?" + q)
    check(s1 == 200 and s2 == 200, f"status {s1} / {s2}: {b1[:200]!r}")
    check(b1 == b2, "bodies differ")
    check(len(b1) > 2, f"empty answer {b1[:80]!r}")
    check(h1.get("x-total-count") == h2.get("x-total-count"), "X-Total-Count differs")
    json.loads(b1)


def t_guides_requests(srv):
    """The two requests of issue 10, as the performance guides send them, and
    what goes with them over HTTP: fields in the ETag, 400 for an unknown
    destination, /api/destinations."""
    q = "destination=PMI&departureDate=2023-07-01&returnDate=2023-07-15&countAdults=2&limit=10"
    status, h, body = srv.request("GET", "/api/bestOffersByHotel?" + q)
    check(status == 200, f"status {status}: {body[:200]!r}")
    items = json.loads(body)
    check(0 < len(items) <= 10 and int(h.get("x-total-count", "0")) >= len(items), f"{len(items)} items, {h}")
    for it in items:
        check(it["hotel"]["destination"] == "PMI", f"destination {it['hotel']}")
        check("2023-07-01" <= it["departureDate"] and it["returnDate"] <= "2023-07-15", f"outside the window: {it}")
        check(it["countAdults"] == 2 and it["countChildren"] == 0, f"party {it}")
    hid = items[0]["hotel"]["id"]
    page = srv.get_json(f"/api/hotels/{hid}/offers?limit=20")
    total = page["total"]
    check(total >= 1 and len(page["items"]) == min(20, total) and (page["nextCursor"] is None) == (total <= 20),
          f"first page: {len(page['items'])} of {total}")
    prices = [o["price"] for o in page["items"]]
    check(prices == sorted(prices), f"not cheapest first: {prices}")
    # every page by cursor, 2 at a time: all offers of the hotel, once
    seen, url = [], f"/api/hotels/{hid}/offers?limit=2"
    for _ in range(total):
        p = srv.get_json(url)
        seen += [o["price"] for o in p["items"]]
        if not p["nextCursor"]:
            break
        url = f"/api/hotels/{hid}/offers?limit=2&cursor={p['nextCursor']}"
    check(len(seen) == total and seen == sorted(seen), f"paged {len(seen)} of {total}: {seen[:10]}")
    # fields: only those keys, and an ETag of its own
    s1, h1, b1 = srv.request("GET", "/api/bestOffersByHotel?" + q + "&fields=hotel.id,minPrice")
    check(s1 == 200, f"fields: status {s1}: {b1[:200]!r}")
    check(all(set(it) == {"hotel", "minPrice"} and set(it["hotel"]) == {"id"} for it in json.loads(b1)),
          f"fields: {b1[:200]!r}")
    check(h1.get("etag") and h1.get("etag") != h.get("etag"), f"ETag {h1.get('etag')} vs {h.get('etag')}")
    s2, _, _ = srv.request("GET", "/api/bestOffersByHotel?" + q + "&fields=hotel.id,minPrice",
                           {"If-None-Match": h1["etag"]})
    check(s2 == 304, f"If-None-Match with the fields ETag: {s2}")
    s3, _, _ = srv.request("GET", "/api/bestOffersByHotel?" + q, {"If-None-Match": h1["etag"]})
    check(s3 == 200, f"the fields ETag matched the full answer: {s3}")
    for bad, param in (("&destination=Atlantis", "destination"), ("&fields=hotel.colour", "fields"),
                       ("&earliestDepartureDate=2023-07-01", "earliestDepartureDate")):
        s4, _, b4 = srv.request("GET", "/api/bestOffersByHotel?" + q + bad)
        check(s4 == 400 and json.loads(b4)["error"]["param"] == param, f"{bad}: {s4} {b4[:200]!r}")
    dests = srv.get_json("/api/destinations")["destinations"]
    check([d["code"] for d in dests] == ["PMI"] and dests[0]["name"] == "Mallorca" and dests[0]["hotels"] > 0,
          f"destinations {dests}")


def t_openapi(srv):
    c = srv.conn()
    try:
        c.putrequest("GET", "/openapi", skip_host=True)
        c.putheader("Host", "isla.example.test:8123")
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        check(r.status == 200, f"status {r.status}")
        doc = json.loads(body)
        url = doc["servers"][0]["url"]
        check("isla.example.test:8123" in url, f"servers[0].url {url!r}")
    finally:
        c.close()


def t_static(srv):
    status, h, body = srv.request("GET", "/")
    check(status == 200 and b"isla test page" in body, f"/: {status} {body[:80]!r}")
    check(h.get("content-type", "").startswith("text/html"), f"/ content-type {h.get('content-type')!r}")
    status, h, body = srv.request("GET", "/app.js")
    check(status == 200 and h.get("content-type", "").startswith("text/javascript"), f"/app.js: {status} {h.get('content-type')!r}")
    status, h, body = srv.request("GET", "/dashboard")
    check(status == 200 and b"dashboard" in body, f"/dashboard: {status}")
    etag = h.get("etag")
    check(etag, "no ETag")
    status, _, body = srv.request("GET", "/dashboard", {"If-None-Match": etag})
    check(status == 304 and body == b"", f"If-None-Match: {status}")
    for bad in ("/../etc/passwd", "/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd", "/secret.txt"):
        status, _, body = srv.request("GET", bad)
        check(status in (400, 404), f"{bad}: {status}")
        check(b"root:" not in body and b"do not serve" not in body, f"{bad}: leaked a file")
    # the API wins over files, and /api/... is never a file
    status, _, body = srv.request("GET", "/api/index.html")
    check(status == 404, f"/api/index.html: {status}")


def t_reload_under_load(srv, data_dir):
    gen_before = srv.health()[1]["generation"]
    stop = threading.Event()
    stats = {"ok": 0, "fail": []}

    def client():
        c = None
        while not stop.is_set():
            try:
                if c is None:
                    c = srv.conn(timeout=10)
                c.request("GET", "/bestOffersByHotel?" + SEARCH)
                r = c.getresponse()
                r.read()
                if r.status == 200:
                    stats["ok"] += 1
                else:
                    stats["fail"].append(f"status {r.status}")
                if (r.getheader("connection") or "").lower() == "close":
                    c.close()
                    c = None
            except Exception as e:  # any error is a dropped request
                stats["fail"].append(repr(e))
                if c is not None:
                    c.close()
                c = None
        if c is not None:
            c.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.2)
        import_data(data_dir, seed=8)
        srv.signal(signal.SIGHUP)
        srv.wait_health(200, timeout=20, pred=lambda h: h.get("generation") != gen_before)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
    check(not any(t.is_alive() for t in threads), "client thread hung")
    check(not stats["fail"], f"{len(stats['fail'])} failed requests, first: {stats['fail'][:3]}")
    check(stats["ok"] >= 20, f"only {stats['ok']} requests during the reload")
    check("reloaded generation" in srv.log_text(), f"no reload line in the log: {srv.log_tail()}")


def t_corrupt_refused(srv, data_dir):
    serving = srv.health()[1]["generation"]
    import_data(data_dir, seed=9)
    newest = generation_dirs(data_dir)[-1]
    offers = newest / "offers.isla"
    check(offers.exists(), f"no {offers}")
    size = offers.stat().st_size
    with open(offers, "r+b") as f:
        f.truncate(size // 2)
    log_before = srv.log_text().count("refused")
    srv.signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and srv.log_text().count("refused") == log_before:
        time.sleep(0.05)
    check(srv.log_text().count("refused") > log_before, f"no 'refused' line after SIGHUP: {srv.log_tail()}")
    status, h = srv.health()
    check(status == 200, f"health {status} after a refused reload")
    check(h["generation"] == serving, f"generation {h['generation']} != {serving} after a refused reload")
    status, _, _ = srv.request("GET", "/bestOffersByHotel?" + SEARCH)
    check(status == 200, f"search {status} after a refused reload")


def t_sigterm(srv):
    # an idle keep-alive connection must not hold the shutdown up
    idle = srv.conn()
    idle.request("GET", "/api/health")
    idle.getresponse().read()
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    try:
        rc = srv.proc.wait(timeout=8)
    except subprocess.TimeoutExpired:
        raise Fail("still running 8 s after SIGTERM")
    finally:
        idle.close()
    took = time.monotonic() - t0
    check(rc == 0, f"exit code {rc}: {srv.log_tail()}")
    check(took < 6, f"took {took:.1f} s")


# ---- tests with their own server ---------------------------------------------

def t_503_before_first_import(tmp):
    data = tmp / "empty"
    data.mkdir()
    srv = Server(data)
    try:
        srv.wait_listening()
        status, _, body = srv.request("GET", "/api/health")
        check(status == 503, f"health {status} without a generation")
        json.loads(body)
        status, _, _ = srv.request("GET", "/bestOffersByHotel?" + SEARCH)
        check(status == 503, f"search {status} without a generation")
        check(srv.proc.poll() is None, "server exited without a generation")
        import_data(data, seed=7)
        t0 = time.monotonic()
        srv.wait_health(200, timeout=10)
        took = time.monotonic() - t0
        check(took < 3.5, f"took {took:.1f} s to pick up the first generation")
    finally:
        srv.stop()


def t_cli_usage(tmp):
    r = subprocess.run([BIN, "serve", "--help"], capture_output=True, timeout=10)
    out = r.stdout.decode()
    check(r.returncode == 0, f"--help exit {r.returncode}")
    for opt in ("--data", "--port", "--host", "--no-verify", "--web", "8090", "ISLA_PORT"):
        check(opt in out, f"--help does not mention {opt}")
    for args, word in ((["--port", "abc", "--data", str(tmp)], "--port"),
                       (["--port", "70000", "--data", str(tmp)], "--port"),
                       (["--port", "8090"], "--data"),
                       (["--data", str(tmp), "--web", str(tmp / "no-such-dir")], "--web"),
                       (["--data", str(tmp), "--bogus"], "--bogus")):
        r = subprocess.run([BIN, "serve"] + args, capture_output=True, timeout=10)
        check(r.returncode == 2, f"{args}: exit {r.returncode}")
        check(word in r.stderr.decode(), f"{args}: message does not name {word}: {r.stderr.decode()!r}")
    env = dict(os.environ, ISLA_PORT="notaport")
    r = subprocess.run([BIN, "serve", "--data", str(tmp)], capture_output=True, timeout=10, env=env)
    check(r.returncode == 2 and "ISLA_PORT" in r.stderr.decode(), f"bad ISLA_PORT: exit {r.returncode}")


def main():
    if not os.access(BIN, os.X_OK):
        print(f"FAIL setup: no binary at {BIN} (run make)")
        print("0 passed, 1 failed")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="isla-http-test-"))
    srv = None
    try:
        data = tmp / "data"
        web = tmp / "web"
        web.mkdir()
        (web / "index.html").write_text("<!doctype html><title>isla test page</title>")
        (web / "app.js").write_text("console.log('isla');")
        (web / "dashboard.html").write_text("<p>dashboard</p>")
        (tmp / "secret.txt").write_text("do not serve")
        setup_ok = run_test("setup: import", import_data, data, 7)
        if setup_ok:
            srv = Server(data, ["--web", str(web)])
            setup_ok = run_test("setup: serve", srv.wait_health, 200, 30)
        if setup_ok:
            run_test("health", t_health, srv)
            run_test("keep-alive", t_keepalive, srv)
            run_test("cors on GET", t_cors_get, srv)
            run_test("cors preflight", t_cors_preflight, srv)
            run_test("head", t_head, srv)
            run_test("404 json", t_404, srv)
            run_test("405 with Allow", t_405, srv)
            run_test("414 long url", t_414, srv)
            run_test("root and /api same body", t_root_and_api_same, srv)
            run_test("openapi server url from Host", t_openapi, srv)
            run_test("the guides' requests (destination, aliases, fields, ETag)", t_guides_requests, srv)
            run_test("static files", t_static, srv)
            run_test("reload under load", t_reload_under_load, srv, data)
            run_test("corrupt generation refused", t_corrupt_refused, srv, data)
            run_test("sigterm", t_sigterm, srv)
        run_test("503 before first import", t_503_before_first_import, tmp)
        run_test("cli usage", t_cli_usage, tmp)
    finally:
        if srv is not None:
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    failed = sum(1 for _, err in RESULTS if err is not None)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
