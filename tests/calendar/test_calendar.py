#!/usr/bin/env python3
"""Tests of GET /api/priceCalendar against the real server.

1. Bad input: every malformed or misplaced parameter is a 400 naming it; an
   unknown hotel is a 404; other methods 405; no generation yet is a 503.
2. Differential check: a generated dump (100,000 offers, seed 5) is imported
   and also loaded into SQLite (Python's stdlib sqlite3), and many random
   searches - with and without a date window, for all hotels or one, with
   every filter - must give exactly the same days, minPrice and offer counts
   as a GROUP BY over the oracle. The importer drops exact duplicate rows, so
   the oracle counts DISTINCT rows.
3. Consistency with bestOffersByHotel: for a search with dates, the days add
   up to the sum of countAvailableOffers and the cheapest day is the cheapest
   hotel.

Python 3 standard library only. ISLA_BIN overrides the binary; ISLA_HOTELS
the hotels.csv path; CALENDAR_SEARCHES the number of random searches
(default 400). Prints one line per test and "N passed, M failed" last.
"""
import csv
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

SEARCHES = int(os.environ.get("CALENDAR_SEARCHES", "400"))
OFFERS = 100000
SEED = 5

MEALS = ["NONE", "BREAKFAST", "HALFBOARD", "HALFBOARDPLUS", "FULLBOARD", "FULLBOARDPLUS",
         "ALLINCLUSIVE", "ALLINCLUSIVEPLUS", "ACCORDINGDESCRIPTION", "PROGRAM"]
ROOMS = ["APARTMENT", "DOUBLE", "STUDIO", "SINGLE", "SUPERIOR", "ECONOMY", "FAMILY", "TRIPLE",
         "SUITE", "ACCORDINGDESCRIPTION", "BUNGALOW", "DELUXE", "MULTISHARE", "TWINROOM",
         "FOURBEDROOM", "VILLA", "HOLIDAYHOUSE", "JUNIORSUITE", "DUPLEX"]

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import BIN, HOTELS, RESULTS, Fail, check, run_test, summary  # noqa: E402,F401
from islatest import Server as LibServer  # noqa: E402


class Server(LibServer):
    """The differential checks read hundreds of answers: one kept-alive
    connection, and answers as (status, headers, parsed JSON)."""

    def request(self, method, path, headers=None, body=None, timeout=10):
        return self.keepalive(method, path)

    def get_json(self, path):
        status, headers, body = self.request("GET", path)
        try:
            return status, headers, json.loads(body)
        except ValueError:
            raise Fail(f"{path}: body is not JSON: {body[:200]!r}")

    def wait(self, want_status, timeout=30):
        self.wait_health(want_status, timeout)


def load_oracle(csv_path):
    """offers (distinct rows of the dump) and hotels in an in-memory SQLite."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE raw (hotel INT, outdep TEXT, indep TEXT, adults INT, children INT, price INT,"
               " airport TEXT, meal TEXT, ocean TEXT, room TEXT, other TEXT)")
    with open(csv_path, newline="") as f:
        r = csv.DictReader(f)
        known = {"hotelid", "outbounddeparturedatetime", "inbounddeparturedatetime", "countadults",
                 "countchildren", "price", "outbounddepartureairport", "mealtype", "oceanview", "roomtype"}
        rest = [c for c in r.fieldnames if c not in known]
        rows = ((int(x["hotelid"]), x["outbounddeparturedatetime"], x["inbounddeparturedatetime"],
                 int(x["countadults"]), int(x["countchildren"]), int(x["price"]),
                 x["outbounddepartureairport"], x["mealtype"], x["oceanview"], x["roomtype"],
                 "|".join(x[c] for c in rest)) for x in r)
        db.executemany("INSERT INTO raw VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    # Exact duplicates are one offer; dates are the date part as written.
    db.execute("CREATE TABLE offers AS SELECT hotel, substr(outdep, 1, 10) AS dep,"
               " CAST(julianday(substr(indep, 1, 10)) - julianday(substr(outdep, 1, 10)) AS INT) AS nights,"
               " substr(indep, 1, 10) AS ret, adults, children, price, airport, meal,"
               " ocean = 'true' AS ocean, room FROM (SELECT DISTINCT * FROM raw)")
    db.execute("DROP TABLE raw")
    db.execute("CREATE INDEX offers_group ON offers (adults, children, nights, hotel)")
    db.execute("CREATE TABLE hotels (id INT PRIMARY KEY, stars REAL)")
    with open(HOTELS, encoding="utf-8", newline="") as f:
        lines = f.read().splitlines()[1:]
    db.executemany("INSERT OR REPLACE INTO hotels VALUES (?, ?)",
                   ((int(l.split(";")[0]), float(l.split(";")[-1] or 0)) for l in lines if l.strip()))
    return db


def oracle_calendar(db, s):
    where = ["adults = ?", "children = ?", "nights = ?"]
    args = [s["countAdults"], s["countChildren"], s["duration"]]
    if "earliest" in s:
        where.append("dep >= ?")
        args.append(s["earliest"])
    if "latest" in s:
        where.append("ret <= ?")
        args.append(s["latest"])
    for col, key in (("airport", "airports"), ("meal", "meals"), ("room", "rooms")):
        if s.get(key):
            where.append(f"{col} IN ({','.join('?' * len(s[key]))})")
            args += s[key]
    if "oceanView" in s:
        where.append("ocean = ?")
        args.append(1 if s["oceanView"] else 0)
    if "maxPrice" in s:
        where.append("price <= ?")
        args.append(s["maxPrice"])
    if s.get("minStars"):
        where.append("COALESCE((SELECT stars FROM hotels WHERE id = offers.hotel), 0) >= ?")
        args.append(s["minStars"])
    if "hotelId" in s:
        where.append("hotel = ?")
        args.append(s["hotelId"])
    sql = f"SELECT dep, MIN(price), COUNT(*) FROM offers WHERE {' AND '.join(where)} GROUP BY dep ORDER BY dep"
    return [{"date": d, "minPrice": p, "offers": n} for d, p, n in db.execute(sql, args)]


# ---- searches -----------------------------------------------------------------

def iso(d):
    return d.isoformat()


def random_search(rng, db, airports, hotel_ids):
    s = {"countAdults": rng.choice([2, 2, 2, 2, 1, 1, 3, 4, 5]),
         "countChildren": rng.choice([0, 0, 0, 1, 2, 3]),
         "duration": rng.choice([7, 7, 7, 14, 3, 4, 5, 6, 10, 11, 21])}
    dates = rng.random()
    start = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 330))
    if dates < 0.45:
        pass  # the calendar's usual form: the whole season
    elif dates < 0.85:
        s["earliest"] = iso(start)
        s["latest"] = iso(start + timedelta(days=rng.randrange(0, 120)))
    elif dates < 0.93:
        s["earliest"] = iso(start)
    else:
        s["latest"] = iso(start)
    r = rng.random()
    if r < 0.5:
        s["airports"] = rng.sample(airports, rng.randrange(1, 5))
    if rng.random() < 0.25:
        s["meals"] = rng.sample(MEALS[:7], rng.randrange(1, 3))
    if rng.random() < 0.2:
        s["rooms"] = rng.sample(ROOMS[:8], rng.randrange(1, 3))
    if rng.random() < 0.2:
        s["oceanView"] = rng.random() < 0.5
    if rng.random() < 0.2:
        s["minStars"] = rng.choice([0, 2, 3, 3.5, 4, 4.5, 5])
    if rng.random() < 0.2:
        s["maxPrice"] = rng.choice([400, 800, 1200, 2000, 5000])
    if rng.random() < 0.35:
        # mostly hotels that have offers in this group, some that have none
        row = db.execute("SELECT hotel FROM offers WHERE adults = ? AND children = ? AND nights = ?"
                         " ORDER BY random() LIMIT 1",
                         (s["countAdults"], s["countChildren"], s["duration"])).fetchone()
        s["hotelId"] = row[0] if row and rng.random() < 0.85 else rng.choice(hotel_ids)
    return s


def to_query(s, rng):
    q = [("duration", s["duration"]), ("countAdults", s["countAdults"]), ("countChildren", s["countChildren"])]
    if "earliest" in s:
        if rng.random() < 0.2:
            # the official frontend's form: local midnight in UTC, the day before at 22:00
            d = date.fromisoformat(s["earliest"]) - timedelta(days=1)
            q.append(("earliestDepartureDate", d.isoformat() + "T22:00:00.000Z"))
        else:
            q.append(("earliestDepartureDate", s["earliest"]))
    if "latest" in s:
        q.append(("latestReturnDate", s["latest"]))
    airports = s.get("airports", [])
    form = rng.random()
    if airports and form < 0.3:
        q.append(("departureAirports", ",".join(a.lower() for a in airports)))
    else:
        q += [("departureAirports[]" if form > 0.8 else "departureAirports", a) for a in airports]
    q += [("mealType", m) for m in s.get("meals", [])]
    q += [("roomType", m) for m in s.get("rooms", [])]
    if "oceanView" in s:
        q.append(("oceanView", "true" if s["oceanView"] else "false"))
    for k in ("minStars", "maxPrice", "hotelId"):
        if k in s:
            q.append((k, s[k]))
    rng.shuffle(q)
    return urllib.parse.urlencode(q)


# ---- tests --------------------------------------------------------------------

BASE = "duration=7&countAdults=2&countChildren=0"


def t_shape(srv):
    status, h, body = srv.get_json("/api/priceCalendar?" + BASE)
    check(status == 200, f"status {status}: {body}")
    check(h.get("content-type", "").startswith("application/json"), f"content-type {h.get('content-type')}")
    check(set(body) == {"hotel", "days"}, f"keys {sorted(body)}")
    check(body["hotel"] is None, f"hotel {body['hotel']!r} without hotelId")
    days = body["days"]
    check(len(days) > 100, f"only {len(days)} days for the most common search")
    prev = ""
    for d in days:
        check(set(d) == {"date", "minPrice", "offers"}, f"day keys {sorted(d)}")
        date.fromisoformat(d["date"])
        check(d["date"] > prev, f"days not ascending at {d['date']}")
        check(isinstance(d["minPrice"], int) and d["minPrice"] >= 0, f"minPrice {d['minPrice']!r}")
        check(isinstance(d["offers"], int) and d["offers"] >= 1, f"offers {d['offers']!r}")
        prev = d["date"]
    # one hotel: the hotel object is there, like /api/hotels/{id}
    hid = None
    status, _, best = srv.get_json("/api/bestOffersByHotel?" + BASE +
                                   "&earliestDepartureDate=2023-01-01&latestReturnDate=2023-12-31&limit=1")
    check(status == 200 and best, f"bestOffersByHotel: {status} {best}")
    hid = best[0]["hotel"]["id"]
    status, _, body = srv.get_json(f"/api/priceCalendar?{BASE}&hotelId={hid}")
    check(status == 200, f"status {status}")
    check(body["hotel"] == best[0]["hotel"], f"hotel {body['hotel']} != {best[0]['hotel']}")
    check(body["days"], "no days for a hotel that has offers")
    # HEAD: same length, no body
    status, h, raw = srv.request("HEAD", f"/api/priceCalendar?{BASE}&hotelId={hid}")
    check(status == 200 and raw == b"", f"HEAD: {status} {raw[:50]!r}")


def t_bad_input(srv):
    cases = [
        ("duration=7", 400, "countAdults"),
        ("duration=7&countAdults=2&destination=Atlantis", 400, "destination"),
        ("duration=x&countAdults=2", 400, "duration"),
        ("duration=366&countAdults=2", 400, "duration"),
        ("duration=7&countAdults=-1", 400, "countAdults"),
        ("duration=7&countAdults=2&countChildren=1.5", 400, "countChildren"),
        ("duration=7&duration=8&countAdults=2", 400, "duration"),
        (BASE + "&earliestDepartureDate=2023-02-30", 400, "earliestDepartureDate"),
        (BASE + "&latestReturnDate=tomorrow", 400, "latestReturnDate"),
        (BASE + "&earliestDepartureDate=2023-08-01&latestReturnDate=2023-07-01", 400, "latestReturnDate"),
        (BASE + "&departureAirports=M%21C", 400, "departureAirports"),
        (BASE + "&mealType=SPAGHETTI", 400, "mealType"),
        (BASE + "&roomType=CASTLE", 400, "roomType"),
        (BASE + "&oceanView=maybe", 400, "oceanView"),
        (BASE + "&minStars=6", 400, "minStars"),
        (BASE + "&maxPrice=-5", 400, "maxPrice"),
        (BASE + "&hotelId=abc", 400, "hotelId"),
        (BASE + "&hotelId=1&hotelId=2", 400, "hotelId"),
        (BASE + "&hotelId=99999999999", 400, "hotelId"),
        (BASE + "&hotelId=4000000000", 404, "hotelId"),
        (BASE + "&limit=10", 400, "limit"),
        (BASE + "&sort=price", 400, "sort"),
        (BASE + "&offset=5", 400, "offset"),
        (BASE + "&cursor=abc", 400, "cursor"),
        (BASE + "&color=blue", 400, "color"),
        (BASE + "&earliestDepartureDate=%zz", 400, "earliestDepartureDate"),
    ]
    for qs, want, param in cases:
        status, _, body = srv.get_json("/api/priceCalendar?" + qs)
        check(status == want, f"{qs}: status {status}, want {want}: {body}")
        err = body.get("error") if isinstance(body, dict) else None
        check(isinstance(err, dict) and err.get("param") == param,
              f"{qs}: error {body} does not name {param}")
        check(isinstance(err.get("message"), str) and len(err["message"]) > 10, f"{qs}: message {err}")
        check(isinstance(err.get("code"), str) and err["code"], f"{qs}: code {err}")
    # hotelId is the calendar's own: the other endpoints refuse it
    status, _, body = srv.get_json("/api/bestOffersByHotel?" + BASE +
                                   "&earliestDepartureDate=2023-01-01&latestReturnDate=2023-12-31&hotelId=1")
    check(status == 400 and body["error"]["param"] == "hotelId", f"bestOffersByHotel with hotelId: {status} {body}")
    # other methods
    status, h, _ = srv.request("POST", "/api/priceCalendar?" + BASE)
    check(status == 405, f"POST: {status}")
    check("GET" in h.get("allow", ""), f"Allow {h.get('allow')!r}")
    # the endpoint lives under /api only
    status, _, _ = srv.request("GET", "/priceCalendar?" + BASE)
    check(status == 404, f"/priceCalendar at the root: {status}")


def t_empty(srv):
    for qs in ("duration=7&countAdults=200", BASE + "&departureAirports=XXX",
               BASE + "&earliestDepartureDate=2030-01-01", BASE + "&maxPrice=0"):
        status, _, body = srv.get_json("/api/priceCalendar?" + qs)
        check(status == 200, f"{qs}: status {status}")
        check(body == {"hotel": None, "days": []}, f"{qs}: {str(body)[:200]}")


def t_differential(srv, db):
    rng = random.Random(20230701)
    airports = [a for (a,) in db.execute("SELECT DISTINCT airport FROM offers ORDER BY airport")]
    hotel_ids = [h for (h,) in db.execute("SELECT DISTINCT hotel FROM offers ORDER BY hotel")]
    nonempty = 0
    hotel_searches = 0
    for n in range(SEARCHES):
        s = random_search(rng, db, airports, hotel_ids)
        qs = to_query(s, rng)
        status, _, body = srv.get_json("/api/priceCalendar?" + qs)
        check(status == 200, f"search {n} ({qs}): status {status}: {body}")
        want = oracle_calendar(db, s)
        got = body["days"]
        if got != want:
            gd = {d["date"]: d for d in got}
            wd = {d["date"]: d for d in want}
            diff = [(k, gd.get(k), wd.get(k)) for k in sorted(set(gd) | set(wd)) if gd.get(k) != wd.get(k)]
            raise Fail(f"search {n} ({qs}): {len(diff)} days differ, first: {diff[:3]}")
        if "hotelId" in s:
            hotel_searches += 1
            check(body["hotel"] is not None and body["hotel"]["id"] == s["hotelId"],
                  f"search {n}: hotel {body['hotel']}")
        nonempty += bool(got)
    # the test means nothing if the searches match nothing
    check(nonempty >= SEARCHES // 3, f"only {nonempty} of {SEARCHES} searches matched anything")
    check(hotel_searches >= SEARCHES // 5, f"only {hotel_searches} one-hotel searches")
    print(f"    {SEARCHES} searches, {nonempty} with days, {hotel_searches} for one hotel", flush=True)


def t_big_runs(srv, db):
    """Searches without offer-level filters over the groups whose hotels have
    many offers: these read the store's per-run day index instead of the
    offers, and must agree with the oracle too."""
    rng = random.Random(99)
    groups = db.execute("SELECT adults, children, nights, COUNT(*) AS n FROM offers"
                        " GROUP BY adults, children, nights ORDER BY n DESC LIMIT 3").fetchall()
    checked = 0
    for adults, children, nights_, _ in groups:
        big = [h for (h,) in db.execute(
            "SELECT hotel FROM offers WHERE adults = ? AND children = ? AND nights = ?"
            " GROUP BY hotel HAVING COUNT(*) >= 32 ORDER BY COUNT(*) DESC LIMIT 12", (adults, children, nights_))]
        for n in range(30):
            s = {"countAdults": adults, "countChildren": children, "duration": nights_}
            if n % 3:
                start = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 330))
                s["earliest"] = iso(start)
                s["latest"] = iso(start + timedelta(days=rng.randrange(nights_, 150)))
            if n % 2 and big:
                s["hotelId"] = rng.choice(big)
            if n % 5 == 4:
                s["minStars"] = rng.choice([3, 4])
            qs = to_query(s, rng)
            status, _, body = srv.get_json("/api/priceCalendar?" + qs)
            check(status == 200, f"{qs}: status {status}")
            check(body["days"] == oracle_calendar(db, s), f"{qs}: days differ from the oracle")
            checked += 1
    check(checked >= 60, f"only {checked} searches")


def t_consistent_with_best_offers(srv):
    rng = random.Random(7)
    for n in range(60):
        start = date(2023, 3, 1) + timedelta(days=rng.randrange(0, 200))
        qs = (f"duration={rng.choice([7, 7, 14, 5])}&countAdults={rng.choice([2, 2, 1, 3])}&countChildren=0"
              f"&earliestDepartureDate={start}&latestReturnDate={start + timedelta(days=rng.randrange(10, 90))}")
        if rng.random() < 0.5:
            qs += "&departureAirports=" + ",".join(rng.sample(["MUC", "FRA", "DUS", "HAM", "STR", "CGN"], 2))
        status, _, cal = srv.get_json("/api/priceCalendar?" + qs)
        check(status == 200, f"calendar {qs}: {status}")
        status, _, best = srv.get_json("/api/bestOffersByHotel?" + qs)
        check(status == 200, f"bestOffersByHotel {qs}: {status}")
        total = sum(d["offers"] for d in cal["days"])
        check(total == sum(b["countAvailableOffers"] for b in best),
              f"{qs}: calendar counts {total} offers, bestOffersByHotel "
              f"{sum(b['countAvailableOffers'] for b in best)}")
        if best:
            check(min(d["minPrice"] for d in cal["days"]) == best[0]["minPrice"],
                  f"{qs}: cheapest day != cheapest hotel")
            # the cheapest hotel's cheapest offer departs on a day whose minimum is that price
            day = {d["date"]: d for d in cal["days"]}.get(best[0]["departureDate"])
            check(day is not None and day["minPrice"] == best[0]["minPrice"],
                  f"{qs}: day {best[0]['departureDate']} is {day}, best offer {best[0]['minPrice']}")
            # and one hotel's calendar adds up to its countAvailableOffers
            b = rng.choice(best)
            status, _, one = srv.get_json(f"/api/priceCalendar?{qs}&hotelId={b['hotel']['id']}")
            check(sum(d["offers"] for d in one["days"]) == b["countAvailableOffers"],
                  f"{qs}: hotel {b['hotel']['id']} calendar != countAvailableOffers {b['countAvailableOffers']}")
            check(min(d["minPrice"] for d in one["days"]) == b["minPrice"], f"{qs}: hotel minPrice")


def t_not_ready(tmp):
    srv = Server(Path(tmp) / "empty")
    try:
        srv.wait(503)
        status, _, body = srv.get_json("/api/priceCalendar?" + BASE)
        check(status == 503 and body["error"]["code"] == "not_ready", f"{status} {body}")
    finally:
        srv.stop()


def setup(tmp):
    """Generates and imports the dump, loads the oracle; returns (data dir, db)."""
    dump = Path(tmp) / "offers.csv"
    data = Path(tmp) / "data"
    with open(dump, "wb") as f:
        gen = subprocess.run([BIN, "gen", "--offers", str(OFFERS), "--seed", str(SEED), "--hotels", HOTELS],
                             stdout=f, stderr=subprocess.PIPE)
    check(gen.returncode == 0, f"isla gen failed: {gen.stderr.decode(errors='replace')[-300:]}")
    imp = subprocess.run([BIN, "import", "--offers", str(dump), "--hotels", HOTELS, "--data", str(data), "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(imp.returncode == 0, f"isla import failed: {imp.stderr.decode(errors='replace')[-300:]}")
    return data, load_oracle(dump)


def main():
    with tempfile.TemporaryDirectory(prefix="isla-calendar-") as tmp:
        ready = []
        run_test("calendar_setup", lambda: ready.append(setup(tmp)))
        if ready:
            data, db = ready[0]
            srv = Server(data)
            try:
                run_test("calendar_server_ready", srv.wait, 200)
                run_test("calendar_shape", t_shape, srv)
                run_test("calendar_bad_input", t_bad_input, srv)
                run_test("calendar_empty", t_empty, srv)
                run_test("calendar_differential_sqlite", t_differential, srv, db)
                run_test("calendar_day_index_runs", t_big_runs, srv, db)
                run_test("calendar_consistent_with_best_offers", t_consistent_with_best_offers, srv)
            finally:
                srv.stop()
        run_test("calendar_not_ready", t_not_ready, tmp)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
