#!/usr/bin/env node
// Browser tests of isla's web UI, in headless chromium against a real
// `isla serve` over a generated 120,000-offer store.
//
//   node tests/browser/run.mjs            all tests; screenshots in tests/out/browser/
//   ISLA_README_SHOTS=1 node tests/...    also writes docs/img/results.png and dashboard.png
//
// Every check compares what the page shows with what the API answers for
// the same search, so a page that renders the wrong thing fails. Prints one
// line per test, the keystroke-to-results timing, and "N passed, M failed".

import fs from 'node:fs';
import path from 'node:path';
import { Fail, OUT, ROOT, Server, check, freePort, launchBrowser, makeStore, runAll, sleep } from './harness.mjs';

const OFFERS = 120000;
const SEED = 21;
const SEARCH = 'earliestDepartureDate=2023-07-01&latestReturnDate=2023-08-31&duration=7&countAdults=2&countChildren=0';
const PAGE = 24;

let srv;
const timing = {};

// ---- helpers -------------------------------------------------------------------

// Records the page's own "isla:rendered" events (dispatched after each
// results, offers or calendar render) so a test can wait for the next one.
const RECORDER = () => {
  window.__renders = [];
  document.addEventListener('isla:rendered', (e) => {
    window.__renders.push({ ...e.detail, at: performance.now(), url: location.pathname + location.search });
  });
};

async function renders(page, view) {
  return page.evaluate((v) => window.__renders.filter((r) => r.view === v).length, view);
}

/** Runs action and waits until the page has rendered `view` once more. */
async function after(page, view, action) {
  const n = await renders(page, view);
  await action();
  await page.waitForFunction(([v, k]) => window.__renders.filter((r) => r.view === v).length > k, [view, n]);
}

async function open(page, url, view = 'list') {
  await page.addInitScript(RECORDER);
  await page.goto(srv.base + url);
  await page.waitForFunction((v) => window.__renders && window.__renders.some((r) => r.view === v), view);
}

async function cards(page) {
  return page.$$eval('#hotel-list .hotel-card:not(.skeleton)', (els) => els.map((c) => ({
    id: Number(c.querySelector('a[data-hotel]').dataset.hotel),
    name: c.querySelector('.hc-name').textContent,
    price: Number(c.querySelector('.amount').textContent.replace(/[^\d]/g, '')),
    text: c.textContent,
  })));
}

/** The API's first page for a query string, as [{id, name, price}]. */
async function apiPage(qs, offset = 0) {
  const r = await srv.json(`/api/bestOffersByHotel?${qs}&limit=${PAGE}&offset=${offset}`);
  check(r.status === 200, `API ${qs}: ${r.status}`);
  return { items: r.body, total: Number(r.headers.get('x-total-count')) };
}

function sameHotels(shown, api, what) {
  check(shown.length === api.length, `${what}: page shows ${shown.length} hotels, API has ${api.length}`);
  api.forEach((it, i) => {
    check(shown[i].id === it.hotel.id && shown[i].price === it.minPrice,
      `${what}: hotel #${i + 1} is ${shown[i].id} at ${shown[i].price}, API says ${it.hotel.id} at ${it.minPrice}`);
  });
}

function query(page) {
  return new URL(page.url()).searchParams;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

// ---- tests ---------------------------------------------------------------------

async function searchFromUrl(page) {
  const qs = `${SEARCH}&departureAirports=MUC&departureAirports=FRA`;
  await open(page, `/?${qs}`);
  const api = await apiPage(qs);
  check(api.total > PAGE, `the search should match more than a page of hotels, got ${api.total}`);
  sameHotels(await cards(page), api.items, 'from the URL');
  const status = await page.textContent('#result-status');
  check(status.includes(api.total.toLocaleString('en-GB')), `status "${status}" lacks the total ${api.total}`);
  check(await page.inputValue('#f-earliest') === '2023-07-01', 'earliest departure not filled from the URL');
  check(await page.inputValue('#f-duration') === '7', 'nights not filled from the URL');
  const chips = await page.$$eval('#airport-chips .chip span', (s) => s.map((x) => x.textContent));
  check(chips.join('|') === 'Munich (MUC)|Frankfurt (FRA)', `airport chips: ${chips}`);
  // the first card says what the API says about that offer
  const first = api.items[0];
  const text = (await cards(page))[0].text;
  check(text.includes(first.hotel.name), 'first card lacks the hotel name');
  check(text.includes(`${first.countAvailableOffers} offer`), `first card lacks "${first.countAvailableOffers} offers"`);
  check(text.includes('7 nights'), 'first card lacks the nights');
  await shot(page, 'results');
}

async function searchFromForm(page) {
  await open(page, '/');
  // defaults: 2 adults, 7 nights, a summer window taken from the data
  const q = query(page);
  check(q.get('countAdults') === '2' && q.get('duration') === '7' && q.get('countChildren') === '0',
    `defaults not in the URL: ${page.url()}`);
  check(q.get('earliestDepartureDate') === '2023-07-01' && q.get('latestReturnDate') === '2023-08-31',
    `default window is not the data's summer: ${page.url()}`);
  // type nights, pick an airport by city name from the list
  await after(page, 'list', async () => {
    await page.fill('#f-duration', '14');
  });
  await page.click('#f-airport');
  await page.keyboard.type('munch'); // "München" without the umlaut
  await page.waitForSelector('#ap-MUC');
  check(await page.getAttribute('#f-airport', 'aria-expanded') === 'true', 'listbox not expanded');
  await after(page, 'list', () => page.keyboard.press('Enter'));
  const got = query(page);
  check(got.get('duration') === '14' && got.getAll('departureAirports').join() === 'MUC',
    `URL after the form: ${page.url()}`);
  const api = await apiPage(`${SEARCH.replace('duration=7', 'duration=14')}&departureAirports=MUC`);
  sameHotels(await cards(page), api.items, 'after typing');
}

async function keystrokeTiming(page) {
  await open(page, `/?${SEARCH}`);
  // measure from the input event to the rendered list (and the next frame)
  await page.evaluate(() => {
    window.__typed = [];
    document.getElementById('f-duration').addEventListener('input', () => window.__typed.push(performance.now()), true);
  });
  const samples = [];
  for (const n of [5, 6, 8, 9, 10, 11, 12, 13, 3, 4, 14]) {
    await page.click('#f-duration', { clickCount: 3 });
    const before = await renders(page, 'list');
    await page.keyboard.type(String(n));
    await page.waitForFunction((k) => window.__renders.filter((r) => r.view === 'list').length > k, before);
    const s = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => {
      const painted = performance.now();
      const typed = window.__typed[window.__typed.length - 1];
      const r = window.__renders.filter((x) => x.view === 'list').pop();
      const fetches = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/bestOffersByHotel'));
      const f = fetches[fetches.length - 1];
      resolve({ total: painted - typed, dom: r.at - typed, request: f.responseEnd - f.startTime,
        toRequest: f.startTime - typed, afterResponse: r.at - f.responseEnd, url: r.url });
    })));
    check(s.url.includes(`duration=${n}`), `rendered ${s.url} after typing ${n}`);
    samples.push(s);
    await sleep(60);
  }
  const med = (k) => {
    const v = samples.map((s) => s[k]).sort((a, b) => a - b);
    return v[v.length >> 1];
  };
  timing.keystrokeToRenderMs = Math.round(med('total') * 10) / 10;
  timing.keystrokeToDomMs = Math.round(med('dom') * 10) / 10;
  timing.requestMs = Math.round(med('request') * 10) / 10;
  timing.typedToRequestStartMs = Math.round(med('toRequest') * 10) / 10;
  timing.responseToDomMs = Math.round(med('afterResponse') * 10) / 10;
  timing.debounceMs = 150;
  timing.samples = samples.length;
  console.log(`    keystroke -> rendered results: median ${timing.keystrokeToRenderMs} ms over ${samples.length} searches ` +
    `(typed -> request sent ${timing.typedToRequestStartMs} ms incl. the ${timing.debounceMs} ms debounce; ` +
    `request ${timing.requestMs} ms; response -> DOM ${timing.responseToDomMs} ms)`);
  check(timing.keystrokeToRenderMs < 1000, `typing to results takes ${timing.keystrokeToRenderMs} ms`);
}

async function sortResults(page) {
  await open(page, `/?${SEARCH}`);
  await after(page, 'list', () => page.selectOption('#f-sort', 'stars'));
  check(query(page).get('sort') === 'stars', `sort not in the URL: ${page.url()}`);
  sameHotels(await cards(page), (await apiPage(`${SEARCH}&sort=stars`)).items, 'sorted by stars');
  const stars = await page.$$eval('#hotel-list .stars span[aria-hidden]', (s) => s.map((x) => x.textContent.length));
  check(stars.every((v, i) => i === 0 || v <= stars[i - 1]), `stars not descending: ${stars}`);
  await after(page, 'list', () => page.selectOption('#f-sort', 'name'));
  const api = (await apiPage(`${SEARCH}&sort=name`)).items;
  sameHotels(await cards(page), api, 'sorted by name');
  await after(page, 'list', () => page.selectOption('#f-sort', 'price'));
  check(!query(page).has('sort'), 'sort=price (the default) should leave the URL');
  const prices = (await cards(page)).map((c) => c.price);
  check(prices.every((v, i) => i === 0 || v >= prices[i - 1]), 'prices not ascending');
}

async function filterResults(page) {
  await open(page, `/?${SEARCH}`);
  const before = await cards(page);
  await page.click('#filters summary');
  await after(page, 'list', () => page.check('input[name=mealType][value=HALFBOARD]'));
  await after(page, 'list', () => page.selectOption('#f-stars', '4'));
  await after(page, 'list', () => page.selectOption('#f-ocean', 'true'));
  const q = query(page);
  check(q.getAll('mealType').join() === 'HALFBOARD' && q.get('minStars') === '4' && q.get('oceanView') === 'true',
    `filters not in the URL: ${page.url()}`);
  const api = await apiPage(`${SEARCH}&oceanView=true&minStars=4&mealType=HALFBOARD`);
  check(api.total > 0 && api.total < before.length * 100, `filtered total ${api.total}`);
  const shown = await cards(page);
  sameHotels(shown, api.items, 'filtered');
  for (const c of shown) check(c.text.includes('Half board') && c.text.includes('Ocean view'), `card without the filters: ${c.text}`);
  check((await page.textContent('#filter-count')).includes('3'), 'active filter count');
  // max price, typed
  await after(page, 'list', () => page.fill('#f-maxprice', '1500'));
  for (const c of await cards(page)) check(c.price <= 1500, `card over the max price: ${c.price}`);
  await after(page, 'list', () => page.click('#clear-filters'));
  check(!query(page).has('mealType') && !query(page).has('maxPrice'), 'clear filters left them in the URL');
  const cleared = await cards(page);
  check(JSON.stringify(cleared.map((c) => [c.id, c.price])) === JSON.stringify(before.map((c) => [c.id, c.price])),
    'clearing the filters did not bring back the first results');
}

async function pageHotels(page) {
  await open(page, `/?${SEARCH}`);
  const p1 = await apiPage(SEARCH);
  check((await cards(page)).length === PAGE, 'first page size');
  const btn = await page.textContent('#more-hotels');
  check(btn.includes(`${p1.total - PAGE} more`), `"${btn}" should say ${p1.total - PAGE} more`);
  // the button loads the next page
  await after(page, 'list', () => page.click('#more-hotels'));
  const p2 = await apiPage(SEARCH, PAGE);
  sameHotels((await cards(page)).slice(PAGE, 2 * PAGE), p2.items, 'second page');
  // the click handler moves the focus after the list has rendered: wait for it
  const moved = await page.waitForFunction((id) => document.activeElement?.dataset?.hotel === String(id),
    p2.items[0].hotel.id, { timeout: 5000 }).then(() => true, () => false);
  const focused = await page.evaluate(() => document.activeElement.dataset.hotel);
  check(moved, `focus did not move to the first new hotel (${p2.items[0].hotel.id}), it is on ${focused}`);
  // scrolling to the end loads the next page by itself
  await page.evaluate(() => document.getElementById('more-hotels').scrollIntoView());
  await page.waitForFunction((n) => document.querySelectorAll('#hotel-list .hotel-card').length >= n, 3 * PAGE);
  const p3 = await apiPage(SEARCH, 2 * PAGE);
  sameHotels((await cards(page)).slice(2 * PAGE, 3 * PAGE), p3.items, 'third page (infinite scroll)');
}

async function hotelOffers(page) {
  // a wide window, so the top hotel has several pages of offers
  const qs = 'earliestDepartureDate=2023-01-01&latestReturnDate=2023-12-31&duration=7&countAdults=2&countChildren=0';
  const all = (await srv.json(`/api/bestOffersByHotel?${qs}`)).body;
  const top = all.reduce((a, b) => (b.countAvailableOffers > a.countAvailableOffers ? b : a));
  check(top.countAvailableOffers > 40, `the busiest hotel has only ${top.countAvailableOffers} offers`);
  await open(page, `/?${qs}&sort=name`);
  // find its card (sorted by name, paging until it shows up) and open it
  while (!(await page.$(`#hotel-list a[data-hotel="${top.hotel.id}"]`)))
    await after(page, 'list', () => page.click('#more-hotels'));
  await after(page, 'offers', () => page.click(`#hotel-list a[data-hotel="${top.hotel.id}"]`));
  check(query(page).get('hotel') === String(top.hotel.id) && query(page).get('sort') === 'name',
    `hotel URL: ${page.url()}`);
  check((await page.textContent('#hotel-name')) === top.hotel.name, 'hotel name');
  check(await page.evaluate(() => document.activeElement.id) === 'hotel-name', 'focus not on the hotel heading');
  // page through its offers and compare with the API's cursor pages
  const apiOffers = [];
  let cursor = null;
  do {
    const r = await srv.json(`/api/hotels/${top.hotel.id}/offers?${qs}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    apiOffers.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor && apiOffers.length < 60);
  check((await page.$$('#offer-rows tr')).length === 20, 'first offer page is not 20 rows');
  await after(page, 'offers', () => page.click('#more-offers'));
  await after(page, 'offers', () => page.click('#more-offers'));
  const rows = await page.$$eval('#offer-rows tr', (trs) => trs.map((tr) => tr.textContent));
  check(rows.length === 60, `after two more pages: ${rows.length} rows`);
  apiOffers.slice(0, 60).forEach((o, i) => {
    const p = o.price.toLocaleString('en-GB');
    check(rows[i].includes(`€${p}`), `offer ${i + 1}: row "${rows[i]}" lacks €${p}`);
    check(rows[i].includes(`${o.outboundDepartureAirport} → ${o.outboundArrivalAirport}`), `offer ${i + 1}: outbound airports`);
    check(rows[i].includes(`${o.inboundDepartureAirport} → ${o.inboundArrivalAirport}`), `offer ${i + 1}: return airports`);
    const t = o.outboundDepartureDatetime.slice(11, 16);
    if (t !== '00:00') check(rows[i].includes(t), `offer ${i + 1}: outbound time ${t}`);
  });
  check((await page.textContent('#offer-status')).includes(`60 of ${top.countAvailableOffers}`), 'offer count status');
  await shot(page, 'hotel');
  // back to the list keeps the search
  await page.click('#back-link'); // the list of this search is still there: no new request
  await page.waitForSelector('#list-view:not([hidden])');
  check(!query(page).has('hotel') && query(page).get('sort') === 'name' && query(page).get('latestReturnDate') === '2023-12-31',
    `back link lost the search: ${page.url()}`);
  check(await page.isVisible('#list-view') && !(await page.isVisible('#hotel-view')), 'list not shown after back');
}

async function calendar(page) {
  await open(page, `/?${SEARCH}`, 'calendar');
  const cal = (await srv.json('/api/priceCalendar?duration=7&countAdults=2&countChildren=0')).body.days;
  const bars = await page.$$eval('#calendar .cal-bar', (b) => b.length);
  check(bars === cal.length, `${bars} bars for ${cal.length} days`);
  const cheapest = cal.reduce((a, b) => (b.minPrice < a.minPrice ? b : a));
  const summary = await page.textContent('#cal-summary');
  check(summary.includes(`€${cheapest.minPrice.toLocaleString('en-GB')}`), `summary "${summary}" lacks the cheapest price`);
  // the bars inside the search window are marked
  const inWin = await page.$$eval('#calendar .cal-bar.in-window', (b) => b.length);
  check(inWin === cal.filter((d) => d.date >= '2023-07-01' && d.date <= '2023-08-24').length, `${inWin} bars in the window`);
  // keyboard: focus the chart, go to the first day of August, Enter searches that day
  await page.focus('#calendar .cal-frame');
  await page.keyboard.press('Home');
  const target = cal.findIndex((d) => d.date >= '2023-08-01');
  for (let i = 0; i < target; i++) await page.keyboard.press('ArrowRight');
  const day = cal[target].date;
  const valuetext = await page.getAttribute('#calendar .cal-frame', 'aria-valuetext');
  check(valuetext.includes('August 2023') && valuetext.includes(`€${cal[target].minPrice.toLocaleString('en-GB')}`),
    `slider value text "${valuetext}"`);
  await after(page, 'list', () => page.keyboard.press('Enter'));
  const q = query(page);
  check(q.get('earliestDepartureDate') === day && q.get('latestReturnDate') === '2023-08-08',
    `picking ${day} gave ${page.url()}`);
  const shown = await cards(page);
  const api = await apiPage(`earliestDepartureDate=${day}&latestReturnDate=2023-08-08&duration=7&countAdults=2&countChildren=0`);
  sameHotels(shown, api.items, 'after picking a day');
  check(api.items.every((it) => it.departureDate === day), 'API results not on the picked day');
  check(shown.length && shown[0].price === cal[target].minPrice, 'cheapest hotel that day != the bar');
  // a click on a bar does the same
  await page.waitForTimeout(100);
  const box = await page.$eval('#calendar .cal-bar.cheapest', (r) => {
    const b = r.getBoundingClientRect();
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  });
  await after(page, 'list', () => page.mouse.click(box.x, box.y));
  check(query(page).get('earliestDepartureDate') === cheapest.date, `click on the cheapest bar: ${page.url()}`);
  await shot(page, 'calendar');
  // one hotel's calendar
  const hid = (await cards(page))[0].id;
  await after(page, 'calendar', () => page.click(`#hotel-list a[data-hotel="${hid}"]`));
  const hcal = (await srv.json(`/api/priceCalendar?duration=7&countAdults=2&countChildren=0&hotelId=${hid}`)).body.days;
  check(await page.$$eval('#hotel-calendar .cal-bar', (b) => b.length) === hcal.length, 'hotel calendar bars');
}

async function apiErrors(page) {
  // a malformed airport code: the API's 400 names the field, the page marks it
  await open(page, `/?${SEARCH}&departureAirports=M%21C`, 'list-error');
  check(await page.getAttribute('#f-airport', 'aria-invalid') === 'true', 'airport field not marked invalid');
  const msg = await page.textContent('#e-airports');
  const api = await srv.json(`/api/bestOffersByHotel?${SEARCH}&departureAirports=M%21C`);
  check(api.status === 400 && msg === api.body.error.message, `field error "${msg}" != API "${api.body.error.message}"`);
  check((await page.textContent('#list-message')).includes(api.body.error.message), 'results area does not explain');
  // removing the bad chip fixes it
  await after(page, 'list', () => page.click('#airport-chips .chip-x'));
  check(await page.getAttribute('#f-airport', 'aria-invalid') === null, 'airport still marked invalid');
  // an unknown meal type from a URL: shown at the meal filters, which open
  await open(page, `/?${SEARCH}&mealType=SPAGHETTI`, 'list-error');
  check(await page.getAttribute('#f-meal', 'aria-invalid') === 'true', 'meal fieldset not marked invalid');
  check(await page.isVisible('#e-meal') && (await page.textContent('#e-meal')).includes('SPAGHETTI'), 'meal error not shown');
  await shot(page, 'api-error');
  // unknown hotel
  await open(page, `/?${SEARCH}&hotel=4000000000`, 'offers-error');
  check((await page.textContent('#hotel-name')) === 'Hotel not found', 'unknown hotel heading');
}

async function inlineValidation(page) {
  await open(page, `/?${SEARCH}`);
  let apiCalls = 0;
  page.on('request', (r) => { if (r.url().includes('/api/bestOffersByHotel')) apiCalls++; });
  const url = page.url();
  await page.fill('#f-latest', '2023-07-05'); // shorter than 7 nights after 1 July
  await page.waitForSelector('#e-latest:not([hidden])');
  const msg = await page.textContent('#e-latest');
  check(msg.includes('7 nights do not fit'), `message "${msg}"`);
  check(await page.getAttribute('#f-latest', 'aria-invalid') === 'true', 'not marked invalid');
  check((await page.textContent('#list-message')).includes('Correct the highlighted field'), 'results not told');
  await page.fill('#f-adults', '0');
  await page.waitForSelector('#e-adults:not([hidden])');
  await page.waitForTimeout(300);
  check(apiCalls === 0, `${apiCalls} API calls for an invalid search`);
  check(page.url() === url, 'an invalid search changed the URL');
  await page.fill('#f-adults', '2');
  await after(page, 'list', () => page.fill('#f-latest', '2023-07-31'));
  check(await page.isHidden('#e-latest'), 'error still shown after fixing');
}

async function emptyState(page) {
  await open(page, `/?${SEARCH}&maxPrice=1`);
  check((await page.textContent('#result-status')) === 'No hotel matches this search.', 'empty status');
  check((await page.textContent('#list-message')).includes('Try other dates'), 'empty state advice');
  check((await cards(page)).length === 0 && await page.isHidden('#more-hotels'), 'empty list');
}

// The destination picker: filled from GET /api/destinations (one destination
// here, Mallorca), its choice in the URL as `destination`, the results the
// API's for that destination; a name in the URL selects its code, a valid
// destination without offers shows the empty state.
async function destinationPicker(page) {
  await open(page, `/?${SEARCH}`);
  const options = await page.$$eval('#f-destination option', (os) => os.map((o) => [o.value, o.textContent]));
  check(options.length === 2 && options[0][0] === '' && options[0][1].includes('Mallorca') &&
    options[1][0] === 'PMI' && options[1][1].includes('Mallorca (PMI)'), `destination options ${JSON.stringify(options)}`);
  check(!query(page).has('destination'), 'no destination in the URL before one is chosen');
  await after(page, 'list', () => page.selectOption('#f-destination', 'PMI'));
  check(query(page).get('destination') === 'PMI', `destination not in the URL: ${page.url()}`);
  sameHotels(await cards(page), (await apiPage(`destination=PMI&${SEARCH}`)).items, 'destination PMI');
  check((await page.textContent('#search-summary')).startsWith('Mallorca'), 'summary names the destination');
  await open(page, `/?destination=mallorca&${SEARCH}`);
  check(await page.inputValue('#f-destination') === 'PMI', 'a destination name in the URL selects its code');
  await open(page, `/?destination=Ibiza&${SEARCH}`);
  check((await page.textContent('#result-status')) === 'No hotel matches this search.', 'Ibiza: empty state');
  check(await page.inputValue('#f-destination') === 'Ibiza', 'a destination the data lacks stays selected');
}

async function backForward(page) {
  await open(page, `/?${SEARCH}`);
  const a = await cards(page);
  await after(page, 'list', () => page.fill('#f-duration', '10'));
  const b = await cards(page);
  check(query(page).get('duration') === '10', 'nights change not in the URL');
  await after(page, 'offers', () => page.click('#hotel-list .hotel-card a'));
  check(query(page).has('hotel'), 'hotel not in the URL');
  await page.goBack();
  await page.waitForSelector('#list-view:not([hidden])');
  check(query(page).get('duration') === '10' && await page.inputValue('#f-duration') === '10', 'back to the list of B');
  sameHotels(await cards(page), (await apiPage(SEARCH.replace('duration=7', 'duration=10'))).items, 'back to B');
  await after(page, 'list', () => page.goBack());
  check(query(page).get('duration') === '7' && await page.inputValue('#f-duration') === '7', 'back to A: form');
  check(JSON.stringify(await cards(page)) === JSON.stringify(a), 'back to A: results');
  await after(page, 'list', () => page.goForward());
  check(JSON.stringify(await cards(page)) === JSON.stringify(b), 'forward to B: results');
  await page.goForward();
  await page.waitForSelector('#hotel-view:not([hidden])');
  check(query(page).has('hotel'), 'forward to the hotel');
}

async function airportKeyboard(page) {
  await open(page, `/?${SEARCH}`);
  await page.focus('#f-airport');
  await page.keyboard.type('ham');
  const first = await page.$eval('#airport-list .ms-option', (li) => li.id);
  check(first === 'ap-HAM', `first match for "ham" is ${first}`);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  check(await page.getAttribute('#f-airport', 'aria-activedescendant') === 'ap-HAM', 'active option');
  await after(page, 'list', () => page.keyboard.press('Enter'));
  check(await page.getAttribute('#ap-HAM', 'aria-selected') === 'true', 'HAM not selected');
  await page.keyboard.type('vienna');
  await after(page, 'list', () => page.keyboard.press('Enter'));
  check(query(page).getAll('departureAirports').join() === 'HAM,VIE', `airports ${page.url()}`);
  await page.keyboard.press('Escape');
  check(await page.getAttribute('#f-airport', 'aria-expanded') === 'false', 'Escape did not close the list');
  await after(page, 'list', () => page.keyboard.press('Backspace'));
  check(query(page).getAll('departureAirports').join() === 'HAM', 'Backspace did not remove the last airport');
  // a city without its accent, and a code
  await page.keyboard.type('zurich');
  check(await page.$eval('#airport-list .ms-option', (li) => li.id) === 'ap-ZRH', 'zurich');
  await page.fill('#f-airport', 'krak');
  check(await page.$eval('#airport-list .ms-option', (li) => li.id) === 'ap-KRK', 'krak');
}

async function accessibility(page) {
  await open(page, `/?${SEARCH}`);
  const problems = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, button, [role=slider], [role=combobox]')) {
      if (el.type === 'hidden') continue;
      const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
        (el.tagName === 'BUTTON' && el.textContent.trim()) || el.closest('label');
      if (!named) out.push(`no label: ${el.outerHTML.slice(0, 80)}`);
    }
    for (const el of document.querySelectorAll('[tabindex]')) if (el.tabIndex > 0) out.push(`positive tabindex: ${el.id}`);
    if (!document.documentElement.lang) out.push('no lang');
    if (document.querySelector('#result-status').getAttribute('role') !== 'status') out.push('result count not a live region');
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    const dup = ids.filter((x, i) => ids.indexOf(x) !== i);
    if (dup.length) out.push(`duplicate ids: ${dup}`);
    return out;
  });
  check(problems.length === 0, problems.join('; '));
  // the whole search works from the keyboard: Tab reaches the first hotel link
  await page.focus('#f-earliest');
  let reached = false;
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => !!document.activeElement.closest('#hotel-list'));
  }
  check(reached, 'Tab never reaches the results');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement.closest('.hotel-card')).outlineStyle);
  check(outline !== 'none', 'focused hotel card has no visible focus ring');
}

async function phone(page) {
  await page.setViewportSize({ width: 390, height: 844 });
  const noScroll = async (what) => {
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    check(w <= 390, `${what}: page is ${w} px wide at 390`);
  };
  await open(page, `/?${SEARCH}&departureAirports=MUC&departureAirports=FRA&departureAirports=DUS`);
  await noScroll('results');
  await shot(page, 'phone-results');
  await page.click('#filters summary');
  await noScroll('filters open');
  await after(page, 'offers', () => page.click('#hotel-list .hotel-card a'));
  await noScroll('hotel');
  check(await page.isHidden('#f-earliest'), 'the form is not folded away on a phone hotel page');
  check(await page.isVisible('#search-summary'), 'no search summary on the phone hotel page');
  await page.click('#edit-search');
  check(await page.isVisible('#f-earliest'), '"Change search" does not open the form');
  await shot(page, 'phone-hotel');
  await page.goto(`${srv.base}/dashboard`);
  await page.waitForTimeout(1500);
  await noScroll('dashboard');
  await shot(page, 'phone-dashboard');
}

async function localAssets(page) {
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(srv.base) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().includes('/api/')) failed.push(`${r.status()} ${r.url()}`); });
  await open(page, `/?${SEARCH}`);
  await page.goto(`${srv.base}/dashboard`);
  await page.waitForTimeout(500);
  check(foreign.length === 0, `requests outside isla: ${foreign}`);
  check(failed.length === 0, `static files failed: ${failed}`);
}

async function dashboard(page) {
  await page.goto(`${srv.base}/dashboard`);
  await page.waitForFunction(() => Number(document.body.dataset.events || 0) >= 1, null, { timeout: 10000 });
  check((await page.textContent('#live')) === 'Live', `status "${await page.textContent('#live')}"`);
  const health = (await srv.json('/api/health')).body;
  check((await page.textContent('#v-offers')) === health.offers.toLocaleString('en-GB'), 'offers != /api/health');
  check((await page.textContent('#v-generation')) === String(health.generation), 'generation != /api/health');
  const total0 = Number((await page.textContent('#v-requests')).replace(/[^\d]/g, ''));
  const events0 = Number(await page.evaluate(() => document.body.dataset.events));
  await page.evaluate(() => {
    window.__rpsMax = 0;
    const el = document.getElementById('v-rps');
    new MutationObserver(() => { window.__rpsMax = Math.max(window.__rpsMax, parseFloat(el.textContent.replace(/,/g, '')) || 0); })
      .observe(el, { childList: true, characterData: true, subtree: true });
  });
  // traffic: 300 searches (some bad) while the page watches
  const t0 = Date.now();
  let sent = 0;
  while (Date.now() - t0 < 2500) {
    const bad = sent % 25 === 0;
    await fetch(`${srv.base}/api/bestOffersByHotel?${bad ? 'duration=x' : SEARCH.replace('duration=7', `duration=${3 + (sent % 12)}`)}&limit=5`)
      .then((r) => r.arrayBuffer());
    sent++;
  }
  // two events that began after the last request
  const events1 = Number(await page.evaluate(() => document.body.dataset.events));
  check(events1 >= events0 + 1, 'no event arrived while the traffic ran');
  await page.waitForFunction((n) => Number(document.body.dataset.events) >= n + 2, events1, { timeout: 10000 });
  const total1 = Number((await page.textContent('#v-requests')).replace(/[^\d]/g, ''));
  check(total1 >= total0 + sent, `requests went from ${total0} to ${total1} after ${sent} sent`);
  const rpsMax = await page.evaluate(() => window.__rpsMax);
  check(rpsMax > 0, `requests per second stayed 0 while ${sent} requests were sent`);
  // the figures are the server's: the page's total is the stream's last one
  const stats = (await srv.json('/api/stats')).body;
  const errors = Number((await page.textContent('#v-errors')).replace(/[^\d]/g, ''));
  check(errors <= stats.requests.errors, `errors shown ${errors}, server has ${stats.requests.errors}`);
  check(total1 <= stats.requests.total, `total shown ${total1} > server's ${stats.requests.total}`);
  const rows = await page.$$eval('#routes tr', (trs) => trs.map((tr) => tr.firstChild.textContent));
  check(rows.some((r) => r.includes('bestOffersByHotel')), `route table: ${rows}`);
  // the charts have been drawn
  const inked = await page.$eval('#c-rps', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n;
  });
  check(inked > 200, `requests chart nearly empty (${inked} pixels)`);
  await shot(page, 'dashboard');
  timing.dashboardRequestsSent = sent;
}

async function dashboardReconnects(page) {
  await page.goto(`${srv.base}/dashboard`);
  await page.waitForFunction(() => Number(document.body.dataset.events || 0) >= 1, null, { timeout: 10000 });
  await srv.stop();
  await page.waitForFunction(() => document.getElementById('live').classList.contains('off'), null, { timeout: 10000 });
  await srv.start();
  const n = Number(await page.evaluate(() => document.body.dataset.events));
  await page.waitForFunction((k) => Number(document.body.dataset.events) > k + 1, n, { timeout: 30000 });
  check((await page.textContent('#live')) === 'Live', 'not live again after the restart');
}

async function ringBounded(page) {
  // the dashboard's series: fixed capacity, oldest overwritten, order kept
  await page.goto(`${srv.base}/dashboard`);
  const r = await page.evaluate(async () => {
    const { Ring } = await import('/js/timeseries.js');
    const ring = new Ring(600);
    for (let i = 0; i < 100000; i++) ring.push(i * 1000, i);
    const seen = [];
    ring.forEach((t, v) => seen.push(v));
    return { len: ring.len, first: seen[0], last: seen[seen.length - 1], n: seen.length,
      ordered: seen.every((v, i) => i === 0 || v === seen[i - 1] + 1), bytes: ring.t.byteLength + ring.v.byteLength };
  });
  check(r.len === 600 && r.n === 600 && r.first === 99400 && r.last === 99999 && r.ordered, JSON.stringify(r));
  check(r.bytes === 9600, `ring holds ${r.bytes} bytes`);
}

async function readmeShots(page) {
  const dir = path.join(ROOT, 'docs/img');
  fs.mkdirSync(dir, { recursive: true });
  await page.setViewportSize({ width: 1200, height: 760 });
  await open(page, `/?${SEARCH}&departureAirports=MUC&departureAirports=FRA&departureAirports=STR`, 'calendar');
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(dir, 'results.png') });
  await page.goto(`${srv.base}/dashboard`);
  const t0 = Date.now();
  while (Date.now() - t0 < 12000) { // some traffic to draw
    await fetch(`${srv.base}/api/bestOffersByHotel?${SEARCH.replace('duration=7', `duration=${3 + (Date.now() % 12)}`)}&limit=5`)
      .then((r) => r.arrayBuffer());
    await sleep(2 + (Date.now() / 1000 % 10));
  }
  await page.screenshot({ path: path.join(dir, 'dashboard.png') });
}

// ---- main ----------------------------------------------------------------------

const tests = [
  ['search_from_url', searchFromUrl],
  ['search_from_form', searchFromForm],
  ['keystroke_to_results_timing', keystrokeTiming],
  ['sort', sortResults],
  ['filters', filterResults],
  ['hotel_list_paging', pageHotels],
  ['hotel_offers_cursor_paging', hotelOffers],
  ['price_calendar', calendar],
  ['api_errors_shown_at_fields', apiErrors],
  ['inline_validation', inlineValidation],
  ['empty_state', emptyState],
  ['destination_picker', destinationPicker],
  ['back_forward', backForward],
  ['airport_select_keyboard', airportKeyboard],
  ['accessibility_basics', accessibility],
  ['phone_390px', phone],
  ['assets_local_only', localAssets],
  ['dashboard_ring_buffers_bounded', ringBounded],
  ['dashboard_live', dashboard],
  ['dashboard_reconnects', dashboardReconnects],
];
if (process.env.ISLA_README_SHOTS) tests.push(['readme_screenshots', readmeShots]);

async function main() {
  let store, browser, result = { passed: 0, failed: 1 };
  fs.rmSync(OUT, { recursive: true, force: true });
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
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'timing.json'), `${JSON.stringify(timing, null, 2)}\n`);
  console.log(`${result.passed} passed, ${result.failed} failed`);
  process.exitCode = result.failed ? 1 : 0;
}

main();
