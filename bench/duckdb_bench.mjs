// DuckDB side of bench/run.sh: the same offers, the same searches, timed.
//
//   node duckdb_bench.mjs load  --db FILE --csv PATH --hotels hotels.csv [--memory-limit 8GB] [--tmp DIR]
//   node duckdb_bench.mjs query --db FILE --mix mix.tsv --out RESULT.json --digest FILE [--threads 1,0]
//
// load: reads the offer CSV (a file or a named pipe fed by `isla gen`) into
// a table with the derived columns of PRODUCT.md's search semantics
// (departure_date, return_date, nights), keeping DISTINCT rows only, as
// isla does. The table is stored ordered by (adults, children, nights,
// departure_date, airport) so DuckDB's zone maps can skip row groups: the
// most favourable layout we know for these searches.
//
// query: runs every line of the emitted mix (`class<TAB>/path?query`) as
// one SQL statement (no `duration`: any length of stay; `destination`: the
// outbound arrival airport), per thread setting (1 = `SET threads=1`, 0 = DuckDB's
// default), and reports p50/p90/p99 per class. Timing covers the statement
// from submission until DuckDB has materialised the whole result (not the
// conversion to JavaScript values). Literal SQL is used (not prepared
// statements), as the IN-lists vary in length; planning is part of the time.
// The digest file gets one line per search, in mix order, for the
// correctness check against isla (bench/verify.py).
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';

function args(argv) {
  const o = { _: argv[0] };
  for (let i = 1; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
  return o;
}
const a = args(process.argv.slice(2));
const sqlStr = (s) => "'" + String(s).replace(/'/g, "''") + "'";

async function load() {
  const inst = await DuckDBInstance.create(a.db);
  const c = await inst.connect();
  if (a['memory-limit']) await c.run(`SET memory_limit=${sqlStr(a['memory-limit'])}`);
  if (a.tmp) await c.run(`SET temp_directory=${sqlStr(a.tmp)}`);
  await c.run('SET preserve_insertion_order=false');
  const t0 = performance.now();
  await c.run(`CREATE OR REPLACE TABLE hotels AS
      SELECT CAST(hotelid AS INTEGER) AS hotelid, rtrim(hotelname) AS hotelname, CAST(hotelstars AS DOUBLE) AS hotelstars
      FROM read_csv(${sqlStr(a.hotels)}, delim=';', header=true, all_varchar=true)`);
  // Datetimes stay wall-clock: the date is the text's date part, no time
  // zone conversion (the offset is dropped before casting).
  const ts = (col) => `CAST(substr(${col}, 1, 19) AS TIMESTAMP)`;
  await c.run(`CREATE OR REPLACE TABLE offers AS
    WITH raw AS (SELECT DISTINCT * FROM read_csv(${sqlStr(a.csv)}, header=true, all_varchar=true)),
    typed AS (
      SELECT CAST(hotelid AS INTEGER) AS hotelid,
             ${ts('outbounddeparturedatetime')} AS outbounddeparturedatetime,
             ${ts('inbounddeparturedatetime')} AS inbounddeparturedatetime,
             CAST(countadults AS UTINYINT) AS countadults,
             CAST(countchildren AS UTINYINT) AS countchildren,
             CAST(price AS INTEGER) AS price,
             inbounddepartureairport, outboundarrivalairport,
             ${ts('inboundarrivaldatetime')} AS inboundarrivaldatetime,
             outbounddepartureairport, inboundarrivalairport,
             ${ts('outboundarrivaldatetime')} AS outboundarrivaldatetime,
             mealtype, lower(oceanview) = 'true' AS oceanview, roomtype,
             CAST(substr(outbounddeparturedatetime, 1, 10) AS DATE) AS departure_date,
             CAST(substr(inbounddeparturedatetime, 1, 10) AS DATE) AS return_date
      FROM raw)
    SELECT *, CAST(return_date - departure_date AS SMALLINT) AS nights FROM typed
    ORDER BY countadults, countchildren, nights, departure_date, outbounddepartureairport`);
  const secs = (performance.now() - t0) / 1000;
  await c.run('CHECKPOINT');
  const n = (await c.runAndReadAll('SELECT count(*) FROM offers')).getRows()[0][0];
  console.log(JSON.stringify({ rows: Number(n), load_seconds: secs }));
}

// One mix line -> { cls, kind, sql }
function toSql(line) {
  const [cls, target] = line.split('\t');
  const [path, qs] = target.split('?');
  const p = new URLSearchParams(qs);
  const E = p.get('earliestDepartureDate'), L = p.get('latestReturnDate');
  const ad = Number(p.get('countAdults')), ch = Number(p.get('countChildren'));
  for (const v of [E, L]) if (!/^\d{4}-\d\d-\d\d$/.test(v)) throw new Error('bad date ' + v);
  const w = [`countadults=${ad}`, `countchildren=${ch}`, `departure_date>=DATE '${E}'`, `return_date<=DATE '${L}'`];
  if (p.has('duration')) {
    const d = Number(p.get('duration'));
    // the last is implied by nights = return - departure; lets zone maps prune
    w.push(`nights=${d}`, `departure_date<=DATE '${L}' - INTERVAL ${d} DAY`);
  } else {
    // any length of stay (class no-duration): implied by return >= departure
    w.push(`departure_date<=DATE '${L}'`);
  }
  const list = (k) => p.getAll(k).flatMap((x) => x.split(',')).map((x) => x.trim().toUpperCase()).filter(Boolean);
  const inList = (col, k) => {
    const v = list(k);
    if (v.length) {
      for (const x of v) if (!/^[A-Z0-9_]+$/.test(x)) throw new Error('bad code ' + x);
      w.push(`${col} IN (${v.map(sqlStr).join(',')})`);
    }
  };
  inList('outbounddepartureairport', 'departureAirports');
  inList('outboundarrivalairport', 'destination'); // an offer's destination (codes only: the mix emits codes)
  inList('mealtype', 'mealType');
  inList('roomtype', 'roomType');
  if (p.has('oceanView')) w.push(`oceanview=${p.get('oceanView') === 'true'}`);
  if (p.has('maxPrice')) w.push(`price<=${Number(p.get('maxPrice'))}`);
  if (p.has('minStars')) w.push(`hotelid IN (SELECT hotelid FROM hotels WHERE hotelstars>=${Number(p.get('minStars'))})`);
  const m = path.match(/^\/hotels\/(\d+)\/offers$/);
  if (m) {
    const limit = Number(p.get('limit') || 100);
    return { cls, kind: 'hotel', sql:
      `SELECT price, countadults, countchildren, inbounddepartureairport, inbounddeparturedatetime,
              inboundarrivalairport, inboundarrivaldatetime, outbounddepartureairport,
              outbounddeparturedatetime, outboundarrivalairport, outboundarrivaldatetime,
              mealtype, oceanview, roomtype
       FROM offers WHERE hotelid=${Number(m[1])} AND ${w.join(' AND ')}
       ORDER BY price, outbounddeparturedatetime LIMIT ${limit}` };
  }
  return { cls, kind: 'best', sql:
    `SELECT b.hotelid, h.hotelname, coalesce(h.hotelstars, 0) AS stars, b.min_price, b.n, b.best
     FROM (SELECT hotelid, min(price) AS min_price, count(*) AS n,
                  arg_min(struct_pack(departure_date, return_date, roomtype, mealtype, oceanview), price) AS best
           FROM offers WHERE ${w.join(' AND ')} GROUP BY hotelid) b
     LEFT JOIN hotels h ON h.hotelid = b.hotelid
     ORDER BY b.min_price, b.hotelid` };
}

const pct = (t, q) => t[Math.min(t.length - 1, Math.floor(t.length * q))];
const fmtTs = (v) => String(v).replace(' ', 'T');

async function query() {
  const lines = fs.readFileSync(a.mix, 'utf8').split('\n').filter(Boolean);
  const qs = lines.map(toSql);
  const inst = await DuckDBInstance.create(a.db, { access_mode: 'READ_ONLY' });
  const c = await inst.connect();
  const modes = (a.threads || '1,0').split(',').map(Number);
  const out = { searches: qs.length, modes: {} };
  let digest = null;
  for (const mode of modes) {
    if (mode > 0) await c.run(`SET threads=${mode}`);
    else await c.run('RESET threads');
    const threads = Number((await c.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0]);
    // warm-up: a slice of the mix, untimed (loads the columns into the buffer pool)
    for (let i = 0; i < qs.length; i += 10) await c.runAndReadAll(qs[i].sql);
    const times = {};
    const dig = [];
    for (const q of qs) {
      const t0 = process.hrtime.bigint();
      const r = await c.runAndReadAll(q.sql);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      (times[q.cls] ||= []).push(us);
      if (digest === null) {
        const rows = r.getRows();
        if (q.kind === 'best') {
          rows.sort((x, y) => x[0] - y[0]);
          dig.push(q.cls + '\t' + rows.map((x) => `${x[0]}:${x[3]}:${x[4]}`).join(','));
        } else {
          dig.push(q.cls + '\t' + rows.map((x) => `${x[0]}@${fmtTs(x[8])}`).join(','));
        }
      }
    }
    if (digest === null) digest = dig;
    const res = {};
    for (const [cls, t] of Object.entries(times)) {
      t.sort((x, y) => x - y);
      res[cls] = { n: t.length, p50_us: pct(t, 0.5), p90_us: pct(t, 0.9), p99_us: pct(t, 0.99), max_us: t[t.length - 1] };
    }
    out.modes[mode > 0 ? `threads_${mode}` : 'threads_default'] = { threads, classes: res };
    console.error(`duckdb threads=${threads}: ` + Object.entries(res).map(([k, v]) => `${k} p50 ${(v.p50_us / 1000).toFixed(2)} ms`).join(', '));
  }
  fs.writeFileSync(a.out, JSON.stringify(out, null, 1));
  if (a.digest) fs.writeFileSync(a.digest, digest.join('\n') + '\n');
}

(a._ === 'load' ? load() : query()).catch((e) => {
  console.error('duckdb_bench:', e.message);
  process.exit(1);
});
