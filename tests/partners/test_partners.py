#!/usr/bin/env python3
"""Partners and background work against the real server (issue 14): API keys
with tiers (each key limited by its own tier, revocation within a second,
keys never in logs or metrics, --require-key), and durable jobs (an import
from a URL served on loopback, an import killed mid-way that finishes
exactly once after a restart, a failing webhook retried with growing delays
until dead, idempotency keys, exports, cancel and retry, the event stream,
the CLI), and bad input to every endpoint (4xx JSON naming the field).

Python 3 standard library only; loopback, free ports, own temp dirs, every
wait bounded. Prints `ok name` / `FAIL name: why`, then `N passed, M failed`.
"""
import gzip
import http.client
import http.server
import json
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import (BIN, HOTELS, SEARCH, Fail, Server, check, import_data, run_test, summary)  # noqa: E402

TOKEN = "partners-admin-token-0123456789"
ADMIN = {"Authorization": "Bearer " + TOKEN}
BEST = "/api/bestOffersByHotel?" + SEARCH
SLOW = 3 if "asan" in BIN else 1  # sanitizer builds are slower: longer bounds, same assertions


def cli(*args, check_rc=True):
    r = subprocess.run([BIN, *args], capture_output=True, timeout=60)
    if check_rc and r.returncode != 0:
        raise Fail(f"isla {' '.join(args)}: rc {r.returncode}: {r.stderr.decode()[-300:]}")
    return r


def add_key(data, name, tier):
    key = cli("keys", "add", "--data", str(data), "--name", name, "--tier", tier).stdout.decode().strip().splitlines()[-1]
    check(re.fullmatch(r"isla_[A-Za-z0-9_-]{32}", key), f"key format: {key!r}")
    return key


def jreq(srv, method, path, body=None, headers=None):
    h = dict(ADMIN)
    h.update(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    status, hdrs, raw = srv.request(method, path, h, body)
    try:
        return status, hdrs, json.loads(raw) if raw else None
    except ValueError:
        return status, hdrs, raw


def wait_job(srv, jid, pred, timeout):
    deadline = time.monotonic() + timeout * SLOW
    last = None
    while time.monotonic() < deadline:
        status, _, body = jreq(srv, "GET", f"/api/admin/jobs/{jid}")
        check(status == 200, f"job {jid}: {status} {body}")
        last = body["job"]
        if pred(last):
            return last
        time.sleep(0.05)
    raise Fail(f"job {jid} never reached the state wanted; last: {json.dumps(last)[:600]}")


# ---- a loopback file server (import from a URL) -----------------------------

class Files(http.server.BaseHTTPRequestHandler):
    root = None
    stall = threading.Event()      # set: hold the offers file after its first bytes
    started = threading.Event()    # a download of the offers began
    requests = []

    def do_GET(self):
        Files.requests.append(self.path)
        p = Files.root / self.path.lstrip("/")
        if not p.is_file():
            self.send_error(404)
            return
        data = p.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if "offers" in p.name:
            Files.started.set()
            self.wfile.write(data[:4096])
            self.wfile.flush()
            deadline = time.monotonic() + 120
            while Files.stall.is_set() and time.monotonic() < deadline:
                time.sleep(0.02)
            try:
                self.wfile.write(data[4096:])
            except OSError:
                pass
            return
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def file_server(root):
    Files.root = root
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


class Hook(http.server.BaseHTTPRequestHandler):
    """A webhook receiver that always fails."""
    received = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        Hook.received.append((time.monotonic(), self.rfile.read(n)))
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


# ---- keys ------------------------------------------------------------------------

def t_tiers(tmp, data):
    k_free = add_key(data, "free-one", "free")
    k_free2 = add_key(data, "free-two", "free")
    k_partner = add_key(data, "partner-one", "partner")
    k_internal = add_key(data, "internal-one", "internal")
    srv = Server(data, ["--tiers", "free=1/h:3,partner=1/h:6,internal=off", "--rate-limit", "1/h", "--rate-burst", "2",
                        "--admin-token", TOKEN])
    try:
        srv.wait_health()

        def get(key=None, bearer=False):
            h = {}
            if key:
                h = {"Authorization": "Bearer " + key} if bearer else {"X-API-Key": key}
            return srv.request("GET", BEST, h)

        for i in range(3):
            s, h, _ = get(k_free, bearer=i % 2 == 1)
            check(s == 200, f"free request {i}: {s}")
            check(h.get("ratelimit-limit") == "3" and h.get("ratelimit-remaining") == str(2 - i), f"free headers {h}")
        s, h, b = get(k_free)
        check(s == 429 and "retry-after" in h and h.get("ratelimit-remaining") == "0", f"free 4th: {s} {h}")
        err = json.loads(b)["error"]
        check(err["code"] == "rate_limited" and "free-one" in err["message"] and k_free not in err["message"],
              f"429 body {err}")
        # another key of the same tier has its own bucket; the partner tier its own limit
        check(get(k_free2)[0] == 200, "second free key limited by the first one's bucket")
        for i in range(6):
            s, h, _ = get(k_partner)
            check(s == 200 and h.get("ratelimit-limit") == "6", f"partner request {i}: {s} {h}")
        check(get(k_partner)[0] == 429, "partner not limited after 6")
        for i in range(25):
            s, h, _ = get(k_internal)
            check(s == 200 and "ratelimit-limit" not in h, f"internal (off) request {i}: {s}")
        # anonymous traffic keeps the per-IP bucket (burst 2), untouched by the keys
        check(get()[0] == 200 and get()[0] == 200 and get()[0] == 429, "per-IP limit for anonymous traffic")
        # health, liveness, metrics and stats are never limited
        for _ in range(10):
            for p in ("/api/health", "/api/health/live", "/metrics", "/api/stats"):
                s, _, _ = srv.request("GET", p)
                check(s == 200, f"{p} limited: {s}")
        st = srv.stats()["tiers"]
        check(st["free"]["requests"] == 5 and st["free"]["rateLimited"] == 1, f"stats free {st['free']}")
        check(st["partner"]["requests"] == 7 and st["partner"]["rateLimited"] == 1, f"stats partner {st}")
        check(st["internal"]["requests"] == 25 and st["anonymous"]["rateLimited"] >= 1, f"stats {st}")
        check(srv.metric("isla_tier_rate_limited_total", 'tier="partner"') == 1, "tier metric")
        check(srv.metric("isla_api_key_requests_total", 'key="free-one",tier="free"') == 4, "per-key metric")
        # unknown keys: 401 JSON
        s, h, b = get("isla_" + "x" * 32)
        check(s == 401 and json.loads(b)["error"]["code"] == "invalid_api_key", f"unknown key: {s} {b[:200]}")
        check("www-authenticate" in h, "401 without WWW-Authenticate")
    finally:
        srv.stop()


def t_revocation(tmp, data):
    key = add_key(data, "short-lived", "partner")
    rot = add_key(data, "rotating", "partner")
    log = tmp / "access-revoke.log"
    srv = Server(data, ["--admin-token", TOKEN, "--access-log", "full", "--access-log-file", str(log)])
    try:
        srv.wait_health()
        check(srv.request("GET", BEST, {"X-API-Key": key})[0] == 200, "key before revocation")
        cli("keys", "revoke", "--data", str(data), "--name", "short-lived")
        t0 = time.monotonic()
        while True:
            s, _, b = srv.request("GET", BEST, {"X-API-Key": key})
            if s == 401:
                break
            check(time.monotonic() - t0 < 1.0, f"still {s} one second after the revocation")
            time.sleep(0.02)
        check(json.loads(b)["error"]["code"] == "revoked_api_key", f"revoked body {b[:200]}")
        # rotation: the old key stops, the new one works (CLI prints it alone on the last line)
        new = cli("keys", "rotate", "--data", str(data), "--name", "rotating").stdout.decode().strip().splitlines()[-1]
        t0 = time.monotonic()
        while srv.request("GET", BEST, {"X-API-Key": new})[0] != 200:
            check(time.monotonic() - t0 < 1.0, "rotated key not accepted within a second")
            time.sleep(0.02)
        check(srv.request("GET", BEST, {"X-API-Key": rot})[0] == 401, "old key still works after rotation")
        # the admin API: add, use, revoke — effective at once
        s, _, b = jreq(srv, "POST", "/api/admin/keys", {"name": "via-api", "tier": "free"})
        check(s == 201 and b["tier"] == "free" and b["key"].startswith("isla_"), f"admin add: {s} {b}")
        api_key = b["key"]
        check(srv.request("GET", BEST, {"X-API-Key": api_key})[0] == 200, "admin-made key refused")
        s, _, b = jreq(srv, "GET", "/api/admin/keys")
        check(s == 200 and {k["name"] for k in b["keys"]} >= {"via-api", "short-lived"}, f"admin list {b}")
        check(api_key not in json.dumps(b), "the key listed")
        s, _, b = jreq(srv, "POST", "/api/admin/keys/via-api/rotate")
        check(s == 200 and b["key"] != api_key, f"admin rotate {s} {b}")
        check(srv.request("GET", BEST, {"X-API-Key": b["key"]})[0] == 200, "admin-rotated key refused")
        s, _, _ = jreq(srv, "DELETE", "/api/admin/keys/via-api")
        check(s == 200 and srv.request("GET", BEST, {"X-API-Key": b["key"]})[0] == 401, "admin revoke not at once")
        keys_used = [key, new, rot, api_key, b["key"]]
        # keys never in the access log, /metrics or /api/stats; names and tiers are
        time.sleep(0.3)  # the access log is written every 100 ms
        text = log.read_text() + srv.metrics() + json.dumps(srv.stats()) + srv.log_text()
        for k in keys_used:
            check(k not in text and k[5:] not in text, "a key appears in the logs or metrics")
        lines = [json.loads(l) for l in log.read_text().splitlines() if l.strip()]
        keyed = [l for l in lines if l.get("key") == "rotating"]
        check(keyed and all(l["tier"] == "partner" for l in keyed), "access log lacks key name and tier")
        check(any(l.get("key") == "short-lived" and l["status"] == 401 for l in lines), "revoked request not logged")
        check('key="rotating",tier="partner"' in srv.metrics(), "metrics lack the key's name")
    finally:
        srv.stop()
    # nothing but hashes on disk
    raw = b"".join(p.read_bytes() for p in Path(data).glob("keys.db*"))
    for k in keys_used:
        check(k.encode() not in raw and k[5:].encode() not in raw, "a key stored in keys.db")
    listing = cli("keys", "list", "--data", str(data)).stdout.decode()
    check(re.search(r"short-lived\s+partner\s+revoked", listing), f"keys list: {listing}")


def t_require_key(tmp, data):
    key = add_key(data, "required", "internal")
    srv = Server(data, ["--require-key"])
    try:
        srv.wait_health()
        s, h, b = srv.request("GET", BEST)
        check(s == 401 and json.loads(b)["error"]["code"] == "api_key_required", f"no key: {s} {b[:200]}")
        check(srv.request("GET", BEST, {"X-API-Key": key})[0] == 200, "key refused under --require-key")
        for p in ("/api/health", "/api/health/live", "/metrics", "/api/stats"):
            check(srv.request("GET", p)[0] == 200, f"{p} needs a key")
        check(srv.stats()["tiers"]["rejected"]["missing"] >= 1, "missing keys not counted")
    finally:
        srv.stop()


# ---- jobs -------------------------------------------------------------------------

def metric_eventually(srv, name, labels, pred, timeout=10):
    """The job metrics are a snapshot refreshed by the runner: wait for it."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        v = srv.metric(name, labels)
        if pred(v) or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


def t_import_url(tmp, data, web, base):
    srv = Server(data, ["--admin-token", TOKEN])
    try:
        h0 = srv.wait_health()
        s, _, b = jreq(srv, "POST", "/api/admin/imports",
                       {"offers": base + "/offers.csv.gz", "hotels": base + "/hotels.csv"})
        check(s == 202, f"submit: {s} {b}")
        jid = b["job"]["id"]
        job = wait_job(srv, jid, lambda j: j["status"] in ("done", "dead"), 60)
        check(job["status"] == "done", f"import from URL: {job}")
        check(job["progress"]["percent"] == 100 and job["result"]["imported"] > 0, f"result {job}")
        h = srv.wait_health(pred=lambda h: h["generation"] == job["result"]["generation"], timeout=20 * SLOW)
        check(h["generation"] == h0["generation"] + 1 and h["offers"] == job["result"]["imported"], f"health {h}")
        check(srv.request("GET", BEST)[0] == 200, "search on the new generation")
        check(not any((Path(data) / "jobs-tmp").glob("*")), "downloaded files left behind")
        check(metric_eventually(srv, "isla_jobs", 'kind="import",status="done"', lambda v: v >= 1) >= 1, "job metrics")
        check('isla_jobs_queue_depth{kind="import"} 0' in srv.metrics(), "queue depth metric")
        # a URL that answers 404: retried, then dead with the status as its error
        s, _, b = jreq(srv, "POST", "/api/admin/imports", {"offers": base + "/missing.csv", "hotels": HOTELS})
        check(s == 202, f"submit 404: {s} {b}")
    finally:
        srv.stop()


def t_import_shrink(tmp, data, web, base):
    """An import job applies the shrink guard of isla import: a dump with a
    tenth of the offers served is refused, and the served generation stays."""
    srv = Server(data, ["--admin-token", TOKEN])
    try:
        h0 = srv.wait_health()
        s, _, b = jreq(srv, "POST", "/api/admin/imports",
                       {"offers": base + "/small.csv.gz", "hotels": base + "/hotels.csv"})
        check(s == 202, f"submit: {s} {b}")
        jid = b["job"]["id"]
        job = wait_job(srv, jid, lambda j: j["status"] in ("retrying", "dead", "done"), 60)
        check(job["status"] != "done" and "max-shrink" in (job.get("error") or ""), f"half-size dump: {job}")
        check(srv.health()[1]["generation"] == h0["generation"], "a shrunken dump was published")
        jreq(srv, "DELETE", f"/api/admin/jobs/{jid}")
    finally:
        srv.stop()


def t_import_killed(tmp, data, web, base):
    Files.stall.set()
    Files.started.clear()
    args = ["--admin-token", TOKEN, "--job-lease", "60s"]
    srv = Server(data, args)
    try:
        gen0 = srv.wait_health()["generation"]
        body = {"offers": base + "/offers.csv.gz", "hotels": base + "/hotels.csv"}
        s, _, b = jreq(srv, "POST", "/api/admin/imports", body, {"Idempotency-Key": "nightly-2023-07-01"})
        check(s == 202, f"submit: {s} {b}")
        jid = b["job"]["id"]
        check(Files.started.wait(30 * SLOW), "the download never started")
        wait_job(srv, jid, lambda j: j["status"] == "running", 10)
        srv.proc.send_signal(signal.SIGKILL)  # mid-way: the download is held open
        srv.proc.wait(timeout=10)
    finally:
        srv.stop()
    Files.stall.clear()
    out = cli("jobs", "show", "--data", str(data), "--id", str(jid)).stdout.decode()
    check(json.loads(out)["status"] == "running", f"after the kill: {out[:300]}")
    srv = Server(data, args)  # the lease still runs for a minute: the dead owner is noticed at once
    try:
        srv.wait_health()
        job = wait_job(srv, jid, lambda j: j["status"] in ("done", "dead"), 60)
        check(job["status"] == "done" and job["attempts"] == 2, f"resumed job: {job}")
        srv.wait_health(pred=lambda h: h["generation"] == job["result"]["generation"], timeout=20 * SLOW)
        # the client retries its submission: the same job, nothing new
        s, _, b = jreq(srv, "POST", "/api/admin/imports", body, {"Idempotency-Key": "nightly-2023-07-01"})
        check(s == 200 and b["job"]["id"] == jid and b["job"]["status"] == "done", f"resubmit: {s} {b}")
        s, _, b = jreq(srv, "GET", "/api/admin/jobs?kind=import")
        check(sum(1 for j in b["jobs"] if j["idempotencyKey"] == "nightly-2023-07-01") == 1, "two jobs for one key")
        check(job["result"]["generation"] == gen0 + 1 and srv.health()[1]["generation"] == gen0 + 1,
              f"generation {srv.health()[1]['generation']} after one import from {gen0}")
    finally:
        srv.stop()


def t_crash_after_publish(tmp, data, web, base):
    """A worker that died after its import published, before the job was
    marked done: the next attempt finds its generation (import.json names
    the job) instead of importing a second time."""
    srv = Server(data, ["--admin-token", TOKEN])
    try:
        srv.wait_health()
        s, _, b = jreq(srv, "POST", "/api/admin/imports",
                       {"offers": base + "/offers.csv.gz", "hotels": base + "/hotels.csv"})
        jid = b["job"]["id"]
        job = wait_job(srv, jid, lambda j: j["status"] in ("done", "dead"), 60)
        check(job["status"] == "done", f"import {job}")
        gen = job["result"]["generation"]
        srv.wait_health(pred=lambda h: h["generation"] == gen, timeout=20 * SLOW)
    finally:
        srv.stop()
    summary = json.loads((Path(data) / f"gen-{gen:012d}" / "import.json").read_text())
    check(summary.get("origin") == f"job:{jid}", f"import.json does not name the job: {summary}")
    # Rewind the job to "running, owned by a process that is gone", as a
    # kill -9 right after the publish would leave it.
    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname().replace(":", "_")
    db = sqlite3.connect(str(Path(data) / "jobs.db"))
    db.execute("UPDATE jobs SET status = 1, result = NULL, finished_ms = 0, lease_until_ms = ?, lease_owner = ? "
               "WHERE id = ?", (int(time.time() * 1000) + 3600_000, f"{host}:{gone.pid}:deadbeef", jid))
    db.commit()
    db.close()
    srv = Server(data, ["--admin-token", TOKEN])
    try:
        srv.wait_health()
        job = wait_job(srv, jid, lambda j: j["status"] in ("done", "dead"), 60)
        check(job["status"] == "done" and job["attempts"] == 2, f"resumed {job}")
        check(job["result"]["generation"] == gen and job["result"].get("publishedByAnEarlierAttempt") is True,
              f"imported again: {job['result']}")
        check(srv.health()[1]["generation"] == gen, "a second generation was published")
    finally:
        srv.stop()


def t_schedule(tmp, data, web, base):
    """--import-schedule: a schedule job waits for HH:MM (UTC); when due it
    queues that day's import (idempotency key import:DAY) and the next day's
    schedule. Time is moved by making the waiting job due in jobs.db."""
    args = ["--admin-token", TOKEN, "--import-schedule", "03:30", "--import-offers", base + "/offers.csv.gz",
            "--import-hotels", base + "/hotels.csv"]
    srv = Server(data, args)
    try:
        gen0 = srv.wait_health()["generation"]
        s, _, b = jreq(srv, "GET", "/api/admin/jobs?kind=schedule&status=queued")
        check(s == 200 and len(b["jobs"]) == 1, f"schedule jobs: {b}")
        sched = b["jobs"][0]
        day = sched["payload"]["day"]
        check(sched["idempotencyKey"] == f"schedule:{day}", f"schedule job {sched}")
        check(time.strftime("%H:%M", time.gmtime(sched["runAtMs"] / 1000)) == "03:30", f"run at {sched['runAtMs']}")
    finally:
        srv.stop()
    db = sqlite3.connect(str(Path(data) / "jobs.db"))
    db.execute("UPDATE jobs SET run_at_ms = ? WHERE id = ?", (int(time.time() * 1000) - 1000, sched["id"]))
    db.commit()
    db.close()
    for attempt in (1, 2):  # a restart must not import that day twice
        srv = Server(data, args)
        try:
            srv.wait_health()
            if attempt == 1:
                job = wait_job(srv, sched["id"], lambda j: j["status"] in ("done", "dead"), 30)
                check(job["status"] == "done", f"schedule job {job}")
                imp = wait_job(srv, job["result"]["import"], lambda j: j["status"] in ("done", "dead"), 60)
                check(imp["status"] == "done" and imp["idempotencyKey"] == f"import:{day}", f"scheduled import {imp}")
                srv.wait_health(pred=lambda h: h["generation"] == gen0 + 1, timeout=20 * SLOW)
            _, _, b = jreq(srv, "GET", "/api/admin/jobs?kind=import&limit=1000")
            check(sum(1 for j in b["jobs"] if j["idempotencyKey"] == f"import:{day}") == 1, "the day imported twice")
            _, _, b = jreq(srv, "GET", "/api/admin/jobs?kind=schedule&status=queued")
            check(len(b["jobs"]) == 1 and b["jobs"][0]["payload"]["day"] > day, f"next schedule: {b}")
        finally:
            srv.stop()


def t_followers_pull(tmp, data, web, base):
    """The generation an import job publishes on a builder is what its
    replicas (serve --follow) pull."""
    builder = Server(data, ["--admin-token", TOKEN])
    replica = None
    try:
        gen0 = builder.wait_health()["generation"]
        rdata = tmp / "replica"
        replica = Server(rdata, ["--follow", f"http://127.0.0.1:{builder.port}", "--follow-interval", "200ms",
                                 "--follow-token", TOKEN, "--no-jobs"])
        replica.wait_health(pred=lambda h: h["generation"] == gen0, timeout=30 * SLOW)
        s, _, b = jreq(builder, "POST", "/api/admin/imports",
                       {"offers": base + "/offers.csv.gz", "hotels": base + "/hotels.csv"})
        job = wait_job(builder, b["job"]["id"], lambda j: j["status"] in ("done", "dead"), 60)
        check(job["status"] == "done", f"import {job}")
        h = replica.wait_health(pred=lambda h: h["generation"] == job["result"]["generation"], timeout=30 * SLOW)
        check(h["offers"] == job["result"]["imported"], f"replica {h} after {job['result']}")
    finally:
        if replica is not None:
            replica.stop()
        builder.stop()


def t_idempotency(tmp, data):
    srv = Server(data, ["--admin-token", TOKEN, "--jobs"])
    try:
        srv.wait_health()
        body = {"query": SEARCH, "format": "json", "idempotencyKey": "report-1"}
        s1, _, b1 = jreq(srv, "POST", "/api/admin/exports", body)
        s2, _, b2 = jreq(srv, "POST", "/api/admin/exports", body)
        check(s1 == 202 and s2 == 200 and b1["job"]["id"] == b2["job"]["id"], f"{s1} {s2} {b1} {b2}")
        # the header form, concurrently
        results = []

        def post():
            results.append(jreq(srv, "POST", "/api/admin/exports", {"query": SEARCH}, {"Idempotency-Key": "r2"}))
        threads = [threading.Thread(target=post) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        ids = {b["job"]["id"] for _, _, b in results}
        check(len(results) == 6 and len(ids) == 1 and sorted(s for s, _, _ in results) == [200] * 5 + [202],
              f"concurrent submissions: {[(s, b['job']['id']) for s, _, b in results]}")
        # the export: done, downloadable, as many rows as the search has hotels
        job = wait_job(srv, b1["job"]["id"], lambda j: j["status"] == "done", 30)
        s, h, raw = srv.request("GET", f"/api/admin/jobs/{job['id']}/download", ADMIN)
        check(s == 200 and "attachment" in h.get("content-disposition", ""), f"download {s} {h}")
        items = json.loads(raw)
        _, hh, _ = srv.request("GET", BEST)
        check(len(items) == int(hh["x-total-count"]) == job["result"]["rows"], "export rows != search")
        job2 = wait_job(srv, next(iter(ids)), lambda j: j["status"] == "done", 30)
        s, h, raw = srv.request("GET", f"/api/admin/jobs/{job2['id']}/download", ADMIN)
        lines = raw.decode().splitlines()
        check(s == 200 and h["content-type"].startswith("text/csv") and lines[0].startswith("hotelId,hotelName"),
              f"csv {s} {lines[:2]}")
        check(len(lines) - 1 == len(items), f"csv rows {len(lines) - 1} != {len(items)}")
    finally:
        srv.stop()


def t_webhook_dead(tmp, data):
    Hook.received = []
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
    srv = Server(data, ["--admin-token", TOKEN, "--alert-webhook", url, "--alert-rss", "1M",
                        "--alert-cooldown", "1h", "--webhook-attempts", "4", "--webhook-backoff", "200ms"])
    try:
        srv.wait_health()
        deadline = time.monotonic() + 30 * SLOW
        dead = None
        while time.monotonic() < deadline and dead is None:
            _, _, b = jreq(srv, "GET", "/api/admin/jobs?kind=webhook&status=dead")
            dead = b["jobs"][0] if b["jobs"] else None
            time.sleep(0.1)
        check(dead is not None, f"no dead webhook job; received {len(Hook.received)}")
        check(dead["attempts"] == 4 and "HTTP status 500" in dead["error"], f"dead job {dead}")
        hist = dead["history"]
        delays = [h["retryInMs"] for h in hist[:-1]]
        check(len(hist) == 4 and all(h["error"] for h in hist) and hist[-1]["retryInMs"] is None, f"history {hist}")
        check(all(100 <= d for d in delays) and delays == sorted(delays) and delays[-1] > delays[0],
              f"delays do not grow: {delays}")
        check(len(Hook.received) >= 4, f"receiver got {len(Hook.received)} posts")
        check(json.loads(Hook.received[0][1])["alert"] == "memory_rss", "payload")
        check(metric_eventually(srv, "isla_jobs_dead", 'kind="webhook"', lambda v: v >= 1) >= 1, "dead metric")
        check(srv.metric("isla_job_retries_total", 'kind="webhook"') >= 3, "retry metric")
        check(srv.metric("isla_alert_deliveries_total", 'result="failed"') >= 1, "alert failure not counted")
        # retry from the CLI: queued again with fresh attempts (and dies again)
        cli("jobs", "retry", "--data", str(data), "--id", str(dead["id"]))
        job = wait_job(srv, dead["id"], lambda j: j["attempts"] >= 1 and j["status"] != "queued", 10)
        check(job["status"] in ("running", "retrying", "dead"), f"after retry {job}")
        r = cli("jobs", "retry", "--data", str(data), "--id", "999999", check_rc=False)
        check(r.returncode == 2 and b"no such job" in r.stderr, "retry of a missing job")
        listing = cli("jobs", "list", "--data", str(data), "--kind", "webhook").stdout.decode()
        check(re.search(rf"^{dead['id']}\s+webhook", listing, re.M), f"jobs list: {listing[:300]}")
    finally:
        srv.stop()
        hook.shutdown()
        hook.server_close()


def t_cancel_and_stream(tmp, data, web, base):
    Files.stall.set()
    Files.started.clear()
    srv = Server(data, ["--admin-token", TOKEN, "--stream-interval", "100ms"])
    conn = None
    try:
        srv.wait_health()
        conn = srv.conn(timeout=30)
        conn.request("GET", "/api/admin/jobs/stream", headers=ADMIN)
        stream = conn.getresponse()
        check(stream.status == 200 and stream.getheader("content-type") == "text/event-stream", "stream")
        s, _, b = jreq(srv, "POST", "/api/admin/imports",
                       {"offers": base + "/offers.csv.gz", "hotels": base + "/hotels.csv"})
        jid = b["job"]["id"]
        check(Files.started.wait(30 * SLOW), "download never started")
        wait_job(srv, jid, lambda j: j["status"] == "running", 10)
        s, _, b = jreq(srv, "DELETE", f"/api/admin/jobs/{jid}")
        check(s == 200 and b["job"]["status"] == "cancelled", f"cancel {s} {b}")
        Files.stall.clear()
        s, _, b = jreq(srv, "DELETE", f"/api/admin/jobs/{jid}")
        check(s == 409, f"second cancel {s} {b}")
        # the events name the job and its states
        seen = set()
        deadline = time.monotonic() + 20 * SLOW
        while time.monotonic() < deadline and not {"running", "cancelled"} <= seen:
            line = stream.fp.readline().decode()
            if line.startswith("data: "):
                ev = json.loads(line[6:])
                if ev["job"]["id"] == jid:
                    seen.add(ev["job"]["status"])
        check({"running", "cancelled"} <= seen, f"stream events: {seen}")
        # a cancelled job can be retried, and then completes
        s, _, b = jreq(srv, "POST", f"/api/admin/jobs/{jid}/retry")
        check(s == 200 and b["job"]["status"] == "queued" and b["job"]["attempts"] == 0, f"retry {s} {b}")
        job = wait_job(srv, jid, lambda j: j["status"] in ("done", "dead"), 60)
        check(job["status"] == "done", f"retried job {job}")
        st = srv.stats()["jobs"]
        check(st["kinds"]["import"]["done"] >= 1 and "running" in st, f"stats jobs {st}")
    finally:
        Files.stall.clear()
        if conn is not None:
            conn.close()
        srv.stop()


# ---- bad input -----------------------------------------------------------------

def t_bad_input(tmp, data):
    srv = Server(data, ["--admin-token", TOKEN])
    try:
        srv.wait_health()
        s, _, b = jreq(srv, "POST", "/api/admin/exports", {"query": SEARCH})
        done_id = wait_job(srv, b["job"]["id"], lambda j: j["status"] == "done", 30)["id"]
        bad = [
            # (method, path, body, headers, status, param)
            ("POST", "/api/admin/imports", None, {}, 400, "body"),
            ("POST", "/api/admin/imports", "not json", {}, 400, "body"),
            ("POST", "/api/admin/imports", "[1,2]", {}, 400, "body"),
            ("POST", "/api/admin/imports", {"hotels": HOTELS}, {}, 400, "offers"),
            ("POST", "/api/admin/imports", {"offers": 5, "hotels": HOTELS}, {}, 400, "offers"),
            ("POST", "/api/admin/imports", {"offers": "offers.csv", "hotels": HOTELS}, {}, 400, "offers"),
            ("POST", "/api/admin/imports", {"offers": "ftp://x/o.csv", "hotels": HOTELS}, {}, 400, "offers"),
            ("POST", "/api/admin/imports", {"offers": "/nonexistent/o.csv", "hotels": HOTELS}, {}, 400, "offers"),
            ("POST", "/api/admin/imports", {"offers": HOTELS}, {}, 400, "hotels"),
            ("POST", "/api/admin/imports", {"offers": HOTELS, "hotels": ["x"]}, {}, 400, "hotels"),
            ("POST", "/api/admin/imports", {"offers": HOTELS, "hotels": HOTELS},
             {"Idempotency-Key": "x" * 200}, 400, "Idempotency-Key"),
            ("POST", "/api/admin/imports", {"offers": HOTELS, "hotels": HOTELS, "idempotencyKey": 7}, {}, 400,
             "idempotencyKey"),
            ("GET", "/api/admin/imports", None, {}, 405, None),
            ("POST", "/api/admin/exports", {}, {}, 400, "query"),
            ("POST", "/api/admin/exports", {"query": "earliestDepartureDate=nope"}, {}, 400, "query"),
            ("POST", "/api/admin/exports", {"query": SEARCH, "format": "xml"}, {}, 400, "format"),
            ("GET", "/api/admin/jobs?status=finished", None, {}, 400, "status"),
            ("GET", "/api/admin/jobs?kind=backup", None, {}, 400, "kind"),
            ("GET", "/api/admin/jobs?limit=0", None, {}, 400, "limit"),
            ("GET", "/api/admin/jobs?limit=abc", None, {}, 400, "limit"),
            ("GET", "/api/admin/jobs/abc", None, {}, 400, "id"),
            ("GET", "/api/admin/jobs/0", None, {}, 400, "id"),
            ("GET", "/api/admin/jobs/987654", None, {}, 404, "id"),
            ("DELETE", f"/api/admin/jobs/{done_id}", None, {}, 409, "id"),
            ("POST", f"/api/admin/jobs/{done_id}/retry", None, {}, 409, "id"),
            ("POST", "/api/admin/jobs/x/retry", None, {}, 400, "id"),
            ("GET", "/api/admin/jobs/987654/download", None, {}, 404, "id"),
            ("PUT", "/api/admin/jobs/1", None, {}, 405, None),
            ("POST", "/api/admin/keys", {"tier": "free"}, {}, 400, "name"),
            ("POST", "/api/admin/keys", {"name": "a b", "tier": "free"}, {}, 400, "name"),
            ("POST", "/api/admin/keys", {"name": "ok", "tier": "gold"}, {}, 400, "tier"),
            ("POST", "/api/admin/keys", {"name": "ok"}, {}, 400, "tier"),
            ("POST", "/api/admin/keys", "{", {}, 400, "body"),
            ("DELETE", "/api/admin/keys/no%20such", None, {}, 400, "name"),
            ("DELETE", "/api/admin/keys/ghost", None, {}, 404, "name"),
            ("POST", "/api/admin/keys/ghost/rotate", None, {}, 404, "name"),
        ]
        for method, path, body, headers, want, param in bad:
            s, h, b = jreq(srv, method, path, body, headers)
            check(s == want, f"{method} {path} {body!r}: {s}, want {want}: {b}")
            check(isinstance(b, dict) and "error" in b, f"{method} {path}: not a JSON error: {b!r}")
            check(b["error"]["param"] == param, f"{method} {path} {body!r}: param {b['error']['param']}, want {param}")
            check(srv.proc.poll() is None, "server died")
        s, _, b = jreq(srv, "POST", "/api/admin/exports", {"query": "earliestDepartureDate=nope"})
        check("earliestDepartureDate" in b["error"]["message"], f"the search parameter is not named: {b}")
        # admin endpoints need the admin token; an API key is not one
        for method, path in (("GET", "/api/admin/jobs"), ("POST", "/api/admin/imports"), ("GET", "/api/admin/keys"),
                             ("GET", "/api/admin/jobs/stream"), ("DELETE", "/api/admin/jobs/1")):
            s, _, b = srv.request(method, path)
            check(s == 401 and json.loads(b)["error"]["code"] == "unauthorized", f"{method} {path} open: {s}")
            s, _, b = srv.request(method, path, {"Authorization": "Bearer wrong"})
            check(s == 403, f"{method} {path} with a wrong token: {s}")
        # API keys: bad ones are a JSON 401 on every search route
        for path in (BEST, "/api/hotels/1/offers?" + SEARCH, "/bestOffersByHotel?" + SEARCH):
            for h in ({"X-API-Key": ""}, {"X-API-Key": "bad key"}, {"Authorization": "Bearer " + "k" * 300}):
                s, _, b = srv.request("GET", path, h)
                check(s == 401 and json.loads(b)["error"]["code"] == "invalid_api_key", f"{path} {h}: {s} {b[:100]}")
    finally:
        srv.stop()
    # bad options and CLI input: exit 2 with the option named
    for args, needle in ((["serve", "--data", str(data), "--tiers", "free=fast"], "--tiers"),
                         (["serve", "--data", str(data), "--import-schedule", "25:00"], "--import-schedule"),
                         (["serve", "--data", str(data), "--import-schedule", "03:00"], "--import-offers"),
                         (["keys", "add", "--data", str(data), "--name", "x y", "--tier", "free"], "--name"),
                         (["keys", "add", "--data", str(data), "--name", "xy"], "--tier"),
                         (["keys", "revoke", "--data", str(data), "--name", "ghost"], "no active key"),
                         (["keys", "frobnicate", "--data", str(data)], "unknown command"),
                         (["jobs", "list", "--data", str(data), "--status", "done-ish"], "--status"),
                         (["jobs", "show", "--data", str(data)], "--id"),
                         (["jobs", "show", "--data", str(data), "--id", "x"], "--id")):
        r = cli(*args, check_rc=False)
        check(r.returncode == 2 and needle.encode() in r.stderr, f"isla {' '.join(args)}: rc {r.returncode} "
              f"{r.stderr.decode()[-200:]}")


def main():
    tmp = Path(tempfile.mkdtemp(prefix="isla-partners-"))
    web = None
    try:
        data = tmp / "data"
        ok = run_test("setup: import", import_data, data, 41, 20000)
        # the dump a loopback web server offers for import jobs
        files = tmp / "www"
        files.mkdir()
        gen = subprocess.run([BIN, "gen", "--offers", "30000", "--seed", "42", "--hotels", HOTELS],
                             capture_output=True, timeout=120)
        (files / "offers.csv.gz").write_bytes(gzip.compress(gen.stdout, 1))
        small = subprocess.run([BIN, "gen", "--offers", "2000", "--seed", "43", "--hotels", HOTELS],
                               capture_output=True, timeout=120)
        (files / "small.csv.gz").write_bytes(gzip.compress(small.stdout, 1))
        shutil.copy(HOTELS, files / "hotels.csv")
        web, base = file_server(files)
        if ok:
            run_test("a key per tier hits its own limit and no other's", t_tiers, tmp, data)
            run_test("revocation within a second; keys never logged", t_revocation, tmp, data)
            run_test("--require-key", t_require_key, tmp, data)
            run_test("import job from a URL serves the new generation", t_import_url, tmp, data, web, base)
            run_test("an import job keeps the shrink guard", t_import_shrink, tmp, data, web, base)
            run_test("import killed mid-way finishes exactly once", t_import_killed, tmp, data, web, base)
            run_test("crash after publishing: not imported twice", t_crash_after_publish, tmp, data, web, base)
            run_test("daily import schedule, once per day", t_schedule, tmp, data, web, base)
            run_test("replicas pull what an import job published", t_followers_pull, tmp, data, web, base)
            run_test("idempotency keys and exports", t_idempotency, tmp, data)
            run_test("failing webhook: growing delays, then dead", t_webhook_dead, tmp, data)
            run_test("cancel, event stream, retry", t_cancel_and_stream, tmp, data, web, base)
            run_test("bad input to every endpoint", t_bad_input, tmp, data)
    finally:
        if web is not None:
            web.shutdown()
            web.server_close()
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
