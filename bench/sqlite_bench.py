#!/usr/bin/env python3
"""SQLite side of bench/run.sh: the same offers, the same searches, timed.

    isla gen ... | sqlite_bench.py load --db FILE --hotels hotels.csv
    sqlite_bench.py query --db FILE --mix mix.tsv --out RESULT.json --digest FILE

load: reads the offer CSV from standard input (Python's csv module, by
header name) into a staging table, keeps the DISTINCT rows (isla drops exact
duplicates) with the derived columns dep (departure day), ret (return day)
and nights as integer day numbers, ordered by the search key, then builds
the two indexes that serve these searches best that we know of:

  offers_search(adults, children, nights, odep, dep, hotel, price, ret, meal, room, ocean, oarr)
      covers bestOffersByHotel entirely: equality on the group, the airport
      IN-list and a range on the departure day, no table lookup (oarr, the
      destination, is a filter on the index entries);
  offers_hotel(hotel, adults, children, nights, price, odt)
      walks one hotel's offers of the group in (price, departure) order, so
      ORDER BY ... LIMIT 20 stops after the first page.

query: each search is one SQL statement (literal values), through Python's
sqlite3 (C); the time is execute() plus fetchall()."""
import argparse
import csv
import datetime
import io
import json
import sqlite3
import sys
import time
from urllib.parse import parse_qs, urlsplit

COLS = ["hotelid", "outbounddeparturedatetime", "inbounddeparturedatetime", "countadults", "countchildren",
        "price", "inbounddepartureairport", "outboundarrivalairport", "inboundarrivaldatetime",
        "outbounddepartureairport", "inboundarrivalairport", "outboundarrivaldatetime", "mealtype",
        "oceanview", "roomtype"]
EPOCH = datetime.date(1970, 1, 1).toordinal()


def load(a):
    db = sqlite3.connect(a.db)
    db.executescript("""
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000; PRAGMA temp_store=FILE;
        DROP TABLE IF EXISTS raw; DROP TABLE IF EXISTS offers; DROP TABLE IF EXISTS hotels;
        CREATE TABLE hotels(id INTEGER PRIMARY KEY, name TEXT, stars REAL);
        CREATE TABLE raw(hotel INT, odt TEXT, idt TEXT, adults INT, children INT, price INT, idep TEXT, oarr TEXT,
                         iarrdt TEXT, odep TEXT, iarr TEXT, oarrdt TEXT, meal TEXT, ocean TEXT, room TEXT);
    """)
    t0 = time.perf_counter()
    with open(a.hotels, newline="", encoding="utf-8") as f:
        r = csv.reader(f, delimiter=";")
        next(r)
        db.executemany("INSERT OR REPLACE INTO hotels VALUES(?,?,?)",
                       ((int(x[0]), x[1].rstrip(), float(x[2])) for x in r if len(x) >= 3))
    src = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
    r = csv.reader(src)
    head = [h.strip().lower() for h in next(r)]
    idx = [head.index(c) for c in COLS]
    db.executemany("INSERT INTO raw VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ([x[i] for i in idx] for x in r))
    db.commit()
    t_raw = time.perf_counter() - t0
    # Day numbers (days since 1970-01-01 of the date part: no time zone conversion).
    db.executescript("""
        CREATE TABLE offers(hotel INT, odt TEXT, idt TEXT, adults INT, children INT, price INT, idep TEXT,
                            oarr TEXT, iarrdt TEXT, odep TEXT, iarr TEXT, oarrdt TEXT, meal TEXT, ocean INT,
                            room TEXT, dep INT, ret INT, nights INT);
        INSERT INTO offers
          SELECT hotel, odt, idt, adults, children, price, idep, oarr, iarrdt, odep, iarr, oarrdt, meal,
                 lower(ocean) = 'true', room, dep, ret, ret - dep
          FROM (SELECT DISTINCT *, CAST(julianday(substr(odt, 1, 10)) - 2440587.5 AS INT) AS dep,
                                   CAST(julianday(substr(idt, 1, 10)) - 2440587.5 AS INT) AS ret FROM raw)
          ORDER BY adults, children, ret - dep, odep, dep;
        DROP TABLE raw;
    """)
    db.commit()
    t_distinct = time.perf_counter() - t0 - t_raw
    db.executescript("""
        CREATE INDEX offers_search ON offers(adults, children, nights, odep, dep, hotel, price, ret, meal, room, ocean, oarr);
        CREATE INDEX offers_hotel ON offers(hotel, adults, children, nights, price, odt);
        ANALYZE;
    """)
    db.commit()
    n = db.execute("SELECT count(*) FROM offers").fetchone()[0]
    db.execute("VACUUM")
    db.close()
    print(json.dumps({"rows": n, "load_seconds": time.perf_counter() - t0, "raw_seconds": t_raw,
                      "distinct_seconds": t_distinct}))


def jday(s):
    """Days since 1970-01-01 of the date part, as the load computes them."""
    return datetime.date.fromisoformat(s[:10]).toordinal() - EPOCH


def to_sql(line):
    cls, target = line.split("\t")
    u = urlsplit(target)
    p = parse_qs(u.query)
    g = lambda k: p[k][0]
    E, L = jday(g("earliestDepartureDate")), jday(g("latestReturnDate"))
    w = [f"adults={int(g('countAdults'))}", f"children={int(g('countChildren'))}"]
    if "duration" in p:
        d = int(g("duration"))
        w += [f"nights={d}", f"dep>={E}", f"ret<={L}", f"dep<={L - d}"]  # the last is implied by nights = ret - dep
    else:
        # any length of stay (class no-duration): every nights value of the
        # index, each a range on the departure day (SQLite's skip-scan)
        w += [f"dep>={E}", f"ret<={L}", f"dep<={L}"]

    def in_list(col, k):
        v = [x.strip().upper() for s in p.get(k, []) for x in s.split(",") if x.strip()]
        if v:
            assert all(x.replace("_", "").isalnum() for x in v)
            w.append(f"{col} IN ({','.join(repr(x) for x in v)})")

    in_list("odep", "departureAirports")
    in_list("oarr", "destination")  # an offer's destination (codes only: the mix emits codes)
    in_list("meal", "mealType")
    in_list("room", "roomType")
    if "oceanView" in p:
        w.append(f"ocean={1 if g('oceanView') == 'true' else 0}")
    if "maxPrice" in p:
        w.append(f"price<={int(g('maxPrice'))}")
    if "minStars" in p:
        w.append(f"hotel IN (SELECT id FROM hotels WHERE stars>={float(g('minStars'))})")
    parts = u.path.split("/")
    if u.path.startswith("/hotels/"):
        limit = int(p.get("limit", ["100"])[0])
        return cls, "hotel", (f"SELECT price, adults, children, idep, idt, iarr, iarrdt, odep, odt, oarr, oarrdt, meal, ocean, room "
                              f"FROM offers WHERE hotel={int(parts[2])} AND {' AND '.join(w)} "
                              f"ORDER BY price, odt LIMIT {limit}")
    # SQLite's bare columns next to min() come from the row holding the minimum.
    return cls, "best", (f"SELECT b.hotel, h.name, coalesce(h.stars, 0), b.mp, b.n, date(b.dep * 86400, 'unixepoch'), date(b.ret * 86400, 'unixepoch'), b.room, b.meal, b.ocean "
                         f"FROM (SELECT hotel, min(price) AS mp, count(*) AS n, dep, ret, room, meal, ocean "
                         f"FROM offers INDEXED BY offers_search WHERE {' AND '.join(w)} GROUP BY hotel) b "
                         f"LEFT JOIN hotels h ON h.id = b.hotel ORDER BY b.mp, b.hotel")


def pct(t, q):
    return t[min(len(t) - 1, int(len(t) * q))]


def query(a):
    lines = [l.rstrip("\n") for l in open(a.mix) if l.strip()]
    qs = [to_sql(l) for l in lines]
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    db.execute("PRAGMA cache_size=-2000000")
    db.execute("PRAGMA mmap_size=68719476736")
    for i in range(0, len(qs), 10):  # warm-up slice, untimed
        db.execute(qs[i][2]).fetchall()
    times, digest = {}, []
    for cls, kind, sql in qs:
        t0 = time.perf_counter()
        rows = db.execute(sql).fetchall()
        times.setdefault(cls, []).append((time.perf_counter() - t0) * 1e6)
        if kind == "best":
            digest.append(cls + "\t" + ",".join(f"{r[0]}:{r[3]}:{r[4]}" for r in sorted(rows)))
        else:
            digest.append(cls + "\t" + ",".join(f"{r[0]}@{r[8][:19]}" for r in rows))
    res = {}
    for cls, t in times.items():
        t.sort()
        res[cls] = {"n": len(t), "p50_us": pct(t, 0.5), "p90_us": pct(t, 0.9), "p99_us": pct(t, 0.99), "max_us": t[-1]}
    json.dump({"searches": len(qs), "sqlite": sqlite3.sqlite_version, "classes": res}, open(a.out, "w"), indent=1)
    print("sqlite: " + ", ".join(f"{k} p50 {v['p50_us'] / 1000:.2f} ms" for k, v in res.items()), file=sys.stderr)
    if a.digest:
        open(a.digest, "w").write("\n".join(digest) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["load", "query"])
    ap.add_argument("--db", required=True)
    ap.add_argument("--hotels")
    ap.add_argument("--mix")
    ap.add_argument("--out")
    ap.add_argument("--digest")
    a = ap.parse_args()
    load(a) if a.cmd == "load" else query(a)


if __name__ == "__main__":
    main()
