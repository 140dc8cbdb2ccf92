"""Shared helpers of the Python test suites (tests/http, tests/ops,
tests/calendar): a test runner that prints `ok name` / `FAIL name: why` and a
final `N passed, M failed`, data import, and a Server that runs `isla serve`
with given flags and environment on a free loopback port.

Python 3 standard library only. ISLA_BIN overrides the binary (e.g.
build/asan/isla); ISLA_HOTELS the hotels.csv path.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("ISLA_BIN") or str(ROOT / "build" / "isla")
HOTELS = os.environ.get("ISLA_HOTELS") or str((ROOT / ".." / "shared" / "data" / "hotels.csv").resolve())
ASAN = "asan" in BIN

SEARCH = ("earliestDepartureDate=2023-01-01&latestReturnDate=2023-12-31&duration=7"
          "&countAdults=2&countChildren=0")

RESULTS = []
SKIPPED = []


class Fail(Exception):
    pass


class Skip(Exception):
    """Raised by a test that cannot run here; counted as skipped, not passed."""


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run_test(name, fn, *args):
    t0 = time.monotonic()
    try:
        fn(*args)
    except Skip as e:
        SKIPPED.append((name, str(e)))
        print(f"SKIP {name}: {e}", flush=True)
        return False
    except Fail as e:
        RESULTS.append((name, str(e)))
        print(f"FAIL {name}: {e}", flush=True)
        return False
    except Exception as e:  # a crash of the test itself is a failure too
        detail = "".join(traceback.format_exception_only(type(e), e)).strip()
        RESULTS.append((name, detail))
        print(f"FAIL {name}: {detail}", flush=True)
        return False
    RESULTS.append((name, None))
    print(f"ok {name} ({time.monotonic() - t0:.1f} s)", flush=True)
    return True


def summary():
    failed = sum(1 for _, err in RESULTS if err is not None)
    skipped = f", {len(SKIPPED)} skipped" if SKIPPED else ""
    print(f"{len(RESULTS) - failed} passed, {failed} failed{skipped}")
    return 1 if failed else 0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def import_data(data_dir, seed, offers=20000, timeout=120):
    """isla gen ... | isla import --offers - ... --data data_dir"""
    gen = subprocess.Popen([BIN, "gen", "--offers", str(offers), "--seed", str(seed), "--hotels", HOTELS],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        imp = subprocess.run([BIN, "import", "--offers", "-", "--hotels", HOTELS, "--data", str(data_dir), "--quiet"],
                             stdin=gen.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        gen.stdout.close()
        gen_rc = gen.wait(timeout=timeout)
    finally:
        if gen.poll() is None:
            gen.kill()
            gen.wait()
    if gen_rc != 0 or imp.returncode != 0:
        raise Fail(f"import (seed {seed}) failed: gen rc {gen_rc}, import rc {imp.returncode}: "
                   f"{imp.stderr.decode(errors='replace')[-500:]}")


def generation_dirs(data_dir):
    return sorted(p for p in Path(data_dir).iterdir() if p.is_dir() and p.name.startswith("gen-"))


class Server:
    """`isla serve --data DIR --host 127.0.0.1 --port P ARGS...`, log to a file."""

    def __init__(self, data_dir, args=(), env=None, port=None, tls=False, set_port=True):
        self.port = port or free_port()
        self.tls = tls
        self.log_path = Path(tempfile.mkstemp(prefix="isla-ops-", suffix=".log")[1])
        self.log = open(self.log_path, "wb")
        cmd = [BIN, "serve", "--data", str(data_dir), "--host", "127.0.0.1"]
        if set_port:
            cmd += ["--port", str(self.port)]
        cmd += list(args)
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=full_env)

    def conn(self, timeout=10):
        if self.tls:
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def keepalive(self, method, path, timeout=20):
        """One request on this Server's kept-alive connection; reconnects
        once if the server closed it."""
        for attempt in (0, 1):
            if getattr(self, "_conn", None) is None:
                self._conn = self.conn(timeout)
            try:
                self._conn.request(method, path)
                r = self._conn.getresponse()
                return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = None
                if attempt:
                    raise

    def health(self):
        status, _, body = self.request("GET", "/api/health")
        return status, json.loads(body)

    def request(self, method, path, headers=None, body=None, timeout=10):
        c = self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def get_json(self, path, headers=None):
        status, h, body = self.request("GET", path, headers)
        check(status == 200, f"GET {path}: status {status}: {body[:200]!r}")
        return json.loads(body)

    def stats(self):
        return self.get_json("/api/stats")

    def metrics(self):
        status, _, body = self.request("GET", "/metrics")
        check(status == 200, f"/metrics status {status}")
        return body.decode()

    def metric(self, name, labels=""):
        """Value of one sample of /metrics, 0 if absent."""
        want = name + (("{" + labels + "}") if labels else "")
        for line in self.metrics().splitlines():
            if line.startswith(want + " "):
                return float(line.split()[-1])
        return 0.0

    def wait_listening(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fail(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise Fail(f"port {self.port} not open after {timeout} s: {self.log_tail()}")

    def wait_health(self, want=200, timeout=30, pred=None):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fail(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                status, _, body = self.request("GET", "/api/health")
                h = json.loads(body)
                last = (status, h)
                if status == want and (pred is None or pred(h)):
                    return h
            except (OSError, http.client.HTTPException, ValueError) as e:
                last = repr(e)
            time.sleep(0.05)
        raise Fail(f"/api/health not {want} after {timeout} s (last: {last}): {self.log_tail()}")

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def log_tail(self, n=800):
        return self.log_text()[-n:].replace("\n", " | ")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if getattr(self, "_conn", None) is not None:
            self._conn.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.log.close()
        try:
            self.log_path.unlink()
        except OSError:
            pass
