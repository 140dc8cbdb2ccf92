"""The fleet, for real on loopback: Redis, builders, replicas and nginx as
scripts/cluster.sh starts them from deploy/, with steady load through nginx
while things break.

  - an answer cached by one replica is an L2 hit on another;
  - concurrent misses of one key are searched once (single-flight);
  - kill -9 of a replica under load: no failed request; it comes back;
  - Redis stopped (~5 s) and started again under load: no failed request,
    /api/health says "degraded" (still 200), the breaker opens and closes,
    L2 hits resume;
  - a rolling update (builder imports, replicas pull and reload): no failed
    request, every replica ends on the new generation, ETags agree;
  - a corrupted download is refused (never served) and retried, a cut one
    resumed;
  - sharded answers (nginx map on `destination`) equal a single node that
    holds every destination;
  - bad input: --redis, --follow, isla pull, the admin endpoints.

Python 3 standard library only. Prints `N passed, M failed`.
"""
import hashlib
import http.client
import http.server
import json
import os
import random
import re
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import (ASAN, BIN, ROOT, Fail, check, free_port, run_test, summary)  # noqa: E402

CLUSTER = str(ROOT / "scripts" / "cluster.sh")
TMP = Path(tempfile.mkdtemp(prefix="isla-fleet-"))
OFFERS = int(os.environ.get("FLEET_OFFERS", "30000"))
REDIS_DOWN_S = float(os.environ.get("FLEET_REDIS_DOWN_S", "5"))


def searches(n, seed, extra=""):
    """n valid bestOffersByHotel query strings."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        m1 = rnd.randint(1, 11)
        d1 = rnd.randint(1, 28)
        out.append(f"/api/bestOffersByHotel?earliestDepartureDate=2023-{m1:02d}-{d1:02d}"
                   f"&latestReturnDate=2023-12-31&duration={rnd.choice([7, 10, 14])}"
                   f"&countAdults={rnd.choice([1, 2, 2, 3])}&countChildren={rnd.choice([0, 0, 1])}{extra}")
    return out


_unique = [0]


def unique_search():
    """A search no test asked before (its own limit)."""
    _unique[0] += 1
    return ("/api/bestOffersByHotel?earliestDepartureDate=2023-02-01&latestReturnDate=2023-12-31&duration=7"
            f"&countAdults=2&countChildren=0&limit={1000 + _unique[0]}")


def get(port, path, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def metric(port, name, labels=""):
    _, _, body = get(port, "/metrics")
    want = name + (("{" + labels + "}") if labels else "")
    for line in body.decode().splitlines():
        if line.startswith(want + " "):
            return float(line.split()[-1])
    return 0.0


def health(port):
    status, _, body = get(port, "/api/health")
    return status, json.loads(body)


def wait_for(what, pred, timeout=30, step=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except (OSError, http.client.HTTPException, ValueError) as e:
            last = repr(e)
        time.sleep(step)
    raise Fail(f"{what}: not after {timeout} s (last: {last!r})")


class Fleet:
    """scripts/cluster.sh up/status/import/down in a directory of its own."""

    def __init__(self, name, *args):
        self.dir = TMP / name
        self.env = dict(os.environ, ISLA_BIN=BIN)
        r = subprocess.run([CLUSTER, "up", "--dir", str(self.dir), *args], capture_output=True, text=True,
                           env=self.env, timeout=300)
        if r.returncode != 0:
            raise Fail(f"cluster.sh up: rc {r.returncode}: {r.stderr[-1500:]}")
        last = r.stdout.strip().splitlines()[-1]
        check(re.fullmatch(r"http://127\.0\.0\.1:\d+", last), f"last line of up is not nginx's URL: {last!r}")
        self.url = last
        self.port = int(last.rsplit(":", 1)[1])
        self.token = (self.dir / "admin.token").read_text().strip()

    def status(self):
        r = subprocess.run([CLUSTER, "status", "--dir", str(self.dir)], capture_output=True, text=True,
                           env=self.env, timeout=60)
        if r.returncode != 0:
            raise Fail(f"cluster.sh status: {r.stderr}")
        procs = []
        for line in r.stdout.strip().splitlines():
            f = line.split()
            p = {"role": f[0], "pid": int(f[1]), "port": int(f[2]), "state": f[-1]}
            for kv in f[3:-1]:
                k, v = kv.split("=")
                p[k] = v
            procs.append(p)
        return procs

    def role(self, role):
        return [p for p in self.status() if p["role"] == role]

    def import_new(self):
        r = subprocess.run([CLUSTER, "import", "--dir", str(self.dir)], capture_output=True, text=True,
                           env=self.env, timeout=300)
        if r.returncode != 0:
            raise Fail(f"cluster.sh import: {r.stderr[-1000:]}")
        return r.stdout

    def replace_pid(self, old, new):
        """The state file after a test restarted a process itself."""
        st = self.dir / "cluster.state"
        lines = st.read_text().splitlines()
        st.write_text("".join(
            (" ".join([f[0], str(new)] + f[2:]) if int(f[1]) == old else line) + "\n"
            for line in lines for f in [line.split()]))

    def down(self):
        subprocess.run([CLUSTER, "down", "--dir", str(self.dir)], capture_output=True, env=self.env, timeout=60)


class Load:
    """Steady load through nginx: `threads` clients with kept-alive
    connections, each request checked (200, JSON). Every failure is kept."""

    def __init__(self, port, paths, threads=3):
        self.port, self.paths = port, paths
        self.stop_flag = threading.Event()
        self.ok = 0
        self.failures = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]
        for t in self.threads:
            t.start()

    def run(self, i):
        rnd = random.Random(i)
        conn = None
        while not self.stop_flag.is_set():
            path = rnd.choice(self.paths)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
                if r.status != 200:
                    raise ValueError(f"status {r.status}: {body[:200]!r}")
                json.loads(body)
                with self.lock:
                    self.ok += 1
            except (OSError, http.client.HTTPException, ValueError) as e:
                with self.lock:
                    self.failures.append(f"{path}: {e!r}")
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)

    def finish(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=20)
        return self.ok, self.failures

    def check_clean(self, what):
        ok, failures = self.finish()
        check(ok > 50, f"{what}: only {ok} requests went through")
        check(not failures, f"{what}: {len(failures)} failed of {ok + len(failures)}: {failures[:3]}")
        return ok


# ---- the tests ----------------------------------------------------------------

def t_cluster_status(f):
    procs = f.status()
    roles = sorted(p["role"] for p in procs)
    check(roles == ["builder", "nginx", "redis", "replica", "replica", "replica"], f"roles: {roles}")
    for p in procs:
        check(p["state"] == "up", f"{p} not up")
        if p["role"] == "replica":
            check(p.get("shard") == "0" and p.get("generation") == "1", f"replica line {p}")
    # Everything on loopback ports, none of them a default one.
    check(all(p["port"] not in (80, 6379, 8090) for p in procs), f"a default port: {procs}")


def t_l2_shared(f):
    a, b = [p["port"] for p in f.role("replica")][:2]
    for port in (a, b):
        wait_for(f"replica :{port} connected to Redis", lambda port=port: health(port)[1].get("redis") == "ok",
                 timeout=20)
    path = unique_search()
    stores0 = metric(a, "isla_l2_stores_total")
    s1, h1, b1 = get(a, path)
    check(s1 == 200 and h1.get("x-isla-cache") == "miss", f"first ask on replica A: {s1} {h1.get('x-isla-cache')}")
    # The store to Redis is asynchronous: wait until Redis acknowledged it.
    wait_for("replica A's store acknowledged", lambda: metric(a, "isla_l2_stores_total") > stores0, timeout=5)
    s2, h2, b2 = get(b, path)
    check(s2 == 200 and h2.get("x-isla-cache") == "l2", f"replica B: {s2} {h2.get('x-isla-cache')}, want an L2 hit")
    check(b2 == b1, "replica B's L2 answer differs from A's")
    check(h2.get("etag") == h1.get("etag"), f"ETags differ: {h1.get('etag')} {h2.get('etag')}")
    s3, h3, _ = get(b, path)
    check(h3.get("x-isla-cache") == "l1", f"third ask (B again) should be an L1 hit, was {h3.get('x-isla-cache')}")
    check(metric(b, "isla_l2_lookups_total", 'result="hit"') >= 1, "no L2 hit counted")


def t_singleflight(f):
    port = f.role("replica")[0]["port"]
    redis_port = f.role("redis")[0]["port"]
    path = unique_search()
    inserts0 = metric(port, "isla_cache_inserts_total")
    lookups0 = sum(metric(port, "isla_l2_lookups_total", f'result="{r}"')
                   for r in ("hit", "miss", "error", "timeout", "skipped"))
    waits0 = metric(port, "isla_l2_singleflight_waits_total")
    # Redis holds every command for 300 ms, so the first request's lookup
    # is still out (it times out after 50 ms, then searches) when the
    # others arrive: all of them overlap for sure.
    subprocess.run(["redis-cli", "-p", str(redis_port), "CLIENT", "PAUSE", "300", "ALL"], check=True,
                   capture_output=True, timeout=10)
    results = []

    def one():
        results.append(get(port, path))
    ts = [threading.Thread(target=one) for _ in range(12)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=30)
    check(len(results) == 12 and all(r[0] == 200 for r in results), f"statuses {[r[0] for r in results]}")
    check(len({r[2] for r in results}) == 1, "the 12 answers differ")
    inserts = metric(port, "isla_cache_inserts_total") - inserts0
    lookups = sum(metric(port, "isla_l2_lookups_total", f'result="{r}"')
                  for r in ("hit", "miss", "error", "timeout", "skipped")) - lookups0
    waits = metric(port, "isla_l2_singleflight_waits_total") - waits0
    check(inserts == 1, f"searched {inserts:.0f} times, want once")
    check(lookups == 1, f"{lookups:.0f} Redis lookups for one key, want 1")
    check(waits == 11, f"{waits:.0f} requests waited for the leader, want 11")
    time.sleep(0.4)  # let the pause end before the next test


def t_client_gone_while_waiting(f):
    """Clients that close their connection while their search waits for
    Redis (paused) or for another request's flight: the server answers the
    others, frees what the gone ones held (ASan run: no report), and stops
    cleanly later (cluster.sh down: SIGTERM, drain)."""
    import socket
    port = f.role("replica")[0]["port"]
    redis_port = f.role("redis")[0]["port"]
    path = unique_search()
    subprocess.run(["redis-cli", "-p", str(redis_port), "CLIENT", "PAUSE", "400", "ALL"], check=True,
                   capture_output=True, timeout=10)
    socks = []
    for _ in range(6):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        socks.append(c)
    time.sleep(0.02)
    for c in socks:
        c.close()
    s, h, body = get(port, path)
    check(s == 200 and json.loads(body) is not None, f"after the gone clients: {s}")
    time.sleep(0.5)
    check(health(port)[0] == 200, "replica unhealthy after clients went away")
    check(sf_idle(port), "a flight is still registered")


def sf_idle(port):
    """No request of this replica is waiting: a new key's first ask leads."""
    path = unique_search()
    waits0 = metric(port, "isla_l2_singleflight_waits_total")
    s, h, _ = get(port, path)
    return s == 200 and metric(port, "isla_l2_singleflight_waits_total") == waits0


def restart_like(pid):
    """Starts a process again with the command line and environment of pid."""
    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
    env = dict(e.split(b"=", 1) for e in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in e)
    return cmd, env


def t_kill_replica(f):
    paths = searches(40, 1)
    victim = f.role("replica")[1]
    cmd, env = restart_like(victim["pid"])
    load = Load(f.port, paths)
    time.sleep(1.5)
    os.kill(victim["pid"], signal.SIGKILL)
    time.sleep(3)
    load.check_clean("kill -9 of a replica")
    # It comes back with the generation it had pulled, and nginx uses it again.
    log = open(TMP / "restarted-replica.log", "ab")
    p = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
    f.replace_pid(victim["pid"], p.pid)
    wait_for("the restarted replica ready", lambda: health(victim["port"])[0] == 200, timeout=30)
    check(health(victim["port"])[1]["generation"] == 1, "restarted replica not on generation 1")


def t_redis_outage(f):
    replicas = [p["port"] for p in f.role("replica")]
    redis = f.role("redis")[0]
    opened0 = sum(metric(p, "isla_l2_breaker_opened_total") for p in replicas)
    closed0 = sum(metric(p, "isla_l2_breaker_closed_total") for p in replicas)
    load = Load(f.port, searches(60, 2))
    time.sleep(1)
    os.kill(redis["pid"], signal.SIGTERM)
    wait_for("Redis gone", lambda: subprocess.run(["redis-cli", "-p", str(redis["port"]), "PING"],
                                                  capture_output=True).returncode != 0, timeout=10)
    t_down = time.monotonic()
    # Serving goes on; health is 200 with redis "degraded" on every replica.
    for p in replicas:
        wait_for(f"replica :{p} degraded", lambda p=p: (lambda s, h: s == 200 and h.get("redis") == "degraded")(
            *health(p)), timeout=10)
    wait_for("breakers open", lambda: sum(metric(p, "isla_l2_breaker_opened_total") for p in replicas)
             >= opened0 + len(replicas), timeout=10)
    time.sleep(max(0.0, REDIS_DOWN_S - (time.monotonic() - t_down)))
    log = open(f.dir / "logs" / "redis.log", "ab")
    p = subprocess.Popen(["redis-server", str(f.dir / "redis.conf")], stdout=log, stderr=log)
    f.replace_pid(redis["pid"], p.pid)
    for port in replicas:
        wait_for(f"replica :{port} redis ok", lambda port=port: health(port)[1].get("redis") == "ok", timeout=20)
    check(sum(metric(p, "isla_l2_breaker_closed_total") for p in replicas) >= closed0 + len(replicas),
          "breakers did not close")
    check(all(metric(p, "isla_l2_breaker_open") == 0 for p in replicas), "a breaker is still open")
    load.check_clean("Redis stopped and started")
    # L2 hits resume (Redis came back empty: a new answer travels again).
    t_l2_shared(f)


def t_rolling_update(f):
    load = Load(f.port, searches(60, 3))
    time.sleep(1)
    f.import_new()  # the builder imports generation 2 and reloads
    wait_for("every replica on generation 2",
             lambda: all(p["generation"] == "2" for p in f.role("replica")), timeout=60)
    time.sleep(1)
    load.check_clean("rolling update")
    replicas = [p["port"] for p in f.role("replica")]
    builder = f.role("builder")[0]["port"]
    # They pulled one after another (--ship-slots 1 on the builder).
    check(metric(builder, "isla_ship_max_concurrent_replicas") == 1,
          f"{metric(builder, 'isla_ship_max_concurrent_replicas'):.0f} replicas downloaded at once")
    for path in searches(8, 4):
        answers = [get(p, path) for p in replicas + [builder]]
        etags = {a[1].get("etag") for a in answers}
        check(len(etags) == 1 and next(iter(etags)).startswith('W/"2-'), f"ETags disagree for {path}: {etags}")
        check(len({a[2] for a in answers}) == 1, f"bodies disagree for {path}")


class BadLink(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A proxy between a replica and its builder that breaks the first two
    downloads of offers.isla: the first with one byte flipped, the second cut
    halfway. Everything else passes through."""
    daemon_threads = True
    allow_reuse_address = True


def make_proxy(builder_port):
    state = {"offers": 0, "ranges": []}

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            hdrs = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "range")}
            c = http.client.HTTPConnection("127.0.0.1", builder_port, timeout=30)
            c.request("GET", self.path, headers=hdrs)
            r = c.getresponse()
            body = r.read()
            c.close()
            attempt = 0
            if self.path.endswith("/offers.isla"):
                state["offers"] += 1
                attempt = state["offers"]
                state["ranges"].append(self.headers.get("Range"))
            if attempt == 1:
                body = bytearray(body)
                body[len(body) // 2] ^= 0x40
                body = bytes(body)
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("connection", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            if attempt == 2:
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            self.wfile.write(body)

    srv = BadLink(("127.0.0.1", free_port()), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, state


def t_corrupt_download(f):
    builder = f.role("builder")[0]["port"]
    srv, state = make_proxy(builder)
    port = free_port()
    data = TMP / "replica-badlink"
    log_path = TMP / "replica-badlink.log"
    log = open(log_path, "wb")
    env = dict(os.environ, ISLA_FOLLOW_TOKEN=f.token)
    p = subprocess.Popen([BIN, "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port),
                          "--threads", "1", "--follow", f"http://127.0.0.1:{srv.server_address[1]}",
                          "--follow-interval", "500ms"], env=env, stdout=log, stderr=log)
    try:
        # Before the good copy arrives it serves nothing (503), never the bad one.
        served = []

        def ready():
            try:
                s, h = health(port)
            except OSError:
                return None
            served.append((s, h.get("generation")))
            return s == 200
        wait_for("the replica behind the bad link ready", ready, timeout=60, step=0.05)
        check(all(s == 503 for s, _ in served[:-1]), f"served before verifying: {served[:5]}")
        check(state["offers"] >= 3, f"offers.isla fetched {state['offers']} times, want 3 (bad, cut, resumed)")
        check(state["ranges"][0] is None and state["ranges"][1] is None, f"ranges {state['ranges']}")
        check(state["ranges"][2] is not None and state["ranges"][2].startswith("bytes="),
              f"the third fetch did not resume: {state['ranges']}")
        text = log_path.read_text(errors="replace")
        check("SHA-256" in text and "deleted, downloading again" in text, "no checksum refusal in the log")
        check("resuming offers.isla" in text, "no resume in the log")
        check(metric(port, "isla_follow_checksum_mismatches_total") == 1, "mismatch not counted")
        check(metric(port, "isla_follow_resumed_total") >= 1, "resume not counted")
        # What it serves is the builder's generation, byte for byte.
        gen = health(builder)[1]["generation"]
        check(health(port)[1]["generation"] == gen, "not the builder's generation")
        path = searches(1, 9)[0]
        a, b = get(port, path), get(builder, path)
        check(a[2] == b[2] and a[1].get("etag") == b[1].get("etag"), "answer differs from the builder's")
        files = {x.name: hashlib.sha256(x.read_bytes()).hexdigest() for x in (data / f"gen-{gen:012d}").iterdir()}
        want = json.loads(get(builder, "/api/admin/generations", {"Authorization": f"Bearer {f.token}"})[2])
        check(files == {x["name"]: x["sha256"] for x in want["files"]}, "published files differ from the manifest")
    finally:
        p.terminate()
        p.wait()
        srv.shutdown()


def t_bad_input(f):
    builder = f.role("builder")[0]["port"]
    # --redis and --follow are checked before anything starts.
    for args, want in ((["--redis", "redis://h:99999"], "--redis (or ISLA_REDIS): port must be 1..65535"),
                       (["--redis", "memcached://h"], "is not a Redis address"),
                       (["--follow", "ftp://h/x"], "--follow: 'ftp://h/x' is not an http:// or https:// URL")):
        r = subprocess.run([BIN, "serve", "--data", str(TMP / "none"), "--port", "0", *args], capture_output=True,
                           text=True, timeout=10)
        check(r.returncode == 2 and want in r.stderr, f"{args}: rc {r.returncode} {r.stderr!r}")
    r = subprocess.run([BIN, "serve", "--data", str(TMP / "none"), "--port", "0"], capture_output=True, text=True,
                       timeout=10, env=dict(os.environ, ISLA_REDIS="unix:relative"))
    check(r.returncode == 2 and "must be absolute" in r.stderr, f"ISLA_REDIS: {r.stderr!r}")
    # The admin endpoints.
    s, h, _ = get(builder, "/api/admin/generations")
    check(s == 401 and "bearer" in h.get("www-authenticate", "").lower(), f"no token: {s}")
    s, _, _ = get(builder, "/api/admin/generations", {"Authorization": "Bearer nope"})
    check(s == 403, f"wrong token: {s}")
    auth = {"Authorization": f"Bearer {f.token}"}
    m = json.loads(get(builder, "/api/admin/generations", auth)[2])
    g = m["generation"]
    for path, want in ((f"/api/admin/generations/{g}/..%2Fcluster.state", 404),
                       (f"/api/admin/generations/{g}/../../admin.token", 404),
                       (f"/api/admin/generations/{g}/CURRENT", 404),
                       (f"/api/admin/generations/{g + 5}/offers.isla", 410),
                       ("/api/admin/generations/x/offers.isla", 404)):
        s, _, body = get(builder, path, auth)
        check(s == want, f"{path}: {s} {body[:120]!r}, want {want}")
    size = next(x["size"] for x in m["files"] if x["name"] == "offers.isla")
    s, h, body = get(builder, f"/api/admin/generations/{g}/offers.isla", dict(auth, Range=f"bytes={size - 10}-"))
    check(s == 206 and len(body) == 10 and h.get("content-range") == f"bytes {size - 10}-{size - 1}/{size}",
          f"range: {s} {h.get('content-range')} {len(body)}")
    s, h, _ = get(builder, f"/api/admin/generations/{g}/offers.isla", dict(auth, Range=f"bytes={size}-"))
    check(s == 416 and h.get("content-range") == f"bytes */{size}", f"range past the end: {s}")
    # isla import --destinations (the shards' import)
    for val, want in (("PMI,XX", "'XX' is not an IATA code or a known destination name"),
                      ("PMI,,IBZ", "'' is not an IATA code")):
        r = subprocess.run([BIN, "import", "--offers", "-", "--hotels", "h", "--data", str(TMP / "d"),
                            "--destinations", val], capture_output=True, text=True, timeout=10, input="")
        check(r.returncode == 2 and want in r.stderr, f"--destinations {val}: {r.returncode} {r.stderr!r}")
    # isla pull
    r = subprocess.run([BIN, "pull", f"http://127.0.0.1:{builder}"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "--data is required" in r.stderr, f"pull without --data: {r.stderr!r}")
    r = subprocess.run([BIN, "pull", "127.0.0.1:1", "--data", str(TMP / "p")], capture_output=True, text=True,
                       timeout=10)
    check(r.returncode == 2 and "must start with http://" in r.stderr, f"pull bad URL: {r.stderr!r}")
    r = subprocess.run([BIN, "pull", f"http://127.0.0.1:{builder}", "--data", str(TMP / "p"), "--token", "wrong",
                        "--retries", "0"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 1 and "HTTP 403" in r.stderr, f"pull with a wrong token: {r.returncode} {r.stderr!r}")
    r = subprocess.run([BIN, "pull", f"http://127.0.0.1:{builder}", "--data", str(TMP / "p"), "--token", f.token],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "pulled generation" in r.stdout, f"pull: {r.returncode} {r.stderr!r}")
    r = subprocess.run([BIN, "pull", f"http://127.0.0.1:{builder}", "--data", str(TMP / "p"), "--token", f.token],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "up to date" in r.stdout, f"second pull: {r.stdout!r}")
    # A replica does not ship.
    rep = f.role("replica")[0]["port"]
    s, _, body = get(rep, "/api/admin/generations", auth)
    check(s == 404 and b"not_a_builder" in body, f"replica manifest: {s} {body[:100]!r}")


def t_ship_slots(f):
    """One replica downloads at a time: while replica A reads a file, B is
    told 503 ship_busy (Retry-After: 1); after A is done and the grace has
    passed, B gets it."""
    import socket
    builder = f.role("builder")[0]["port"]
    auth = {"Authorization": f"Bearer {f.token}"}
    m = json.loads(get(builder, "/api/admin/generations", auth)[2])
    g = m["generation"]
    path = f"/api/admin/generations/{g}/offers.isla"
    # A: the response starts, then A reads nothing more (the file is larger
    # than the socket buffers, so the transfer stays open).
    # (A replica of an earlier test may still hold the slot for its grace.)
    def start_a():
        a = socket.create_connection(("127.0.0.1", builder), timeout=10)
        a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        a.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {f.token}\r\n"
                  f"X-Isla-Replica: test-a\r\n\r\n".encode())
        head = a.recv(256)
        if head.startswith(b"HTTP/1.1 200"):
            return a
        a.close()
        return None
    a = wait_for("replica A's download started", start_a, timeout=10, step=0.2)
    try:
        s, h, body = get(builder, path, dict(auth, **{"X-Isla-Replica": "test-b"}))
        check(s == 503 and b"ship_busy" in body and h.get("retry-after") == "1",
              f"replica B while A downloads: {s} {body[:120]!r}")
        s, _, _ = get(builder, f"/api/admin/generations/{g}/import.json", dict(auth, **{"X-Isla-Replica": "test-a"}))
        check(s == 200, f"A's next file while it holds the slot: {s}")
    finally:
        a.close()
    time.sleep(0.3)
    s, _, _ = get(builder, path, dict(auth, **{"X-Isla-Replica": "test-b"}))
    check(s == 503, f"replica B within the grace after A: {s}")
    wait_for("replica B's turn", lambda: get(builder, f"/api/admin/generations/{g}/import.json",
                                             dict(auth, **{"X-Isla-Replica": "test-b"}))[0] == 200, timeout=10)
    check(metric(builder, "isla_ship_busy_total") >= 2, "busy answers not counted")
    time.sleep(2.2)  # B's grace: the slot is free again for the next tests


def t_redis_unix_password(f):
    """A Redis of its own on a Unix socket with a password, database 3: the
    AUTH and SELECT the client sends first, and what a wrong password does
    (degraded, still serving)."""
    rdir = TMP / "redis-unix"
    rdir.mkdir()
    sock = rdir / "redis.sock"
    log = open(rdir / "redis.log", "wb")
    red = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(sock), "--requirepass", "s3cr#t",
                            "--save", "", "--appendonly", "no", "--dir", str(rdir)], stdout=log, stderr=log)
    servers = []
    try:
        wait_for("redis socket", lambda: sock.exists(), timeout=10)
        data = f.dir / "builder-0"
        for url in ("unix:" + str(sock) + "?db=3&password=s3cr#t", "unix:" + str(sock) + "?password=wrong"):
            port = free_port()
            slog = open(TMP / f"redis-unix-{port}.log", "wb")
            p = subprocess.Popen([BIN, "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port),
                                  "--threads", "1"], env=dict(os.environ, ISLA_REDIS=url), stdout=slog, stderr=slog)
            servers.append((p, port))
        (good, gport), (bad, bport) = servers
        wait_for("the server with the right password ready and connected",
                 lambda: (lambda s, h: s == 200 and h.get("redis") == "ok")(*health(gport)), timeout=20)
        path = unique_search()
        check(get(gport, path)[1].get("x-isla-cache") == "miss", "first ask not a miss")
        wait_for("the store acknowledged", lambda: metric(gport, "isla_l2_stores_total") >= 1, timeout=5)
        keys = subprocess.run(["redis-cli", "-s", str(sock), "-a", "s3cr#t", "--no-auth-warning", "-n", "3", "KEYS",
                               "isla:1:*"], capture_output=True, text=True, timeout=10).stdout.split()
        check(len(keys) == 1 and keys[0].startswith("isla:1:"), f"keys in db 3: {keys}")
        # The wrong password: refused by Redis, so degraded, and still 200.
        wait_for("the server with the wrong password degraded",
                 lambda: (lambda s, h: s == 200 and h.get("redis") == "degraded")(*health(bport)), timeout=20)
        s, h, _ = get(bport, path)
        check(s == 200 and h.get("x-isla-cache") == "miss", f"wrong password: {s} {h.get('x-isla-cache')}")
        text = (TMP / f"redis-unix-{bport}.log").read_text(errors="replace")
        check("WRONGPASS" in text or "invalid" in text.lower(), f"no AUTH failure in the log: {text[-300:]!r}")
        check("wrong" not in text and "s3cr" not in text, "a password in the log")
    finally:
        for p, _ in servers:
            p.terminate()
            p.wait()
        red.terminate()
        red.wait()


def t_sharded_differential():
    dests = "PMI,IBZ,AYT,HER"
    sf = Fleet("sharded", "--shards", "2", "--replicas", "1", "--destinations", dests, "--offers", str(OFFERS),
               "--seed", "5", "--threads", "1")
    single = None
    try:
        # One node with every destination: the unsplit dump of the same seed.
        data = TMP / "single"
        r = subprocess.run([BIN, "import", "--offers", str(sf.dir / "data" / "dump-all.csv"), "--hotels",
                            str(sf.dir / "data" / "hotels.csv"), "--data", str(data), "--quiet"],
                           capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"single import: {r.stderr[-500:]}")
        port = free_port()
        log = open(TMP / "single.log", "wb")
        single = subprocess.Popen([BIN, "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port),
                                   "--threads", "1"], stdout=log, stderr=log)
        wait_for("the single node ready", lambda: health(port)[0] == 200, timeout=60)
        shards_seen = set()
        compared = nonempty = 0
        for i, path in enumerate(searches(120, 6)):
            dest = dests.split(",")[i % 4]
            p = f"{path}&destination={dest.lower() if i % 3 == 0 else dest}"
            a = get(sf.port, p)
            b = get(port, p)
            check(a[0] == b[0], f"{p}: status {a[0]} through nginx, {b[0]} on the single node")
            check(a[2] == b[2], f"{p}: sharded answer differs from the single node's")
            compared += 1
            if a[0] == 200 and json.loads(a[2]):
                nonempty += 1
            shards_seen.add(dest)
        check(compared == 120 and len(shards_seen) == 4, "not every destination compared")
        check(nonempty >= 60, f"only {nonempty} of 120 answers had hotels: a weak comparison")
        # Each shard really holds only its own destinations.
        builders = sf.role("builder")
        offers = [health(b["port"])[1]["offers"] for b in builders]
        total = health(port)[1]["offers"]
        check(len(builders) == 2 and all(0 < o < total for o in offers), f"shard offers {offers} of {total}")
    finally:
        if single is not None:
            single.terminate()
            single.wait()
        sf.down()


def main():
    f = None
    try:
        f = Fleet("main", "--replicas", "3", "--offers", str(OFFERS), "--threads", "1",
                  "--follow-interval", "500ms")
        run_test("cluster.sh up and status", t_cluster_status, f)
        run_test("an answer cached by one replica is an L2 hit on another", t_l2_shared, f)
        run_test("concurrent misses of one key are searched once", t_singleflight, f)
        run_test("clients gone while their search waits for Redis or a flight", t_client_gone_while_waiting, f)
        run_test("kill -9 of a replica under load: no failed request", t_kill_replica, f)
        run_test(f"Redis stopped {REDIS_DOWN_S:g} s under load: no failed request, breaker opens and closes, "
                 "L2 hits resume", t_redis_outage, f)
        run_test("rolling update under load: no failed request, all on the new generation, ETags agree",
                 t_rolling_update, f)
        run_test("a corrupted download is refused and retried, a cut one resumed", t_corrupt_download, f)
        run_test("one replica downloads at a time (ship slots)", t_ship_slots, f)
        run_test("bad input: --redis, --follow, isla pull, admin endpoints", t_bad_input, f)
        run_test("Redis on a Unix socket with a password and db 3; a wrong password is degraded",
                 t_redis_unix_password, f)
    except Fail as e:
        run_test("fleet start", lambda: (_ for _ in ()).throw(e))
    finally:
        if f is not None:
            f.down()
    run_test("sharded answers equal a single node holding every destination", t_sharded_differential)
    if ASAN:
        run_test("no sanitizer report from any process (all stopped with SIGTERM)", t_no_sanitizer_reports)
    return summary()


def t_no_sanitizer_reports():
    """Every isla process of the suite has exited (cluster.sh down sends
    SIGTERM), so LeakSanitizer has written its report, if any, to its log."""
    bad = []
    for log in TMP.rglob("*.log"):
        text = log.read_text(errors="replace")
        if "Sanitizer" in text or "runtime error:" in text:
            i = max(text.find("Sanitizer"), text.find("runtime error:"))
            bad.append(f"{log.relative_to(TMP)}: {text[max(0, i - 100):i + 400]!r}")
    check(not bad, f"{len(bad)} logs with sanitizer reports: {bad[:2]}")


if __name__ == "__main__":
    sys.exit(main())
