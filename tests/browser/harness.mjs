// What the browser tests stand on: a real `isla serve` over a generated
// store, Debian's chromium driven by playwright-core, and a tiny runner
// that prints one line per test and "N passed, M failed" last.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.ISLA_BIN || path.join(ROOT, 'build/isla');
export const HOTELS = process.env.ISLA_HOTELS || path.resolve(ROOT, '../shared/data/hotels.csv');
export const OUT = process.env.BROWSER_OUT || path.join(ROOT, 'tests/out/browser');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export class Fail extends Error {}
export function check(cond, msg) {
  if (!cond) throw new Fail(msg);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Generates `offers` offers, imports them into a fresh data dir; returns the dir. */
export function makeStore(offers, seed) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isla-browser-'));
  const dump = path.join(tmp, 'offers.csv');
  const gen = spawnSync(BIN, ['gen', '--offers', String(offers), '--seed', String(seed), '--hotels', HOTELS, '--out', dump]);
  if (gen.status !== 0) throw new Error(`isla gen failed: ${gen.stderr}`);
  const data = path.join(tmp, 'data');
  const imp = spawnSync(BIN, ['import', '--offers', dump, '--hotels', HOTELS, '--data', data, '--quiet']);
  if (imp.status !== 0) throw new Error(`isla import failed: ${imp.stderr}`);
  fs.rmSync(dump);
  return { tmp, data };
}

export class Server {
  constructor(data, port) {
    this.data = data;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.log = '';
  }

  async start() {
    this.proc = spawn(BIN, ['serve', '--data', this.data, '--port', String(this.port), '--host', '127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b) => { this.log = (this.log + b).slice(-4000); };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`isla serve exited ${this.proc.exitCode}: ${this.log}`);
      try {
        const r = await fetch(`${this.base}/api/health`);
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    throw new Error(`isla serve not healthy after 30 s: ${this.log}`);
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(t);
  }

  async json(pathAndQuery) {
    const r = await fetch(this.base + pathAndQuery);
    return { status: r.status, headers: r.headers, body: await r.json() };
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function launchBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'isla-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, profile };
}

/** Runs tests in order; each gets a fresh page. Returns the number failed. */
export async function runAll(tests, context, hooks = {}) {
  let passed = 0, failed = 0;
  fs.mkdirSync(OUT, { recursive: true });
  for (const [name, fn] of tests) {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(15000);
    const t0 = Date.now();
    try {
      await fn(page);
      check(errors.length === 0, `JavaScript errors on the page: ${errors.join(' | ')}`);
      passed++;
      console.log(`ok ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e instanceof Fail ? e.message : e.stack || e}`);
      await page.screenshot({ path: path.join(OUT, `FAIL-${name}.png`), fullPage: true }).catch(() => {});
      if (hooks.onFail) hooks.onFail(name);
    } finally {
      await page.close().catch(() => {});
    }
  }
  return { passed, failed };
}
