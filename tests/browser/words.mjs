#!/usr/bin/env node
// Browser tests of the search in words (web/js/words.js), in headless
// chromium against a real `isla serve` over a generated store: typing a
// sentence fills the form fields, shows what was not understood, and the
// results are the API's for the search the form now holds.
//
//   node tests/browser/words.mjs     screenshots in tests/out/browser-words/
//
// Prints one line per test and "N passed, M failed".

import fs from 'node:fs';
import path from 'node:path';
import { Fail, ROOT, Server, check, freePort, launchBrowser, makeStore, runAll } from './harness.mjs';

const OUT = process.env.BROWSER_OUT || path.join(ROOT, 'tests/out/browser-words');
const OFFERS = 80000;
const SEED = 23;
const SEARCH = 'earliestDepartureDate=2023-07-01&latestReturnDate=2023-08-31&duration=7&countAdults=2&countChildren=0';
const PAGE = 24;

let srv;

const RECORDER = () => {
  window.__renders = [];
  document.addEventListener('isla:rendered', (e) => {
    window.__renders.push({ ...e.detail, url: location.pathname + location.search });
  });
};

async function open(page, url) {
  await page.addInitScript(RECORDER);
  await page.goto(srv.base + url);
  await page.waitForFunction(() => window.__renders && window.__renders.some((r) => r.view === 'list'));
}

/** Runs action and waits for the list to render once more, at a URL other than `from`. */
async function afterSearch(page, action) {
  const from = new URL(page.url()).search;
  const n = await page.evaluate(() => window.__renders.filter((r) => r.view === 'list').length);
  await action();
  await page.waitForFunction(([k, f]) => {
    const r = window.__renders.filter((x) => x.view === 'list');
    return r.length > k && !r[r.length - 1].url.endsWith(f);
  }, [n, from]);
}

async function cards(page) {
  return page.$$eval('#hotel-list .hotel-card:not(.skeleton)', (els) => els.map((c) => ({
    id: Number(c.querySelector('a[data-hotel]').dataset.hotel),
    price: Number(c.querySelector('.amount').textContent.replace(/[^\d]/g, '')),
  })));
}

/** The page's hotels equal the API's first page for the search in the URL. */
async function sameAsApi(page, what) {
  const qs = new URL(page.url()).searchParams;
  qs.delete('hotel');
  const r = await srv.json(`/api/bestOffersByHotel?${qs}&limit=${PAGE}`);
  check(r.status === 200, `${what}: API ${r.status}`);
  const shown = await cards(page);
  check(r.body.length > 0, `${what}: the search should find hotels`);
  check(shown.length === r.body.length, `${what}: page shows ${shown.length} hotels, API has ${r.body.length}`);
  r.body.forEach((it, i) => check(shown[i].id === it.hotel.id && shown[i].price === it.minPrice,
    `${what}: hotel #${i + 1} is ${shown[i].id} at ${shown[i].price}, API says ${it.hotel.id} at ${it.minPrice}`));
}

async function checked(page, name) {
  return page.$$eval(`input[name=${name}]:checked`, (els) => els.map((e) => e.value).sort().join(','));
}

// ---- tests ---------------------------------------------------------------------

async function sentenceFillsForm(page) {
  await open(page, `/?${SEARCH}`);
  await page.click('#f-words');
  await afterSearch(page, async () => {
    await page.keyboard.type('zwei Erwachsene und ein Kind, eine Woche im Juli ab München, Halbpension, Pool');
    await page.keyboard.press('Enter');
  });
  check(await page.inputValue('#f-adults') === '2', 'adults');
  check(await page.inputValue('#f-children') === '1', `children: ${await page.inputValue('#f-children')}`);
  check(await page.inputValue('#f-duration') === '7', 'nights');
  check(await page.inputValue('#f-earliest') === '2023-07-01', 'earliest departure');
  check(await page.inputValue('#f-latest') === '2023-07-31', 'latest return');
  const chips = await page.$$eval('#airport-chips .chip span', (s) => s.map((x) => x.textContent));
  check(chips.join('|') === 'Munich (MUC)', `airport chips: ${chips}`);
  check(await checked(page, 'mealType') === 'HALFBOARD,HALFBOARDPLUS', `meals: ${await checked(page, 'mealType')}`);
  check(await page.evaluate(() => document.getElementById('filters').open), 'the filters opened to show the meals');
  const flashing = await page.$$eval('.words-filled', (els) => els.map((e) => e.id));
  check(flashing.includes('f-adults') && flashing.includes('f-meal'), `filled fields are marked: ${flashing}`);
  const unknown = await page.textContent('#words-unrecognized');
  check(unknown.includes('Pool'), `not understood: "${unknown}"`);
  const q = new URL(page.url()).searchParams;
  check(q.get('countChildren') === '1' && q.getAll('departureAirports').join() === 'MUC', `URL: ${page.url()}`);
  await sameAsApi(page, 'after the sentence');
  await page.screenshot({ path: path.join(OUT, 'words.png'), fullPage: true });
}

async function typingFillsForm(page) {
  await open(page, `/?${SEARCH}`);
  await page.click('#f-words');
  // no Enter: the box fills the form when typing pauses
  await afterSearch(page, () => page.keyboard.type('zu dritt, 10 Nächte im August ab Hamburg oder Bremen'));
  check(await page.inputValue('#f-adults') === '3', 'adults');
  check(await page.inputValue('#f-duration') === '10', 'nights');
  check(await page.inputValue('#f-earliest') === '2023-08-01', 'earliest departure');
  const chips = await page.$$eval('#airport-chips .chip span', (s) => s.map((x) => x.textContent).sort());
  check(chips.join('|') === 'Bremen (BRE)|Hamburg (HAM)', `airport chips: ${chips}`);
  check(await page.$('#words-unrecognized') === null, 'everything was understood');
  await sameAsApi(page, 'after typing');
  // the form keeps what the sentence does not say: children stay as they were
  check(await page.inputValue('#f-children') === '0', 'children kept');
}

async function hotelLink(page) {
  await open(page, `/?${SEARCH}`);
  await page.fill('#f-words', 'Iberostar Alcudia Park');
  await page.press('#f-words', 'Enter');
  const link = await page.waitForSelector('#words-status a.words-hotel');
  check((await link.textContent()) === 'Iberostar Alcudia Park', `hotel link: ${await link.textContent()}`);
  await link.click();
  await page.waitForFunction(() => window.__renders.some((r) => r.view === 'offers' || r.view === 'hotel'));
  check(new URL(page.url()).searchParams.get('hotel') === '324', `hotel view: ${page.url()}`);
  check(!(await page.isHidden('#hotel-view')), 'the hotel view is shown');
}

async function nothingUnderstood(page) {
  await open(page, `/?${SEARCH}`);
  const before = page.url();
  await page.fill('#f-words', 'quiero ir de vacaciones');
  await page.press('#f-words', 'Enter');
  await page.waitForSelector('#words-unrecognized');
  const unknown = await page.textContent('#words-unrecognized');
  check(unknown === 'Not understood: quiero, ir, de, vacaciones', `status: "${unknown}"`);
  check(page.url() === before, 'the search did not change');
}

async function sentenceInLink(page) {
  await page.addInitScript(RECORDER);
  await page.goto(`${srv.base}/?q=${encodeURIComponent('zu zweit, 5 Nächte im September ab Köln')}`);
  await page.waitForFunction(() => new URL(location.href).searchParams.getAll('departureAirports').join() === 'CGN' &&
    window.__renders.some((r) => r.view === 'list' && r.url.includes('departureAirports=CGN')));
  check(await page.inputValue('#f-words') === 'zu zweit, 5 Nächte im September ab Köln', 'the box shows the sentence');
  check(await page.inputValue('#f-duration') === '5', 'nights');
  check(await page.inputValue('#f-earliest') === '2023-09-01', 'earliest departure');
  check(!new URL(page.url()).searchParams.has('q'), `the URL is the structured search: ${page.url()}`);
  await sameAsApi(page, 'from a link with q');
}

// ---- main ----------------------------------------------------------------------

const tests = [
  ['words_sentence_fills_form_and_searches', sentenceFillsForm],
  ['words_typing_fills_form', typingFillsForm],
  ['words_hotel_link', hotelLink],
  ['words_nothing_understood', nothingUnderstood],
  ['words_sentence_in_link', sentenceInLink],
];

async function main() {
  let store, browser, result = { passed: 0, failed: 1 };
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  try {
    store = makeStore(OFFERS, SEED);
    srv = new Server(store.data, await freePort());
    await srv.start();
    browser = await launchBrowser();
    result = await runAll(tests, browser.context);
  } catch (e) {
    console.log(`FAIL setup: ${e instanceof Fail ? e.message : e.stack || e}`);
  } finally {
    if (browser) {
      await browser.context.close().catch(() => {});
      fs.rmSync(browser.profile, { recursive: true, force: true });
    }
    if (srv) await srv.stop();
    if (store) fs.rmSync(store.tmp, { recursive: true, force: true });
  }
  console.log(`${result.passed} passed, ${result.failed} failed`);
  process.exitCode = result.failed ? 1 : 0;
}

main();
