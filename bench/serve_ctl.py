#!/usr/bin/env python3
"""Starts `isla serve` for bench/run.sh and times its start-up.

    serve_ctl.py start --port P --log FILE -- CMD...   prints {"pid":..,"ready_ms":..}
    serve_ctl.py rss --pid PID                          prints VmRSS etc. in bytes
    serve_ctl.py stop --pid PID                         SIGTERM, then waits (10 s at most)

start: launches CMD in its own session (it outlives this script), then asks
GET /api/health every 2 ms over a fresh loopback connection until it answers
200; ready_ms is the time from the launch to that answer. Gives up after
60 s (the server is then stopped)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time


def health(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def main():
    cmd = sys.argv[1]
    opt = {}
    argv = sys.argv[2:]
    rest = []
    if "--" in argv:
        k = argv.index("--")
        argv, rest = argv[:k], argv[k + 1:]
    for i in range(0, len(argv), 2):
        opt[argv[i].lstrip("-")] = argv[i + 1]
    if cmd == "start":
        port = int(opt["port"])
        log = open(opt["log"], "ab")
        t0 = time.perf_counter()
        p = subprocess.Popen(rest, stdout=log, stderr=log, start_new_session=True)
        while time.perf_counter() - t0 < 60:
            if p.poll() is not None:
                print(json.dumps({"pid": p.pid, "error": f"exited with {p.returncode}"}))
                sys.exit(1)
            if health(port):
                print(json.dumps({"pid": p.pid, "ready_ms": (time.perf_counter() - t0) * 1000}))
                return
            time.sleep(0.002)
        p.terminate()
        print(json.dumps({"pid": p.pid, "error": "not ready after 60 s"}))
        sys.exit(1)
    pid = int(opt["pid"])
    if cmd == "rss":
        out = {}
        for line in open(f"/proc/{pid}/status"):
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[k] = int(v.split()[0]) * 1024
        print(json.dumps(out))
    elif cmd == "stop":
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(1000):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
