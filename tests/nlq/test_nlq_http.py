#!/usr/bin/env python3
"""HTTP tests of the search in words: GET /api/search, GET /api/parse and
q= on /bestOffersByHotel, against the real server on a generated dump.

1. /api/parse answers how a sentence was understood: the API's parameter
   names and types, the words it could not place, the structured query.
2. /api/search answers exactly the results of that structured search
   (compared with /api/bestOffersByHotel?<query>), narrowed to named hotels.
3. q on /bestOffersByHotel: explicit parameters win over the sentence.
4. Both go through the result cache (hits counted) and carry ETags (304).
5. Bad input: no q, empty q, 10 KB, binary bytes, NULs, malformed escapes,
   q twice, other languages, other parameters on /api/parse, other methods:
   a 400 naming q (or the parameter), or a 200 with everything unrecognized.

Python 3 standard library only. ISLA_BIN overrides the binary.
Prints one line per test and "N passed, M failed" last.
"""
import json
import random
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from islatest import Fail, Server, check, import_data, run_test, summary  # noqa: E402

SENTENCE = "zwei Erwachsene, eine Woche im Juli ab München oder Stuttgart, Halbpension, Pool"


def q(text):
    return urllib.parse.quote(text, safe="")


def get(srv, path):
    status, headers, body = srv.keepalive("GET", path)
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        raise Fail(f"{path}: not JSON: {body[:200]!r}")
    return status, headers, doc


def ok(srv, path):
    status, headers, doc = get(srv, path)
    check(status == 200, f"GET {path}: {status} {doc}")
    return headers, doc


def test_parse(srv):
    _, doc = ok(srv, "/api/parse?q=" + q(SENTENCE))
    want = {"countAdults": 2, "duration": 7, "earliestDepartureDate": "2023-07-01",
            "latestReturnDate": "2023-07-31", "departureAirports": ["STR", "MUC"],
            "mealType": ["HALFBOARD", "HALFBOARDPLUS"]}
    check(doc["interpreted"] == want, f"interpreted {doc['interpreted']}")
    check(doc["unrecognized"] == ["Pool"], f"unrecognized {doc['unrecognized']}")
    check(doc["assumed"] == {"countChildren": 0}, f"assumed {doc['assumed']}")
    check("results" not in doc, "parse must not search")
    for k in ("countAdults=2", "duration=7", "earliestDepartureDate=2023-07-01", "departureAirports=STR,MUC"):
        check(k in doc["query"], f"{k} not in query {doc['query']}")
    # the bare path is not a route: /api/ only
    status, _, _ = get(srv, "/parse?q=x")
    check(status == 404, f"/parse: {status}")


def test_search_equals_structured(srv):
    sentences = [SENTENCE, "Familie mit 2 Kindern, 2 Wochen im August ab NRW, all inclusive",
                 "allein, 5 Nächte, Anfang Juni, Frühstück, unter 600 Euro",
                 "7 Nächte ab Hamburg, 4 Sterne, Meerblick", "Mallorca im Mai zu zweit", "Pfingsten ab Köln"]
    for s in sentences:
        h, doc = ok(srv, "/api/search?q=" + q(s))
        check(isinstance(doc["results"], list), "results is a list")
        hb, base = ok(srv, "/api/bestOffersByHotel?" + doc["query"])
        check(doc["results"] == base, f"{s!r}: search results differ from bestOffersByHotel?{doc['query']}")
        check(doc["total"] == len(base) == int(h["x-total-count"]), f"{s!r}: total {doc['total']} vs {len(base)}")
    # at least one of them must find something, or the comparison proves little
    _, doc = ok(srv, "/api/search?q=" + q("eine Woche im Juli"))
    check(len(doc["results"]) > 0, "a week in July finds hotels")
    # paging and sorting parameters beside q
    _, page = ok(srv, "/api/search?q=" + q("eine Woche im Juli") + "&limit=3&sort=stars")
    check(len(page["results"]) == 3, "limit=3")
    _, base = ok(srv, "/api/bestOffersByHotel?" + page["query"])
    check(page["results"] == base, "limit and sort are applied like bestOffersByHotel's")


def test_hotel_names_narrow(srv):
    _, doc = ok(srv, "/api/search?q=" + q("Iberostar eine Woche im Juli"))
    hotels = doc["interpreted"].get("hotels", [])
    ids = {h["id"] for h in hotels}
    check(len(ids) > 1 and all("Iberostar" in h["name"] for h in hotels), f"hotels {hotels}")
    _, base = ok(srv, "/api/bestOffersByHotel?" + doc["query"])
    want = [r for r in base if r["hotel"]["id"] in ids]
    check(doc["results"] == want, "results are the structured search's, narrowed to the named hotels")
    check(doc["total"] == len(want), "total counts the narrowed results")


def test_q_on_best_offers(srv):
    _, doc = ok(srv, "/api/parse?q=" + q(SENTENCE))
    _, with_q = ok(srv, "/bestOffersByHotel?q=" + q(SENTENCE))
    _, base = ok(srv, "/bestOffersByHotel?" + doc["query"])
    check(with_q == base, "q on bestOffersByHotel answers the structured search")
    # explicit parameters win over the sentence
    _, one = ok(srv, "/bestOffersByHotel?q=" + q(SENTENCE) + "&countAdults=1&duration=14")
    structured = doc["query"].replace("countAdults=2", "countAdults=1").replace("duration=7", "duration=14")
    _, base1 = ok(srv, "/bestOffersByHotel?" + structured)
    check(one == base1, "countAdults=1 and duration=14 beside q win")
    check(all(r["countAdults"] == 1 and r["duration"] == 14 for r in one), "explicit values in the results")
    # without q, bestOffersByHotel is unchanged: still needs its parameters
    status, _, err = get(srv, "/bestOffersByHotel?countAdults=2")
    check(status == 400 and err["error"]["param"] == "earliestDepartureDate", f"{status} {err}")


def test_cached(srv):
    path = "/api/search?q=" + q("zu zweit im September ab Frankfurt")
    before = srv.metric("isla_cache_hits_total")
    h1, d1 = ok(srv, path)
    h2, d2 = ok(srv, path)
    check(d1 == d2, "same answer twice")
    check(srv.metric("isla_cache_hits_total") > before, "the second search is a cache hit")
    check("etag" in h1, "an ETag")
    c = srv.conn()
    c.request("GET", path, headers={"If-None-Match": h1["etag"]})
    r = c.getresponse()
    r.read()
    c.close()
    check(r.status == 304, f"If-None-Match: {r.status}")
    # the parse is cached too, and a different sentence is a different entry
    ok(srv, "/api/parse?q=" + q("Juli"))
    before = srv.metric("isla_cache_hits_total")
    _, a = ok(srv, "/api/parse?q=" + q("Juli"))
    _, b = ok(srv, "/api/parse?q=" + q("Juli Pool"))
    check(srv.metric("isla_cache_hits_total") == before + 1, "one hit, one miss")
    check(a["unrecognized"] == [] and b["unrecognized"] == ["Pool"], "each sentence its own answer")


def expect_400(srv, path, param):
    status, _, doc = get(srv, path)
    check(status == 400, f"{path[:80]}: {status} {str(doc)[:200]}")
    check(doc["error"]["param"] == param, f"{path[:80]}: param {doc['error']}")


def test_bad_input(srv):
    for p in ("/api/search", "/api/parse", "/api/search?limit=2", "/api/parse?_=1"):
        expect_400(srv, p, "q")
    for p in ("/api/search?q=", "/api/parse?q=+++", "/api/parse?q=%20%09"):
        expect_400(srv, p, "q")
    expect_400(srv, "/api/parse?q=" + "a" * 2000, "q")
    status, _, doc = get(srv, "/api/parse?q=" + "a" * 10240)  # 10 KB: the HTTP layer's limit first
    check(status == 414 and doc["error"]["code"] == "uri_too_long", f"10 KB: {status} {doc}")
    expect_400(srv, "/api/parse?q=" + "%C3%A4" * 600, "q")  # 1200 bytes decoded
    expect_400(srv, "/api/parse?q=Juli&q=August", "q")
    expect_400(srv, "/api/parse?q=%ZZ", "q")
    expect_400(srv, "/api/parse?q=Juli&countAdults=2", "countAdults")
    expect_400(srv, "/api/search?q=Juli&countAdults=zwei", "countAdults")
    expect_400(srv, "/api/search?q=Juli&bogus=1", "bogus")
    # a sentence that contradicts itself is the structured search's 400
    expect_400(srv, "/api/search?q=" + q("ab 20. Juli bis 3. Juli"), "latestReturnDate")
    status, _, _ = srv.request("POST", "/api/search?q=Juli")
    check(status == 405, f"POST: {status}")
    # other languages and junk: everything unrecognized, nothing interpreted
    for text, words in (("quiero ir de vacaciones", ["quiero", "ir", "de", "vacaciones"]),
                        ("Мы хотим в отпуск", ["Мы", "хотим", "в", "отпуск"]),
                        ("asdfghjkl qwertz", ["asdfghjkl", "qwertz"])):
        _, doc = ok(srv, "/api/search?q=" + q(text))
        check(doc["interpreted"] == {}, f"{text}: interpreted {doc['interpreted']}")
        check(doc["unrecognized"] == words, f"{text}: unrecognized {doc['unrecognized']}")
    # binary: any bytes, NULs, invalid UTF-8 - a 200 with valid JSON or a 400 naming q
    rnd = random.Random(15)
    for _ in range(200):
        raw = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300)))
        status, _, doc = get(srv, "/api/parse?q=" + urllib.parse.quote_from_bytes(raw, safe=""))
        check(status in (200, 400), f"binary: status {status}")
        if status == 400:
            check(doc["error"]["param"] == "q", f"binary: {doc}")
        else:
            for w in doc["unrecognized"]:
                check(isinstance(w, str) and w, f"binary: unrecognized {w!r}")
    # the server is still well
    status, _, _ = get(srv, "/api/health")
    check(status == 200, "healthy after bad input")


def main():
    with tempfile.TemporaryDirectory(prefix="isla-nlq-") as tmp:
        data = Path(tmp) / "data"
        import_data(data, seed=15, offers=60000)
        srv = Server(data, args=["--threads", "1"])
        try:
            srv.wait_health()
            run_test("parse", test_parse, srv)
            run_test("search equals the structured search", test_search_equals_structured, srv)
            run_test("hotel names narrow the results", test_hotel_names_narrow, srv)
            run_test("q on bestOffersByHotel, explicit parameters win", test_q_on_best_offers, srv)
            run_test("search and parse are cached", test_cached, srv)
            run_test("bad input", test_bad_input, srv)
        finally:
            srv.stop()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
