#!/usr/bin/env python3
"""Hostile clients against `isla serve` (issue 8, HTTP side): request
smuggling shapes, too many header fields, methods on static files, control
bytes in echoed values, forged and misplaced cursors, one address taking
every connection, and clients that never read their answers (HTTP/2 with a
zero flow-control window, HTTP/1.1 with unread pipelined responses) while
the server's resident memory is watched.

Python 3 standard library only (HTTP/2 frames and HPACK are built by hand:
static table and literals without indexing). Loopback only; every test is
bounded in time and sockets. Prints `ok name` / `FAIL name: why`, then
`N passed, M failed`.
"""
import json
import socket
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import (ASAN, SEARCH, Fail, Server, check, import_data, run_test,  # noqa: E402
                      summary)

BEST = "/api/bestOffersByHotel?" + SEARCH


# ---- raw HTTP/1.1 ------------------------------------------------------------

def raw_exchange(port, data, timeout=3.0, src="127.0.0.1"):
    """Sends data, reads until the server closes (or timeout). Returns
    (bytes, closed_by_server)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    try:
        s.sendall(data)
        out, deadline = b"", time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                b = s.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not b:
                return out, True
            out += b
        return out, False
    finally:
        s.close()


def responses(data):
    """The status lines and JSON bodies of HTTP/1.1 responses in data."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            hdrs[k.strip().lower().decode()] = v.strip().decode()
        n = int(hdrs.get("content-length", "0"))
        out.append((status, hdrs, rest[:n]))
        data = rest[n:]
    return out


def t_smuggling(srv):
    cases = {
        "two content-lengths": (b"POST /api/admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                b"Content-Length: 39\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"),
        "equal content-lengths": (b"POST /api/admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 39\r\n"
                                  b"Content-Length: 39\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"),
        "content-length and chunked": (b"POST /api/admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\n"
                                       b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                                       b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"),
        "chunked and content-length": (b"GET /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                       b"Content-Length: 5\r\n\r\n0\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"),
        "bare-LF chunk lines": (b"POST /api/admin/reload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                b"5\nhello\n0\n\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"),
    }
    for name, data in cases.items():
        got, closed = raw_exchange(srv.port, data)
        rs = responses(got)
        check(len(rs) == 1, f"{name}: {len(rs)} responses (the rest ran as a request?): {got[:300]!r}")
        status, hdrs, body = rs[0]
        check(status == 400, f"{name}: status {status}: {body[:200]!r}")
        check(json.loads(body)["error"]["code"] in ("ambiguous_framing", "transfer_encoding_refused"),
              f"{name}: body {body[:200]!r}")
        check(hdrs.get("connection", "").lower() == "close" and closed,
              f"{name}: connection not closed (Connection: {hdrs.get('connection')!r}, closed {closed})")
    # a single Content-Length still works, and keeps the connection
    got, _ = raw_exchange(srv.port, b"POST /api/admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nxx"
                                    b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    rs = responses(got)
    check([r[0] for r in rs] == [403, 200], f"one Content-Length then a request: {[r[0] for r in rs]}")


def t_many_headers(srv):
    head = b"GET /api/health HTTP/1.1\r\nHost: x\r\n"
    got, closed = raw_exchange(srv.port, head + b"".join(b"X-F%d: v\r\n" % i for i in range(120)) + b"\r\n")
    rs = responses(got)
    check(len(rs) == 1 and rs[0][0] == 431, f"120 fields: {got[:200]!r}")
    check(rs[0][1].get("content-type", "").startswith("application/json"), f"431 not JSON: {rs[0][1]}")
    check(json.loads(rs[0][2])["error"]["code"] == "too_many_headers", f"431 body {rs[0][2]!r}")
    check(closed, "connection kept after 431")
    # 98 fields are fine
    got, _ = raw_exchange(srv.port, head + b"".join(b"X-F%d: v\r\n" % i for i in range(97)) +
                          b"Connection: close\r\n\r\n")
    check(responses(got)[0][0] == 200, f"98 fields: {got[:100]!r}")
    # a client's own field of the marker's name is just a field
    got, _ = raw_exchange(srv.port, head + b"X-Isla-Headguard: too-many-headers\r\nConnection: close\r\n\r\n")
    check(responses(got)[0][0] == 200, f"forged marker: {got[:100]!r}")


def t_static_methods(srv):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        got, _ = raw_exchange(srv.port, method.encode() + b" /index.html HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        rs = responses(got)
        check(rs and rs[0][0] == 405, f"{method} /index.html: {got[:120]!r}")
        check("GET" in rs[0][1].get("allow", ""), f"{method}: Allow {rs[0][1].get('allow')!r}")
        check(json.loads(rs[0][2])["error"]["code"] == "method_not_allowed", f"{rs[0][2]!r}")
    s, h, _ = srv.request("POST", "/")
    check(s == 405 and "GET" in h.get("allow", ""), f"POST /: {s} {h.get('allow')!r}")
    s, _, _ = srv.request("POST", "/no-such-file.txt")
    check(s == 404, f"POST of a missing file: {s}")
    s, _, _ = srv.request("GET", "/index.html")
    check(s == 200, f"GET /index.html: {s}")


def t_echo_control_bytes(srv):
    bad = {
        "earliestDepartureDate": "2023%00-01-01",
        "departureAirports": "AB%00CD",
        "latestReturnDate": "2023-12%0731",
    }
    for param, v in bad.items():
        q = SEARCH.replace(f"{param}=", f"{param}=x") if param in SEARCH else SEARCH
        q = "&".join(p for p in SEARCH.split("&") if not p.startswith(param + "="))
        s, _, body = srv.request("GET", f"/api/bestOffersByHotel?{q}&{param}={v}")
        msg = json.loads(body)["error"]["message"]
        want = urllib.parse.unquote(v)
        shown = "".join(f"\\x{ord(c):02x}" if ord(c) < 32 else c for c in want)
        check(s == 400 and shown in msg, f"{param}={v}: {s} message {msg!r} does not show {shown!r}")
    s, _, body = srv.request("GET", "/hotels/12%0034/offers?" + SEARCH)
    check(s in (400, 404), f"id with NUL: {s}")


# ---- cursors -----------------------------------------------------------------

def hotels_with_offers(srv, least=3):
    items = srv.get_json(BEST)
    return [it["hotel"]["id"] for it in items if it["countAvailableOffers"] >= least]


def offers_page(srv, hotel, cursor=None, limit=1):
    q = f"/hotels/{hotel}/offers?{SEARCH}&limit={limit}"
    if cursor is not None:
        q += "&cursor=" + urllib.parse.quote(cursor, safe="")
    s, _, body = srv.request("GET", q)
    return s, json.loads(body)


def check_invalid_cursor(s, body, what):
    check(s == 400 and body.get("error", {}).get("code") == "invalid_cursor"
          and body["error"].get("param") == "cursor", f"{what}: {s} {json.dumps(body)[:200]}")


def t_cursor_bound(srv):
    hotels = hotels_with_offers(srv)
    check(len(hotels) >= 2, f"need two hotels with 3+ offers, have {hotels}")
    a, b = hotels[0], hotels[1]
    s, p1 = offers_page(srv, a)
    check(s == 200 and p1["nextCursor"], f"page 1 of {a}: {s}")
    cur = p1["nextCursor"]
    s, p2 = offers_page(srv, a, cur)
    check(s == 200 and p2["items"] and p2["items"][0] != p1["items"][0], f"page 2 of {a}: {s}")
    # the cursor of hotel a sent to hotel b
    s, body = offers_page(srv, b, cur)
    check_invalid_cursor(s, body, f"cursor of hotel {a} sent to hotel {b}")
    # every single-character edit is refused
    accepted = []
    for i, ch in enumerate(cur):
        for alt in "0f":
            if alt == ch:
                continue
            s, body = offers_page(srv, a, cur[:i] + alt + cur[i + 1:])
            if s != 400:
                accepted.append((i, alt, s))
            else:
                check_invalid_cursor(s, body, f"edit at {i}")
            break
    check(not accepted, f"{len(accepted)} single-character edits of {cur!r} accepted: {accepted[:5]}")
    for junk in ("", "x", "c1", cur + "0", cur[:-1], cur.upper(), "%00" + cur):
        s, body = offers_page(srv, a, urllib.parse.unquote(junk))
        check_invalid_cursor(s, body, f"cursor {junk!r}")


def t_cursor_key(tmp, data):
    key = "k3y-shared-by-the-fleet-0123456789"
    one = Server(data, [], env={"ISLA_CURSOR_KEY": key})
    two = Server(data, [], env={"ISLA_CURSOR_KEY": key})
    other = Server(data, [])
    try:
        for srv in (one, two, other):
            srv.wait_health()
        hotel = hotels_with_offers(one)[0]
        s, p1 = offers_page(one, hotel)
        check(s == 200 and p1["nextCursor"], f"page 1: {s}")
        s, p2 = offers_page(two, hotel, p1["nextCursor"])
        check(s == 200 and p2["items"], f"a replica with the same key refused the cursor: {s} {p2}")
        s, body = offers_page(other, hotel, p1["nextCursor"])
        check_invalid_cursor(s, body, "a server with its own random key")
        bad = Server(data, ["--cursor-key", "short"])
        try:
            rc = bad.proc.wait(timeout=10)
            check(rc == 2 and "cursor-key" in bad.log_text(), f"short key: rc {rc}: {bad.log_tail()}")
        finally:
            bad.stop()
    finally:
        for srv in (one, two, other):
            srv.stop()


# ---- main --------------------------------------------------------------------

def main():
    with tempfile.TemporaryDirectory(prefix="isla-abuse-") as t:
        tmp = Path(t)
        data = tmp / "data"
        if not run_test("setup: import", import_data, data, 31):
            return summary()
        srv = Server(data, [])
        try:
            if run_test("setup: serve", srv.wait_health):
                run_test("smuggling shapes: 400 and close", t_smuggling, srv)
                run_test("more than 100 header fields: JSON 431", t_many_headers, srv)
                run_test("non-GET on static files: 405 with Allow", t_static_methods, srv)
                run_test("control bytes in echoed values are escaped", t_echo_control_bytes, srv)
                run_test("cursors are bound to hotel and search and authenticated", t_cursor_bound, srv)
        finally:
            srv.stop()
        run_test("--cursor-key shared by replicas", t_cursor_key, tmp, data)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
