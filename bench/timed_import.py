#!/usr/bin/env python3
"""Runs `isla gen ... | isla import --offers - ...` for bench/run.sh and
reports wall time and each process's CPU time and peak memory (wait4), so
the import rate can be given per wall second and per CPU second of the
importer alone (the generator shares the 2 cores during the run).

    timed_import.py --log FILE --gen 'CMD' --import 'CMD'   (commands as shell words)"""
import json
import os
import shlex
import subprocess
import sys
import time


def main():
    opt = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    log = open(opt["--log"], "ab")
    t0 = time.perf_counter()
    g = subprocess.Popen(shlex.split(opt["--gen"]), stdout=subprocess.PIPE)
    i = subprocess.Popen(shlex.split(opt["--import"]), stdin=g.stdout, stdout=log, stderr=log)
    g.stdout.close()
    res = {}
    for name, p in (("import", i), ("gen", g)):
        _, status, ru = os.wait4(p.pid, 0)
        res[name] = {"status": os.waitstatus_to_exitcode(status), "cpu_s": ru.ru_utime + ru.ru_stime,
                     "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "maxrss_bytes": ru.ru_maxrss * 1024}
        if name == "import":
            res["wall_s"] = time.perf_counter() - t0
    print(json.dumps(res))
    sys.exit(0 if res["import"]["status"] == 0 and res["gen"]["status"] == 0 else 1)


if __name__ == "__main__":
    main()
