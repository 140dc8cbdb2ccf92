#!/usr/bin/env node
// Browser check of `isla load --html`: a real run against a real `isla
// serve`, then the report opened from disk in headless chromium with every
// network request refused (the page must be self-contained). Checks that the
// three charts are drawn (series lines, phase boundaries), the tables are
// filled from the run, and the page has no script errors.
// Prints one line per test and "N passed, M failed".

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, OUT, Server, check, freePort, launchBrowser, makeStore, runAll } from '../browser/harness.mjs';

const { tmp, data } = makeStore(20000, 41);
const port = await freePort();
const srv = new Server(data, port);
await srv.start();
const plan = path.join(tmp, 'plan.yml');
fs.writeFileSync(plan, `config:
  target: "http://127.0.0.1:${port}"
  phases:
    - {name: warm, duration: 1, arrivalRate: 50}
    - {name: peak, duration: 1, arrivalRate: 200}
    - {name: calm, duration: 1, arrivalRate: 50}
  ensure:
    p99: 10000
scenarios:
  - name: health
    weight: 2
    flow:
      - get: {url: /api/health}
  - name: search
    flow:
      - get: {url: "/bestOffersByHotel?earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-20&duration=7&countAdults=2&countChildren=0"}
`);
const html = path.join(tmp, 'report.html');
const run = spawnSync(BIN, ['load', plan, '--html', html, '--quiet'], { encoding: 'utf8', timeout: 60000 });
await srv.stop();

const { context } = await launchBrowser();
const external = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith('file:')) return route.continue();
  external.push(url);
  return route.abort();
});

const tests = [
  ['run_writes_report', async () => {
    check(run.status === 0, `isla load exited ${run.status}: ${run.stderr}`);
    check(fs.existsSync(html), 'no report written');
  }],
  ['charts_drawn', async (page) => {
    await page.goto('file://' + html);
    await page.waitForSelector('body[data-ready="1"]');
    for (const id of ['chart-throughput', 'chart-latency', 'chart-errors']) {
      const n = await page.locator(`#${id} svg`).count();
      check(n === 1, `${id}: ${n} svg`);
      const lines = await page.locator(`#${id} svg polyline.series`).count();
      check(lines >= 2, `${id}: ${lines} series`);
      const bounds = await page.locator(`#${id} svg line.phase-boundary`).count();
      check(bounds === 3, `${id}: ${bounds} phase boundaries`);
      const box = await page.locator(`#${id} svg`).boundingBox();
      check(box && box.width > 500 && box.height > 150, `${id}: not visible: ${JSON.stringify(box)}`);
    }
    // the throughput line has points for every second of the run
    const pts = await page.locator('#chart-throughput polyline.series').first().getAttribute('points');
    check(pts.split(' ').length >= 3, `points: ${pts}`);
    await page.screenshot({ path: path.join(OUT, 'load-report.png'), fullPage: true });
  }],
  ['tables_filled', async (page) => {
    await page.goto('file://' + html);
    await page.waitForSelector('body[data-ready="1"]');
    const phases = await page.locator('#phases tr').allInnerTexts();
    check(phases.length === 4 && /warm/.test(phases[1]) && /peak/.test(phases[2]), phases.join(' | '));
    const scen = await page.locator('#scenarios').innerText();
    check(/health/.test(scen) && /search/.test(scen), scen);
    const th = await page.locator('#thresholds').innerText();
    check(/PASS/.test(th), th);
    const meta = await page.locator('#meta').innerText();
    check(/Result: PASS/.test(meta) && /p99/.test(meta), meta);
  }],
  ['no_network', async () => {
    check(external.length === 0, `the report asked for ${external.join(', ')}`);
  }],
];

fs.mkdirSync(OUT, { recursive: true });
const { passed, failed } = await runAll(tests, context);
await context.close();
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
