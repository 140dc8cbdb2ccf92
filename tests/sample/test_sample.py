#!/usr/bin/env python3
"""The real data: the 29 public offer rows with the real hotels.csv.

Imports the sample as shipped and in every dump variant PRODUCT.md names
(';' and unquoted, shuffled columns, old date column names, extra airline
columns, gzip), then checks that every row comes back from the API exactly
as it was written; the challenge's own example; and that bad rows appended
to the real data are rejected with their line numbers while nothing else
is lost. Ends with "N passed, M failed".
"""
import csv
import gzip
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ISLA_BIN", os.path.join(ROOT, "build", "isla"))
SHARED = os.environ.get("ISLA_SHARED", os.path.join(os.path.dirname(ROOT), "shared", "data"))
SAMPLE = os.path.join(SHARED, "offers_sample.csv")
HOTELS = os.path.join(SHARED, "hotels.csv")
FIXTURE = os.path.join(ROOT, "tests", "data", "challenge_example.csv")

results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + detail))


def isla_import(path, data, *extra, stdin=None):
    return subprocess.run([BIN, "import", "--offers", path, "--hotels", HOTELS, "--data", data, "--quiet", *extra],
                          input=stdin, capture_output=True, timeout=120)


def query(data, *args):
    p = subprocess.run([BIN, "query", "--data", data, *args], capture_output=True, timeout=60)
    return p.returncode, json.loads(p.stdout)


def summary(data):
    cur = open(os.path.join(data, "CURRENT")).read().strip()
    with open(os.path.join(data, cur, "import.json")) as f:
        return json.load(f), os.path.join(data, cur)


def read_sample():
    with open(SAMPLE, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def search_for(row):
    """The tightest search that must find this row."""
    dep, ret = row["outbounddeparturedatetime"][:10], row["inbounddeparturedatetime"][:10]
    from datetime import date
    nights = (date.fromisoformat(ret) - date.fromisoformat(dep)).days
    return [f"earliestDepartureDate={dep}", f"latestReturnDate={ret}", f"duration={nights}",
            f"countAdults={row['countadults']}", f"countChildren={row['countchildren']}",
            f"departureAirports={row['outbounddepartureairport']}"]


def roundtrip(data, header, rows, label):
    """Every row must come back from hotel offers exactly as written."""
    bad = []
    for r in rows:
        row = dict(zip(header, r))
        s = search_for(row)
        rc, best = query(data, *s)
        hotels = {b["hotel"]["id"]: b for b in best}
        hid = int(row["hotelid"])
        if rc != 0 or hid not in hotels or hotels[hid]["minPrice"] > int(row["price"]):
            bad.append(f"best offers for hotel {hid}: {best}")
            continue
        rc, offers = query(data, f"/hotels/{hid}/offers", *s)
        want = {
            "price": int(row["price"]), "countAdults": int(row["countadults"]),
            "countChildren": int(row["countchildren"]),
            "outboundDepartureAirport": row["outbounddepartureairport"],
            "outboundDepartureDatetime": row["outbounddeparturedatetime"],
            "outbundDepartureDatetime": row["outbounddeparturedatetime"],
            "outboundArrivalAirport": row["outboundarrivalairport"],
            "outboundArrivalDatetime": row["outboundarrivaldatetime"],
            "inboundDepartureAirport": row["inbounddepartureairport"],
            "inboundDepartureDatetime": row["inbounddeparturedatetime"],
            "inboundArrivalAirport": row["inboundarrivalairport"],
            "inboundArrivalDatetime": row["inboundarrivaldatetime"],
            "mealType": row["mealtype"], "roomType": row["roomtype"],
            "oceanView": row["oceanview"] == "true",
        }
        if want not in offers.get("items", []):
            bad.append(f"hotel {hid}: {want} not in {offers.get('items')}")
    check(f"{label}: all {len(rows)} real rows round-trip exactly", not bad, "; ".join(bad[:3]))


def write_variant(path, header, rows, delim=",", quote=True, rename=None, extra=False, shuffle=False, crlf=False):
    cols = list(header)
    data = [list(r) for r in rows]
    if extra:
        cols += ["outboundairline", "inboundairline"]
        data = [r + ["XY", "YZ"] for r in data]
    order = list(range(len(cols)))
    if shuffle:
        random.Random(4).shuffle(order)
    names = [(rename or {}).get(cols[i], cols[i]) for i in order]
    nl = "\r\n" if crlf else "\n"
    with open(path, "w", newline="") as f:
        def line(vals):
            return delim.join(f'"{v}"' if quote else v for v in vals) + nl
        f.write(line(names))
        for r in data:
            f.write(line([r[i] for i in order]))


def main():
    tmp = tempfile.mkdtemp(prefix="isla-sample-")
    try:
        header, rows = read_sample()
        data = os.path.join(tmp, "data")
        p = isla_import(SAMPLE, data)
        check("import the 29 real rows", p.returncode == 0, p.stderr.decode()[-500:])
        s, gen = summary(data)
        check("all 29 imported, none rejected", s["imported"] == 29 and s["rejected"] == 0 and s["rows"] == 29, str(s))
        check("hotels.csv: 998 real hotels", s["hotelsKnown"] == 998, str(s))
        roundtrip(data, header, rows, "2023 format")

        rc, best = query(data, "earliestDepartureDate=2023-07-01", "latestReturnDate=2023-08-31", "duration=7",
                         "countAdults=2", "countChildren=0")
        got = [(b["hotel"]["id"], b["minPrice"], b["countAvailableOffers"]) for b in best]
        check("July-August, 2 adults, 7 nights, any airport: hotels 644 and 532, cheapest first",
              got == [(644, 1491, 1), (532, 1588, 1)], str(got))
        check("real hotel names and stars are served", best and best[0]["hotel"] == {"id": 644, "name": "MLL Blue Bay", "stars": 3, "destination": "PMI"}, str(best[:1]))
        rc, best = query(data, "earliestDepartureDate=2023-07-31T22:00:00.000Z", "latestReturnDate=2023-08-07",
                         "duration=6", "countAdults=2", "countChildren=0", "departureAirports=ber")
        check("frontend datetime (local midnight in UTC) counts as the next day",
              [b["hotel"]["id"] for b in best] == [], str(best))
        rc, best = query(data, "earliestDepartureDate=2023-07-30T22:00:00.000Z", "latestReturnDate=2023-08-06",
                         "duration=6", "countAdults=2", "countChildren=0", "departureAirports=ber")
        check("31 July BER offers found with a datetime and a lowercase airport",
              sorted(b["hotel"]["id"] for b in best) == [423, 693], str(best))

        # The challenge's own example: exactly one offer among near misses.
        ex = os.path.join(tmp, "example")
        p = isla_import(FIXTURE, ex)
        rc, best = query(ex, "earliestDepartureDate=2023-07-01", "latestReturnDate=2023-08-31", "duration=7",
                         "countAdults=2", "countChildren=0", "departureAirports=HAM")
        check("challenge example: exactly one offer (2 adults, 7 nights, July-August, HAM)",
              len(best) == 1 and best[0]["hotel"]["id"] == 12 and best[0]["countAvailableOffers"] == 1
              and best[0]["minPrice"] == 1234, json.dumps(best))
        for form in (["departureAirports=HAM,MUC"], ["departureAirports[]=HAM", "departureAirports[]=MUC"],
                     ["departureAirports=HAM", "departureAirports=MUC"]):
            rc, best = query(ex, "earliestDepartureDate=2023-07-01", "latestReturnDate=2023-08-31", "duration=7",
                             "countAdults=2", "countChildren=0", *form)
            check(f"airport list form {form}", sorted(b["hotel"]["id"] for b in best) == [12, 17], json.dumps(best))

        variants = {
            "semicolon unquoted CRLF": dict(delim=";", quote=False, crlf=True),
            "shuffled columns + airlines (new format)": dict(extra=True, shuffle=True),
            "old format (departuredate/returndate)": dict(rename={"outbounddeparturedatetime": "departuredate",
                                                                  "inbounddeparturedatetime": "returndate"},
                                                          shuffle=True),
        }
        for label, kw in variants.items():
            path = os.path.join(tmp, "variant.csv")
            write_variant(path, header, rows, **kw)
            vdata = os.path.join(tmp, "v-" + str(abs(hash(label))))
            p = isla_import(path, vdata)
            s, _ = summary(vdata) if p.returncode == 0 else ({}, None)
            check(f"{label}: imported 29", p.returncode == 0 and s.get("imported") == 29, p.stderr.decode()[-300:])
            if p.returncode == 0:
                roundtrip(vdata, header, rows, label)

        # Datetimes the compact store must still reproduce exactly: arrival
        # seconds, an arrival weeks later, other zone suffixes, bare dates.
        odd = [r[:] for r in rows[:4]]
        col = {name: i for i, name in enumerate(header)}
        odd[0][col["outboundarrivaldatetime"]] = odd[0][col["outbounddeparturedatetime"]][:11] + "17:25:31+00:00"
        odd[1][col["inboundarrivaldatetime"]] = "2023-12-24T06:00:00+00:00"
        odd[2][col["outbounddeparturedatetime"]] = odd[2][col["outbounddeparturedatetime"]][:19] + "Z"
        odd[2][col["inboundarrivaldatetime"]] = odd[2][col["inboundarrivaldatetime"]][:19] + "+02:00"
        odd[3][col["outbounddeparturedatetime"]] = odd[3][col["outbounddeparturedatetime"]][:10]
        odd[3][col["inbounddeparturedatetime"]] = odd[3][col["inbounddeparturedatetime"]][:10]
        opath = os.path.join(tmp, "odd.csv")
        write_variant(opath, header, odd)
        odata = os.path.join(tmp, "odd")
        p = isla_import(opath, odata)
        check("unusual datetimes imported", p.returncode == 0 and summary(odata)[0]["imported"] == 4,
              p.stderr.decode()[-300:])
        if p.returncode == 0:
            roundtrip(odata, header, odd, "unusual datetimes (seconds, far arrival, zones, bare dates)")

        gz = os.path.join(tmp, "sample.csv.gz")
        with open(SAMPLE, "rb") as f, gzip.open(gz, "wb") as g:
            g.write(f.read())
        gdata = os.path.join(tmp, "gz")
        with open(gz, "rb") as f:
            p = isla_import("-", gdata, stdin=f.read())
        check("gzip dump piped on stdin", p.returncode == 0 and summary(gdata)[0]["imported"] == 29,
              p.stderr.decode()[-300:])

        # Bad rows appended to the real data: each rejected with its line
        # number and a reason naming the problem; the real rows all stay.
        good = open(SAMPLE).read().rstrip("\n").split("\n")
        bad_rows = {
            "truncated": good[1][:60],
            "price": good[1].replace('"1606"', '"16x6"'),
            "date": good[1].replace("2023-02-04T12:50:00+00:00", "2023-02-30T12:50:00+00:00"),
            "non-utf8": good[1].replace('"FMO","FMO"', '"F\udcffO","FMO"'),
            "unterminated quote": good[1] + ',"',
            "return before departure": good[1].replace("2023-02-15T10:50:00+00:00", "2023-02-01T10:50:00+00:00"),
        }
        lines = good[:]
        expect = {}
        for i, (why, text) in enumerate(bad_rows.items()):
            lines.insert(3 + 2 * i, text)
        for n, text in enumerate(lines, 1):
            for why, t in bad_rows.items():
                if t == text:
                    expect[n] = why
        bpath = os.path.join(tmp, "bad.csv")
        with open(bpath, "wb") as f:
            f.write("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
        bdata = os.path.join(tmp, "bad")
        p = isla_import(bpath, bdata)
        s, gen = summary(bdata) if p.returncode == 0 else ({}, None)
        check("bad rows: the 29 real rows still imported", s.get("imported") == 29, p.stderr.decode()[-300:])
        check("bad rows: every bad row counted as rejected", s.get("rejected") == len(bad_rows), str(s))
        if gen:
            with open(os.path.join(gen, "rejects.csv"), newline="") as f:
                rej = {int(r["line"]): r["reason"] for r in csv.DictReader(f)}
            check("bad rows: rejects.csv names exactly the bad lines", sorted(rej) == sorted(expect),
                  f"{sorted(rej)} vs {sorted(expect)}")
            check("bad rows: every reason is specific", all(rej.get(n) for n in expect), str(rej))
            check("bad rows: price reason names the column",
                  any("price" in r for r in rej.values()), str(rej))
        # The same through a pipe (the streaming reader, not the mapped
        # file) and with a line longer than the 8 MiB chunk in the middle.
        big = good[:10] + ['"' + "x" * (9 << 20) + '"'] + good[10:]
        pdata = os.path.join(tmp, "piped")
        p = isla_import("-", pdata, stdin=("\n".join(big) + "\n").encode())
        s, gen = summary(pdata) if p.returncode == 0 else ({}, None)
        check("piped dump with a 9 MiB line: 29 imported, 1 rejected",
              s.get("imported") == 29 and s.get("rejected") == 1, p.stderr.decode()[-300:])
        if gen:
            with open(os.path.join(gen, "rejects.csv"), newline="") as f:
                rej = list(csv.DictReader(f))
            check("piped dump: the long line is reported as line 11",
                  len(rej) == 1 and rej[0]["line"] == "11" and "longer than" in rej[0]["reason"], str(rej)[:300])
        p = isla_import(bpath, os.path.join(tmp, "strict"), "--max-rejects", "2")
        check("--max-rejects 2 aborts the import and publishes nothing",
              p.returncode == 1 and not os.path.exists(os.path.join(tmp, "strict", "CURRENT")),
              p.stderr.decode()[-300:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
