// The live dashboard: one server-sent event a second from
// GET /api/stats/stream (`event: stats`, data = the JSON of GET /api/stats),
// drawn as five-minute time series.
//
// Memory stays flat however long the page is open: every series is a
// fixed-size Ring, the route table reuses its rows, and nothing else is
// kept per event. If the stream breaks or falls silent, the page says so
// and reconnects with a growing delay (EventSource's own retry gives up
// after an HTTP error, so the page does not rely on it alone).

import { Ring, drawChart } from './timeseries.js';
import { bytes, count, duration } from './format.js';

const WINDOW_SEC = 300;      // the charts' span once the page has been open that long
const MIN_WINDOW_SEC = 60;   // before that the charts span the time since the first sample
const SLOTS = 600;           // > WINDOW_SEC samples at 1/s, so the window is always full
const SILENCE_MS = 5000;     // no event for this long: reconnect
const $ = (id) => document.getElementById(id);

const series = {
  rps: new Ring(SLOTS), p50: new Ring(SLOTS), p95: new Ring(SLOTS), p99: new Ring(SLOTS),
  errorRate: new Ring(SLOTS), hitRate: new Ring(SLOTS), l2HitRate: new Ring(SLOTS), rss: new Ring(SLOTS),
  conn: new Ring(SLOTS),
};

const ms = (v) => (v >= 100 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (v) => `${(v * 100).toFixed(v >= 0.1 || v === 0 ? 1 : 2)} %`;
const rate = (v) => (v >= 100 ? count(Math.round(v)) : v.toFixed(1));
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

let lastStats = null;
let events = 0;
let firstAt = 0;

function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function update(st) {
  const now = Date.now();
  lastStats = st;
  events++;
  if (!firstAt) firstAt = now;
  const req = st.requests || {}, lat = st.latency || {}, cache = st.cache || {}, mem = st.memory || {};
  series.rps.push(now, num(req.perSecond));
  series.p50.push(now, num(lat.p50));
  series.p95.push(now, num(lat.p95));
  series.p99.push(now, num(lat.p99));
  series.errorRate.push(now, num(req.errorRate));
  series.hitRate.push(now, num(cache.hitRate));
  // With a shared Redis cache (isla serve --redis): the L2 hit rate of the
  // lookups that missed L1, and the state of the connection and breaker.
  const l2 = st.l2 || null;
  if (l2) series.l2HitRate.push(now, num(l2.hitRate));
  series.rss.push(now, num(mem.rssBytes));
  series.conn.push(now, num(st.connections));

  setText('v-offers', count(num(st.offers)));
  setText('v-generation', st.generation === null || st.generation === undefined ? 'none' : String(st.generation));
  setText('v-data-age', duration(num(st.dataAge)));
  setText('v-uptime', duration(num(st.uptime)));
  setText('v-connections', count(num(st.connections)));
  setText('v-rate-limited', count(num(st.rateLimited)));
  setText('v-rps', rate(num(req.perSecond)));
  setText('v-requests', `${count(num(req.total))} requests since start`);
  setText('v-p50', ms(num(lat.p50)));
  setText('v-p95', ms(num(lat.p95)));
  setText('v-p99', ms(num(lat.p99)));
  setText('v-error-rate', pct(num(req.errorRate)));
  setText('v-errors', `${count(num(req.errors))} server ${num(req.errors) === 1 ? 'error' : 'errors'} since start`);
  setText('v-hit-rate', l2 ? `L1 ${pct(num(cache.hitRate))} · L2 ${pct(num(l2.hitRate))}` : pct(num(cache.hitRate)));
  $('l-cache').hidden = !l2;
  $('v-l2').hidden = !l2;
  if (l2) {
    setText('v-l2', `Redis ${l2.status}: ${count(num(l2.hits))} hits · ${count(num(l2.misses))} misses · ` +
      `${count(num(l2.timeouts) + num(l2.errors))} failed · ${count(num(l2.skipped))} skipped · ` +
      `${ms(num(l2.latencyMs))} ms · breaker ${num(l2.breakerOpen) ? 'open' : 'closed'}`);
  }
  setText('v-cache', `${count(num(cache.hits))} hits · ${count(num(cache.misses))} misses · ` +
    `${count(num(cache.entries))} entries, ${bytes(num(cache.bytes))} · ${count(num(cache.evictions))} evicted`);
  setText('v-rss', bytes(num(mem.rssBytes)));
  setText('v-memory-sub', `peak ${bytes(series.rss.max(now - WINDOW_SEC * 1000))} in the last 5 minutes`);
  setText('v-conn', count(num(st.connections)));
  updateRoutes(st.routes || {});
  updateTiers(st.tiers);
  updateJobs(st.jobs);
  draw();
  document.body.dataset.events = String(events);
}

function draw() {
  const now = Date.now();
  const span = Math.min(WINDOW_SEC, Math.max(MIN_WINDOW_SEC, (now - firstAt) / 1000));
  const opts = { windowSec: span, now };
  drawChart($('c-rps'), [{ ring: series.rps, color: '--c-line' }], { ...opts, label: (v) => `${rate(v)}/s` });
  drawChart($('c-latency'), [
    { ring: series.p50, color: '--c-p50' }, { ring: series.p95, color: '--c-p95' }, { ring: series.p99, color: '--c-p99' },
  ], { ...opts, label: (v) => `${ms(v)} ms` });
  drawChart($('c-errors'), [{ ring: series.errorRate, color: '--c-bad' }],
    { ...opts, label: pct, fixedMax: Math.max(0.01, niceRateTop(series.errorRate.max(now - span * 1000))) });
  const cacheLines = lastStats && lastStats.l2
    ? [{ ring: series.hitRate, color: '--c-p50' }, { ring: series.l2HitRate, color: '--c-p95' }]
    : [{ ring: series.hitRate, color: '--c-line' }];
  drawChart($('c-cache'), cacheLines, { ...opts, fixedMax: 1, label: pct });
  drawChart($('c-memory'), [{ ring: series.rss, color: '--c-line' }], { ...opts, label: bytes });
  drawChart($('c-conn'), [{ ring: series.conn, color: '--c-line' }], { ...opts, label: (v) => count(v) });
}

/** Error rates are small: scale to 1 %, 5 %, 10 %, 50 % or 100 %. */
function niceRateTop(v) {
  for (const t of [0.01, 0.05, 0.1, 0.5]) if (v <= t) return t;
  return 1;
}

const rows = new Map();
const MAX_ROUTES = 64;
function updateRoutes(routes) {
  const body = $('routes');
  const names = Object.keys(routes).sort((a, b) => num(routes[b].count) - num(routes[a].count)).slice(0, MAX_ROUTES);
  const keep = new Set(names);
  for (const [name, tr] of rows) if (!keep.has(name)) { tr.remove(); rows.delete(name); }
  names.forEach((name, i) => {
    const r = routes[name];
    let tr = rows.get(name);
    if (!tr) {
      tr = document.createElement('tr');
      const th = document.createElement('td');
      th.textContent = name;
      tr.append(th);
      for (let k = 0; k < 6; k++) tr.append(document.createElement('td'));
      rows.set(name, tr);
    }
    const cells = tr.children;
    const vals = [count(num(r.count)), rate(num(r.perSecond)), ms(num(r.p50)), ms(num(r.p95)), ms(num(r.p99)), count(num(r.errors))];
    vals.forEach((v, k) => { if (cells[k + 1].textContent !== v) cells[k + 1].textContent = v; });
    if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null);
  });
}

// ---- tiers and jobs ------------------------------------------------------------

function updateTiers(tiers) {
  const body = $('tiers');
  if (!tiers) return;
  const names = Object.keys(tiers).filter((n) => n !== 'rejected' && n !== 'keys');
  const html = names.map((n) => {
    const t = tiers[n];
    return [n, t.limit === null ? 'per IP' : String(t.limit), count(num(t.requests)), count(num(t.rateLimited))];
  });
  // Rebuild only when something changed: the table is a handful of rows.
  const key = JSON.stringify(html);
  if (body.dataset.key !== key) {
    body.dataset.key = key;
    body.replaceChildren(...html.map((cells) => {
      const tr = document.createElement('tr');
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.append(td);
      }
      return tr;
    }));
  }
  const rej = tiers.rejected || {}, keys = tiers.keys || {};
  setText('v-keys', `${count(num(keys.active))} active keys, ${count(num(keys.revoked))} revoked · 401: ` +
    `${count(num(rej.unknown))} unknown, ${count(num(rej.revoked))} revoked, ${count(num(rej.missing))} without a key`);
}

function jobItem(j) {
  const li = document.createElement('li');
  li.className = j.status;
  const head = document.createElement('div');
  head.className = 'job-head';
  const name = document.createElement('span');
  name.textContent = `#${j.id} ${j.kind}`;
  const state = document.createElement('span');
  const p = j.progress || {};
  let text = j.status;
  if (j.status === 'running' && typeof p.percent === 'number') text += ` · ${p.percent.toFixed(0)} %`;
  if (j.status === 'running' && typeof p.etaSeconds === 'number') text += ` · ${duration(p.etaSeconds)} left`;
  if (num(p.rows)) text += ` · ${count(p.rows)} rows`;
  text += ` · attempt ${j.attempts}/${j.maxAttempts}`;
  state.textContent = text;
  head.append(name, state);
  li.append(head);
  if (j.status === 'running') {
    const bar = document.createElement('progress');
    bar.max = 100;
    if (typeof p.percent === 'number') bar.value = p.percent; // else indeterminate
    bar.setAttribute('aria-label', `job ${j.id} progress`);
    li.append(bar);
  }
  if (j.error) {
    const e = document.createElement('div');
    e.className = 'job-err';
    e.textContent = j.error;
    li.append(e);
  }
  return li;
}

function updateJobs(jobs) {
  if (!jobs || !jobs.kinds) return;
  const sum = (k) => Object.values(jobs.kinds).reduce((a, c) => a + num(c[k]), 0);
  setText('v-jobs-running', count(sum('running')));
  setText('v-jobs-queued', count(sum('queued')));
  setText('v-jobs-retrying', count(sum('retrying')));
  setText('v-jobs-dead', count(sum('dead')));
  setText('v-jobs-done', count(sum('done')));
  const list = [...(jobs.running || []), ...(jobs.queued || []), ...(jobs.dead || [])];
  const key = JSON.stringify(list);
  const ul = $('jobs');
  if (ul.dataset.key !== key) {
    ul.dataset.key = key;
    ul.replaceChildren(...list.map(jobItem));
  }
  $('v-jobs-none').hidden = list.length > 0;
}

// ---- the stream ----------------------------------------------------------------

let source = null;
let lastEventAt = 0;
let retryMs = 1000;
let retryTimer = 0;

function setLive(state, text) {
  const el = $('live');
  el.className = `live ${state}`;
  setText('live', text);
}

function showMessage(text) {
  const box = $('dash-message');
  box.hidden = !text;
  box.textContent = text || '';
}

function connect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = new EventSource('/api/stats/stream');
  source.addEventListener('stats', (e) => {
    let st;
    try {
      st = JSON.parse(e.data);
    } catch {
      return; // one bad event is skipped, the next one counts
    }
    lastEventAt = Date.now();
    retryMs = 1000;
    setLive('on', 'Live');
    showMessage('');
    update(st);
  });
  source.addEventListener('error', () => {
    setLive('off', 'Reconnecting…');
    if (source.readyState === EventSource.CLOSED) scheduleReconnect();
  });
}

function scheduleReconnect() {
  if (source) source.close();
  source = null;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, 15000);
}

// A stream can also go quiet without an error (a proxy holding it open).
setInterval(() => {
  if (source && lastEventAt && Date.now() - lastEventAt > SILENCE_MS) {
    setLive('off', `No data for ${Math.round((Date.now() - lastEventAt) / 1000)} s, reconnecting…`);
    scheduleReconnect();
  }
  if (!document.hidden && lastStats) draw(); // keep the time axis moving
}, 1000);

// Fill the page at once from GET /api/stats, then follow the stream.
fetch('/api/stats', { headers: { Accept: 'application/json' } })
  .then((r) => {
    if (r.status === 404) throw new Error('This isla server has no statistics endpoint (/api/stats).');
    if (!r.ok) throw new Error(`/api/stats answered ${r.status}.`);
    return r.json();
  })
  .then((st) => { if (!lastStats) update(st); })
  .catch((err) => showMessage(err.message));
connect();
window.addEventListener('resize', () => { if (lastStats) draw(); });
