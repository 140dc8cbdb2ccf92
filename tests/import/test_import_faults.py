#!/usr/bin/env python3
"""`isla import` under faults, through the real binary (issue 8):

- an input that ends early (gzip without its trailer from a file, stdin or a
  FIFO; a CSV cut inside a quoted field; stdin closed mid-row) exits 1 and
  publishes nothing: CURRENT, the served generation and the data directory
  stay as they were;
- the shrink guard (--max-shrink, on by default, and --min-rows);

Every test uses its own temporary directory. ISLA_BIN selects the binary
(e.g. build/asan/isla). Ends with "N passed, M failed[, K skipped]".
"""
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import BIN, HOTELS, Server, check, run_test, summary  # noqa: E402

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


TESTS = [
    test_truncated_gzip_file,
    test_truncated_gzip_stdin,
    test_truncated_gzip_fifo,
    test_trailing_garbage_after_gzip,
    test_csv_cut_in_quoted_field,
    test_stdin_closed_mid_row,
    test_served_generation_untouched,
    test_shrink_guard,
    test_min_rows,
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
