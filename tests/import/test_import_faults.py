#!/usr/bin/env python3
"""`isla import` under faults, through the real binary (issue 8):

- an input that ends early (gzip without its trailer from a file, stdin or a
  FIFO; a CSV cut inside a quoted field; stdin closed mid-row) exits 1 and
  publishes nothing: CURRENT, the served generation and the data directory
  stay as they were;
- the shrink guard (--max-shrink, on by default, and --min-rows);
- a failed import removes what it wrote (a full disk: a small tmpfs), and
  the next import removes what a killed one left (kill -9 right before the
  rename of the .tmp directory and right before the switch of CURRENT,
  injected at that exact system call with strace), never what a live import
  owns;
- a plain dump that shrinks (SIGBUS) or grows while it is imported (the
  importer is stopped right after its mmap by strace, the file changed, the
  importer resumed);
- two imports into one data directory: the second is refused at once with
  the first one's pid, and only the first publishes.

The tmpfs test needs root (mount); where mounting is impossible it is
reported as skipped, not passed. The kill -9 tests need strace (setup.sh
installs it).

Every test uses its own temporary directory. ISLA_BIN selects the binary
(e.g. build/asan/isla). Ends with "N passed, M failed[, K skipped]".
"""
import gzip
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import BIN, HOTELS, Fail, Server, Skip, check, run_test, summary  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="isla-import-faults-"))
TIMEOUT = 300 if "asan" in BIN else 120


def gen_csv(path, offers, seed):
    with open(path, "wb") as f:
        p = subprocess.run([BIN, "gen", "--offers", str(offers), "--seed", str(seed), "--hotels", HOTELS],
                           stdout=f, stderr=subprocess.PIPE, timeout=TIMEOUT)
    check(p.returncode == 0, f"isla gen failed: {p.stderr[-300:]!r}")
    return path


def isla_import(data, offers, *extra, stdin=None, input_bytes=None):
    return subprocess.run([BIN, "import", "--offers", str(offers), "--hotels", HOTELS, "--data", str(data),
                           "--quiet", *extra], stdin=stdin, input=input_bytes, capture_output=True,
                          timeout=TIMEOUT)


def err_of(p):
    return p.stderr.decode(errors="replace")


def listing(data):
    return sorted(p.name for p in Path(data).iterdir())


def current(data):
    return (Path(data) / "CURRENT").read_text().strip()


# One full dump (CSV and gzip) shared by the tests.
FULL = gen_csv(TMP / "full.csv", 20000, 5)
FULL_GZ = TMP / "full.csv.gz"
FULL_GZ.write_bytes(gzip.compress(FULL.read_bytes(), compresslevel=1))


def served(name):
    """A data directory with generation 1 imported from the full dump."""
    data = TMP / name
    p = isla_import(data, FULL)
    check(p.returncode == 0, f"first import failed: {err_of(p)[-300:]}")
    check(current(data) == "gen-000000000001", f"CURRENT is {current(data)}")
    return data


def expect_refused(data, p, want, before):
    check(p.returncode == 1, f"exit {p.returncode}, want 1: {err_of(p)[-300:]}")
    check(want in err_of(p), f"stderr does not say {want!r}: {err_of(p)[-400:]}")
    check("nothing was published" in err_of(p), f"stderr does not say nothing was published: {err_of(p)[-400:]}")
    check(current(data) == "gen-000000000001", f"CURRENT changed to {current(data)}")
    after = listing(data)
    check(after == before, f"data directory changed: {before} -> {after}")


def half_gz():
    z = FULL_GZ.read_bytes()
    return z[: len(z) // 2]


def test_truncated_gzip_file():
    data = served("gz-file")
    before = listing(data)
    half = TMP / "half.csv.gz"
    half.write_bytes(half_gz())
    expect_refused(data, isla_import(data, half), "gzip stream is truncated", before)
    # only the 8-byte trailer missing
    z = FULL_GZ.read_bytes()
    cut = TMP / "no-trailer.csv.gz"
    cut.write_bytes(z[:-8])
    expect_refused(data, isla_import(data, cut), "gzip stream is truncated", before)


def test_truncated_gzip_stdin():
    data = served("gz-stdin")
    before = listing(data)
    expect_refused(data, isla_import(data, "-", input_bytes=half_gz()), "gzip stream is truncated", before)


def test_truncated_gzip_fifo():
    data = served("gz-fifo")
    before = listing(data)
    fifo = TMP / "dump.fifo"
    os.mkfifo(fifo)
    imp = subprocess.Popen([BIN, "import", "--offers", str(fifo), "--hotels", HOTELS, "--data", str(data), "--quiet"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with open(fifo, "wb") as w:  # blocks until the importer opens the FIFO
            w.write(half_gz())
        out, err = imp.communicate(timeout=TIMEOUT)
    finally:
        if imp.poll() is None:
            imp.kill()
            imp.wait()
    expect_refused(data, subprocess.CompletedProcess(imp.args, imp.returncode, out, err),
                   "gzip stream is truncated", before)


def test_trailing_garbage_after_gzip():
    data = served("gz-garbage")
    before = listing(data)
    p = isla_import(data, "-", input_bytes=FULL_GZ.read_bytes() + b"hotelid,price\n1,2\n")
    expect_refused(data, p, "after the end of the gzip stream", before)


def test_csv_cut_in_quoted_field():
    data = served("cut-quoted")
    before = listing(data)
    raw = FULL.read_bytes()
    cut = raw[: len(raw) // 2]
    cut = cut[: cut.rindex(b'","') + 5]  # inside the next quoted field
    path = TMP / "cut.csv"
    path.write_bytes(cut)
    expect_refused(data, isla_import(data, path), "ends in the middle of a row", before)
    expect_refused(data, isla_import(data, "-", input_bytes=cut), "ends in the middle of a row", before)


def test_stdin_closed_mid_row():
    """A producer that writes part of a row and dies: stdin closes mid-row."""
    data = served("stdin-mid-row")
    before = listing(data)
    raw = FULL.read_bytes()
    cut = raw[: raw.index(b"\n", len(raw) // 3) + 40]
    imp = subprocess.Popen([BIN, "import", "--offers", "-", "--hotels", HOTELS, "--data", str(data), "--quiet"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        imp.stdin.write(cut)
        imp.stdin.close()
        err = imp.stderr.read()
        out = imp.stdout.read()
        imp.wait(timeout=TIMEOUT)
    finally:
        if imp.poll() is None:
            imp.kill()
            imp.wait()
    expect_refused(data, subprocess.CompletedProcess(imp.args, imp.returncode, out, err),
                   "ends in the middle of a row", before)


def test_hotels_cut_off():
    """hotels.csv cut inside its last line: exit 1, nothing published."""
    data = served("hotels-cut")
    before = listing(data)
    raw = Path(HOTELS).read_bytes()
    cut = TMP / "hotels-cut.csv"
    cut.write_bytes(raw[: raw.index(b"\n", len(raw) // 2) + 8])
    p = subprocess.run([BIN, "import", "--offers", str(FULL), "--hotels", str(cut), "--data", str(data), "--quiet"],
                       capture_output=True, timeout=TIMEOUT)
    check(p.returncode == 1 and "ends in the middle of line" in err_of(p), f"exit {p.returncode}: {err_of(p)[-300:]}")
    check(current(data) == "gen-000000000001" and listing(data) == before, f"changed: {listing(data)}")


def test_empty_inputs():
    """Zero bytes - from a file, stdin, or as a complete gzip stream of
    nothing - is an error, not an empty generation."""
    data = served("empty")
    before = listing(data)
    empty = TMP / "empty.csv"
    empty.write_bytes(b"")
    for p in (isla_import(data, empty), isla_import(data, "-", input_bytes=b""),
              isla_import(data, "-", input_bytes=gzip.compress(b""))):
        check(p.returncode == 1 and "empty" in err_of(p), f"exit {p.returncode}: {err_of(p)[-300:]}")
        check(current(data) == "gen-000000000001" and listing(data) == before, f"changed: {listing(data)}")


def test_served_generation_untouched():
    """A running server, told to reload after the refused import, keeps
    serving generation 1 with all its offers."""
    data = served("served")
    token = "import-faults-token-0123456789"
    srv = Server(data, ["--admin-token", token])
    try:
        h = srv.wait_health(200)
        offers = h["offers"]
        half = TMP / "half-served.csv.gz"
        half.write_bytes(half_gz())
        p = isla_import(data, half)
        check(p.returncode == 1, f"truncated import exit {p.returncode}")
        # a reload (synchronous) finds nothing new to load
        s, _, body = srv.request("POST", "/api/admin/reload", {"Authorization": f"Bearer {token}"}, timeout=70)
        check(s == 200 and b"unchanged" in body, f"reload after the refused import: {s} {body[:200]!r}")
        status, h2 = srv.health()
        check(status == 200 and h2["generation"] == 1 and h2["offers"] == offers,
              f"after the refused import: {status} {h2}")
    finally:
        srv.stop()


def test_shrink_guard():
    data = served("shrink")
    before = listing(data)
    raw = FULL.read_bytes()
    lines = raw.split(b"\n")
    small = TMP / "small.csv"  # a dump cut at a line boundary: 30% of the rows
    small.write_bytes(b"\n".join(lines[: len(lines) * 3 // 10]) + b"\n")
    p = isla_import(data, small)
    expect_refused(data, p, "more than --max-shrink 50%", before)
    check("--max-shrink none" in err_of(p), f"the message does not say how to force: {err_of(p)}")
    p = isla_import(data, small, "--max-shrink", "80")
    check(p.returncode == 0, f"--max-shrink 80: exit {p.returncode}: {err_of(p)[-300:]}")
    check(current(data) == "gen-000000000002", f"CURRENT is {current(data)}")
    # back to the full dump (growth is never refused), then none
    check(isla_import(data, FULL).returncode == 0, "full import after the small one failed")
    p = isla_import(data, small, "--max-shrink", "none")
    check(p.returncode == 0, f"--max-shrink none: exit {p.returncode}: {err_of(p)[-300:]}")
    p = isla_import(data, small, "--max-shrink", "0")
    check(p.returncode == 2 and "--max-shrink" in err_of(p), f"--max-shrink 0: exit {p.returncode}")


def test_min_rows():
    data = TMP / "min-rows"
    p = isla_import(data, FULL, "--min-rows", "1000000")
    check(p.returncode == 1 and "fewer than --min-rows 1000000" in err_of(p), f"exit {p.returncode}: {err_of(p)}")
    check(not (data / "CURRENT").exists(), "CURRENT exists after a refused import")
    p = isla_import(data, FULL, "--min-rows", "19000")
    check(p.returncode == 0, f"--min-rows 19000: exit {p.returncode}: {err_of(p)}")


def gens(data):
    return [n for n in listing(data) if n.startswith("gen-")]


def summary_of(gen_dir):
    import json
    return json.loads((Path(gen_dir) / "import.json").read_text())


SMALL = gen_csv(TMP / "small.csv", 3000, 6)
SMALL2 = gen_csv(TMP / "small2.csv", 3000, 7)


def test_full_disk_leaves_nothing():
    """On a full disk (a 4 MB tmpfs) an import exits 1 and removes its .tmp
    directory, so the next import that fits succeeds."""
    mnt = TMP / "tmpfs"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        raise Skip(f"cannot mount a tmpfs here ({r.stderr.decode(errors='replace').strip() or r.returncode}); "
                   "the full-disk test needs root with CAP_SYS_ADMIN")
    try:
        data = mnt / "data"
        p = isla_import(data, SMALL)
        check(p.returncode == 0, f"small import into the tmpfs failed: {err_of(p)[-300:]}")
        before = listing(data)
        big = gen_csv(TMP / "big.csv", 200000, 8)  # ~8 MB of store: does not fit
        p = isla_import(data, big)
        check(p.returncode == 1, f"import onto a full disk: exit {p.returncode}: {err_of(p)[-300:]}")
        check("No space left" in err_of(p), f"the message does not name the full disk: {err_of(p)[-300:]}")
        check(listing(data) == before, f"the failed import left files: {before} -> {listing(data)}")
        check(current(data) == "gen-000000000001", f"CURRENT changed to {current(data)}")
        p = isla_import(data, SMALL2)
        check(p.returncode == 0, f"the next import, which fits, failed: {err_of(p)[-300:]}")
        check(current(data) == "gen-000000000002", f"CURRENT is {current(data)}")
    finally:
        for attempt in range(20):  # bounded: a lazy unmount as the last resort
            if subprocess.run(["umount", str(mnt)], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def strace_import(data, offers, inject):
    """isla import with a fault injected at a rename(2) by strace."""
    if not shutil.which("strace"):
        raise Skip("strace is not installed (scripts/setup.sh installs it)")
    return subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename,renameat,renameat2",
                           "-e", f"inject=rename,renameat,renameat2:{inject}",
                           BIN, "import", "--offers", str(offers), "--hotels", HOTELS, "--data", str(data),
                           "--quiet", "--max-shrink", "none"], capture_output=True, timeout=TIMEOUT)


def test_kill9_before_current_switch():
    """kill -9 after gen-2 is renamed into place, before CURRENT names it:
    the next import removes gen-2 (never served) and publishes its own."""
    data = served("kill-current")
    p = strace_import(data, SMALL, "signal=SIGKILL:when=2")
    check(p.returncode in (137, -9), f"the injected kill did not happen: exit {p.returncode} {err_of(p)[-200:]}")
    check(gens(data) == ["gen-000000000001", "gen-000000000002"] and current(data) == "gen-000000000001",
          f"not the state a kill before the CURRENT switch leaves: {listing(data)}, CURRENT {current(data)}")
    p = isla_import(data, SMALL2, "--max-shrink", "none")
    check(p.returncode == 0, f"next import: exit {p.returncode}: {err_of(p)[-300:]}")
    check("leftover" in err_of(p) and "gen-000000000002" in err_of(p),
          f"the next import does not say what it removed: {err_of(p)[-300:]}")
    check(current(data) == "gen-000000000002", f"CURRENT is {current(data)}")
    check(gens(data) == ["gen-000000000001", "gen-000000000002"], f"generations: {gens(data)}")
    check("CURRENT.tmp" not in listing(data), f"CURRENT.tmp left: {listing(data)}")
    s = summary_of(data / "gen-000000000002")
    check(s["rows"] == 3000, f"gen-2 is not the next import's data: {s}")


def test_kill9_before_tmp_rename():
    """kill -9 with the generation written under .tmp-*: the next import
    removes the .tmp directory."""
    data = served("kill-tmp")
    p = strace_import(data, SMALL, "signal=SIGKILL:when=1")
    check(p.returncode in (137, -9), f"the injected kill did not happen: exit {p.returncode}")
    tmps = [n for n in listing(data) if n.startswith(".tmp-")]
    check(len(tmps) == 1, f"no .tmp directory after the kill: {listing(data)}")
    p = isla_import(data, SMALL2, "--max-shrink", "none")
    check(p.returncode == 0, f"next import: exit {p.returncode}: {err_of(p)[-300:]}")
    check(not [n for n in listing(data) if n.startswith(".tmp-")], f"a .tmp directory is left: {listing(data)}")
    check(current(data) == "gen-000000000002", f"CURRENT is {current(data)}")


def test_failed_current_switch_removes_generation():
    """CURRENT cannot be replaced (an I/O error at that rename): exit 1 and
    the renamed gen-2, never served, is removed at once."""
    data = served("fail-current")
    before = listing(data)
    p = strace_import(data, SMALL, "error=EIO:when=2")
    check(p.returncode == 1, f"exit {p.returncode}: {err_of(p)[-300:]}")
    check("cannot replace" in err_of(p), f"stderr: {err_of(p)[-300:]}")
    check(listing(data) == before, f"the failed import left files: {before} -> {listing(data)}")


def import_changed_under_it(name, change):
    """Starts an import of a copy of the full dump under strace, which stops
    it (SIGSTOP) right after it mapped the file; applies change(path) to the
    file, resumes the importer and returns its result."""
    if not shutil.which("strace"):
        raise Skip("strace is not installed (scripts/setup.sh installs it)")
    data = served(name)
    path = TMP / f"{name}.csv"
    shutil.copyfile(FULL, path)
    before = listing(data)
    log = TMP / f"{name}.strace"
    p = subprocess.Popen(["strace", "-f", "-qq", "-o", str(log), "-P", str(path), "-e", "trace=mmap",
                          "-e", "inject=mmap:signal=SIGSTOP",
                          BIN, "import", "--offers", str(path), "--hotels", HOTELS, "--data", str(data), "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child = None
    try:
        # strace logs "<pid> --- stopped by SIGSTOP ---" once the importer is
        # stopped right after mapping the file (a plain "tracing stop" state
        # would also be seen at any traced system call, so it proves nothing)
        for _ in range(1200):  # bounded: 60 s
            text = log.read_text() if log.exists() else ""
            stopped = [line for line in text.splitlines() if "stopped by SIGSTOP" in line]
            if stopped:
                child = int(stopped[0].split()[0])
                break
            check(p.poll() is None, f"the importer ended before it was stopped: {p.returncode}")
            time.sleep(0.05)
        else:
            raise Fail("the importer was not stopped at its mmap within 60 s")
        change(path)
        os.kill(child, signal.SIGCONT)
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        if p.poll() is None:
            # strace still runs, so its child cannot have been reaped: the pid
            # is still the importer's. A tracee left stopped would stay forever.
            if child is not None:
                os.kill(child, signal.SIGKILL)
            p.kill()
            p.wait()
    return data, before, subprocess.CompletedProcess(p.args, p.returncode, out, err)


def test_file_shrinks_while_mapped():
    """The dump is truncated after the importer mapped it: touching the
    vanished pages raises SIGBUS, which becomes a clear exit 1."""
    data, before, p = import_changed_under_it("shrinks", lambda path: os.truncate(path, 100000))
    expect_refused(data, p, "shrank while it was being read", before)


def test_file_grows_while_read():
    """The dump is still being written: it grows after the importer took its
    size. Refused instead of importing the part that was there."""
    def grow(path):
        with open(path, "ab") as f:
            f.write(FULL.read_bytes()[-1000:])
    data, before, p = import_changed_under_it("grows", grow)
    expect_refused(data, p, "changed while it was being imported", before)


def test_concurrent_imports():
    """A second import while one runs: refused at once, naming the first
    one's pid, touching nothing; the first then publishes."""
    data = served("concurrent")
    fifo = TMP / "concurrent.fifo"
    os.mkfifo(fifo)
    a = subprocess.Popen([BIN, "import", "--offers", str(fifo), "--hotels", HOTELS, "--data", str(data), "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer = None
    try:
        lock = data / ".import.lock"
        for _ in range(600):  # A takes the lock, then blocks opening the FIFO
            if lock.exists() and lock.read_text().strip() == str(a.pid):
                break
            check(a.poll() is None, f"the first import exited early: {a.returncode}")
            time.sleep(0.05)
        else:
            raise AssertionError("the first import did not take the lock within 30 s")
        owned = data / f".tmp-{a.pid}-0"  # as if the first import were writing it
        owned.mkdir()
        before = listing(data)
        b = isla_import(data, FULL)
        check(b.returncode == 1, f"second import: exit {b.returncode}: {err_of(b)[-300:]}")
        check("another import into" in err_of(b) and f"pid {a.pid}" in err_of(b),
              f"the message does not name the running import: {err_of(b)[-300:]}")
        check(listing(data) == before, f"the refused import changed files: {before} -> {listing(data)}")
        owned.rmdir()
        newer = gen_csv(TMP / "newer.csv", 20000, 9)
        writer = open(fifo, "wb")
        writer.write(newer.read_bytes())
        writer.close()
        writer = None
        _, err = a.communicate(timeout=TIMEOUT)
        check(a.returncode == 0, f"first import: exit {a.returncode}: {err[-300:]!r}")
    finally:
        if writer:
            writer.close()
        if a.poll() is None:
            a.kill()
            a.wait()
    check(current(data) == "gen-000000000002" and gens(data) == ["gen-000000000001", "gen-000000000002"],
          f"after the first import: CURRENT {current(data)}, {listing(data)}")
    check(summary_of(data / "gen-000000000002")["rows"] == 20000, "gen-2 is not the first import's data")


TESTS = [
    test_truncated_gzip_file,
    test_truncated_gzip_stdin,
    test_truncated_gzip_fifo,
    test_trailing_garbage_after_gzip,
    test_csv_cut_in_quoted_field,
    test_stdin_closed_mid_row,
    test_empty_inputs,
    test_hotels_cut_off,
    test_served_generation_untouched,
    test_shrink_guard,
    test_min_rows,
    test_full_disk_leaves_nothing,
    test_kill9_before_current_switch,
    test_kill9_before_tmp_rename,
    test_failed_current_switch_removes_generation,
    test_concurrent_imports,
    test_file_shrinks_while_mapped,
    test_file_grows_while_read,
]


def main():
    only = sys.argv[1:]
    try:
        for t in TESTS:
            if not only or t.__name__ in only:
                run_test(t.__name__, t)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
