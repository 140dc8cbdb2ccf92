// The search page: form, hotel list, one hotel's offers, price calendars.
//
// The URL is the state. It holds the search in the API's own parameter
// names (/?earliestDepartureDate=…&departureAirports=MUC&departureAirports=FRA)
// plus `hotel=ID` while a hotel's offers are shown, so every view can be
// bookmarked, shared and reached with back/forward. Changing the form
// pushes a new URL (debounced while typing) and the page re-renders from
// it; popstate does the same with the URL the browser restores.
//
// Requests: a newer search aborts the older one's fetch (AbortController),
// so a slow answer can never overwrite a newer one. Hotels are paged with
// limit/offset and X-Total-Count, a hotel's offers with the API's cursor.

import { COUNTRIES, airportLabel, searchAirports } from './airports.js';
import { ApiError, api, cachedApi, describeError, retryDelay, transient } from './api.js';
import { PriceCalendar } from './calendar.js';
import {
  MEAL_TYPES, ROOM_TYPES, count, dateRange, dayNumber, h, isoDay, mealLabel, nights, price, roomLabel, shortDate,
  shortDateYear, splitDatetime, starsGlyphs, starsText,
} from './format.js';
import { DEFAULTS, emptySearch, pageUrl, params, searchFromUrl, validate } from './query.js';

const PAGE = 24;          // hotels per page
const OFFER_PAGE = 20;    // offers per page
const TYPING_DELAY = 150; // ms after the last keystroke before searching

const $ = (id) => document.getElementById(id);

// Form controls and their error slots, by API parameter name.
const FIELDS = {
  destination: ['f-destination', 'e-destination'],
  earliestDepartureDate: ['f-earliest', 'e-earliest'],
  latestReturnDate: ['f-latest', 'e-latest'],
  duration: ['f-duration', 'e-duration'],
  countAdults: ['f-adults', 'e-adults'],
  countChildren: ['f-children', 'e-children'],
  departureAirports: ['f-airport', 'e-airports'],
  mealType: ['f-meal', 'e-meal'],
  roomType: ['f-room', 'e-room'],
  oceanView: ['f-ocean', 'e-ocean'],
  minStars: ['f-stars', 'e-stars'],
  maxPrice: ['f-maxprice', 'e-maxprice'],
};
const INPUTS = {
  destination: 'f-destination', earliestDepartureDate: 'f-earliest', latestReturnDate: 'f-latest', duration: 'f-duration',
  countAdults: 'f-adults', countChildren: 'f-children', oceanView: 'f-ocean', minStars: 'f-stars',
  maxPrice: 'f-maxprice', sort: 'f-sort',
};

function rendered(view, detail) {
  performance.mark(`isla:${view}-rendered`);
  document.dispatchEvent(new CustomEvent('isla:rendered', { detail: { view, ...detail } }));
}

// ---- the form ----------------------------------------------------------------

const form = $('search');
let selectedAirports = [];
let extraMeals = [];  // values from the URL that the checkboxes do not know
let extraRooms = [];

function buildChecks(root, name, values, label) {
  root.replaceChildren(...values.map((v) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name, value: v }), ` ${label(v)}`)));
}

// ---- destinations -------------------------------------------------------------

let destinations = []; // GET /api/destinations: [{code, name, hotels, offers, ...}]

function destinationLabel(code) {
  const d = destinations.find((x) => x.code === code.toUpperCase());
  return d && d.name ? d.name : code;
}

/**
 * The destination picker: "All destinations" and every destination of the
 * data, by name. With one destination (the Mallorca dump) "all" is that
 * one, so the picker says so. A destination from the URL that the data
 * lacks stays selectable, so the form shows what the URL asks.
 */
function fillDestinations(current) {
  const sel = $('f-destination');
  const all = destinations.length === 1
    ? `${destinations[0].name || destinations[0].code} (the only destination)` : 'All destinations';
  const opts = [h('option', { value: '' }, all)];
  for (const d of destinations)
    opts.push(h('option', { value: d.code },
      `${d.name ? `${d.name} (${d.code})` : d.code} · ${count(d.hotels)} ${d.hotels === 1 ? 'hotel' : 'hotels'}`));
  if (current && !destinations.some((d) => d.code === current.toUpperCase()) &&
      !destinations.some((d) => d.name && d.name.toLowerCase() === current.toLowerCase()))
    opts.push(h('option', { value: current }, current));
  sel.replaceChildren(...opts);
  const byName = destinations.find((d) => d.name && d.name.toLowerCase() === current.toLowerCase());
  const byCode = destinations.find((d) => d.code === current.toUpperCase());
  sel.value = byName ? byName.code : byCode ? byCode.code : current;
}

async function loadDestinations() {
  try {
    const { body } = await cachedApi('/api/destinations');
    destinations = Array.isArray(body.destinations) ? body.destinations : [];
  } catch {
    destinations = []; // the picker keeps "All destinations"
  }
}

function fillForm(s) {
  fillDestinations(s.destination);
  for (const [k, id] of Object.entries(INPUTS)) if (k !== 'destination') $(id).value = s[k];
  if (!s.sort) $('f-sort').value = 'price';
  for (const box of form.querySelectorAll('input[name=mealType]')) box.checked = s.mealType.includes(box.value);
  for (const box of form.querySelectorAll('input[name=roomType]')) box.checked = s.roomType.includes(box.value);
  extraMeals = s.mealType.filter((v) => !MEAL_TYPES.includes(v));
  extraRooms = s.roomType.filter((v) => !ROOM_TYPES.includes(v));
  selectedAirports = [...s.departureAirports];
  renderChips();
  updateFilterCount(s);
}

function readForm() {
  const s = emptySearch();
  for (const [k, id] of Object.entries(INPUTS)) s[k] = $(id).value.trim();
  if (s.sort === 'price') s.sort = '';
  s.departureAirports = [...selectedAirports];
  s.mealType = [...form.querySelectorAll('input[name=mealType]:checked')].map((b) => b.value).concat(extraMeals);
  s.roomType = [...form.querySelectorAll('input[name=roomType]:checked')].map((b) => b.value).concat(extraRooms);
  return s;
}

function updateFilterCount(s) {
  const n = (s.mealType.length ? 1 : 0) + (s.roomType.length ? 1 : 0) + (s.oceanView ? 1 : 0) +
    (s.minStars ? 1 : 0) + (s.maxPrice ? 1 : 0);
  $('filter-count').textContent = n ? `(${n} active)` : '';
}

function showErrors(errors) {
  for (const [param, [fieldId, errId]] of Object.entries(FIELDS)) {
    const msg = errors[param];
    const field = $(fieldId), slot = $(errId);
    if (msg) {
      field.setAttribute('aria-invalid', 'true');
      slot.textContent = msg;
      slot.hidden = false;
      if (field.closest('details')) field.closest('details').open = true;
    } else {
      field.removeAttribute('aria-invalid');
      slot.hidden = true;
      slot.textContent = '';
    }
  }
}

// ---- the airport multi-select (a combobox over a multi-select listbox) ------

const apInput = $('f-airport');
const apList = $('airport-list');
let apMatches = [];
let apActive = -1;

function renderChips() {
  $('airport-chips').replaceChildren(...selectedAirports.map((code) => h('li', { class: 'chip' },
    h('span', null, airportLabel(code)),
    h('button', {
      type: 'button', class: 'chip-x', 'aria-label': `Remove ${airportLabel(code)}`,
      onclick: () => { toggleAirport(code); apInput.focus(); },
    }, '×'))));
  apInput.placeholder = selectedAirports.length ? 'Add an airport' : 'Any airport: type a city or code';
}

function openList() {
  apMatches = searchAirports(apInput.value);
  apActive = apInput.value.trim() && apMatches.length ? 0 : -1;
  apList.replaceChildren(...apMatches.map((a, i) => h('li', {
    role: 'option', id: `ap-${a.code}`, class: 'ms-option', 'aria-selected': String(selectedAirports.includes(a.code)),
    'data-index': i,
  }, h('span', { class: 'ms-check', 'aria-hidden': 'true' }),
  h('span', { class: 'ms-city' }, a.city), h('span', { class: 'ms-code' }, `${a.code} · ${COUNTRIES[a.country]}`))));
  if (!apMatches.length) apList.append(h('li', { class: 'ms-none', role: 'presentation' }, 'No airport matches.'));
  apList.hidden = false;
  apInput.setAttribute('aria-expanded', 'true');
  markActive();
}

function closeList() {
  apList.hidden = true;
  apInput.setAttribute('aria-expanded', 'false');
  apInput.removeAttribute('aria-activedescendant');
  apActive = -1;
}

function markActive() {
  for (const li of apList.querySelectorAll('.ms-option')) li.classList.toggle('active', Number(li.dataset.index) === apActive);
  if (apActive >= 0) {
    const li = apList.children[apActive];
    apInput.setAttribute('aria-activedescendant', li.id);
    li.scrollIntoView({ block: 'nearest' });
  } else {
    apInput.removeAttribute('aria-activedescendant');
  }
}

function toggleAirport(code) {
  const i = selectedAirports.indexOf(code);
  if (i >= 0) selectedAirports.splice(i, 1);
  else selectedAirports.push(code);
  renderChips();
  const li = document.getElementById(`ap-${code}`);
  if (li) li.setAttribute('aria-selected', String(i < 0));
  schedule(0);
}

apInput.addEventListener('input', openList);
apInput.addEventListener('focus', () => { if (apList.hidden) openList(); });
apInput.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== apInput) closeList(); }, 120));
apInput.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    if (apList.hidden) openList();
    const n = apMatches.length;
    if (!n) return;
    apActive = e.key === 'ArrowDown' ? (apActive + 1) % n : (apActive <= 0 ? n - 1 : apActive - 1);
    markActive();
  } else if (e.key === 'Enter') {
    if (!apList.hidden && apActive >= 0) {
      e.preventDefault();
      toggleAirport(apMatches[apActive].code);
      apInput.value = '';
      openList();
    } else if (!apList.hidden && apInput.value.trim()) {
      e.preventDefault(); // nothing to pick: do not submit half-typed text
    }
  } else if (e.key === 'Escape') {
    if (!apList.hidden) { e.preventDefault(); closeList(); }
  } else if (e.key === 'Backspace' && !apInput.value && selectedAirports.length) {
    toggleAirport(selectedAirports[selectedAirports.length - 1]);
  }
});
// mousedown, not click: keep the focus in the input while picking
apList.addEventListener('mousedown', (e) => {
  const li = e.target.closest('.ms-option');
  if (!li) return;
  e.preventDefault();
  apActive = Number(li.dataset.index);
  toggleAirport(apMatches[apActive].code);
  markActive();
});

// ---- scheduling searches -------------------------------------------------------

let timer = 0;
function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(commit, delay);
}

form.addEventListener('input', (e) => {
  if (e.target === apInput) return;
  if (e.target.name === 'mealType') extraMeals = [];
  if (e.target.name === 'roomType') extraRooms = [];
  const typing = e.target.type === 'number' || e.target.type === 'date' || e.target.type === 'text';
  schedule(typing ? TYPING_DELAY : 0);
});
form.addEventListener('change', () => schedule(0));
$('f-sort').addEventListener('change', () => schedule(0));
form.addEventListener('submit', (e) => {
  e.preventDefault();
  closeList();
  commit();
});
$('clear-filters').addEventListener('click', () => {
  for (const box of form.querySelectorAll('.checks input')) box.checked = false;
  extraMeals = [];
  extraRooms = [];
  $('f-ocean').value = '';
  $('f-stars').value = '';
  $('f-maxprice').value = '';
  schedule(0);
});

let state = { s: emptySearch(), hotel: null };

/** Reads the form; if it is valid, makes it the URL and the page. */
function commit() {
  clearTimeout(timer);
  const s = readForm();
  updateFilterCount(s);
  const errors = validate(s);
  showErrors(errors);
  if (Object.keys(errors).length) {
    list.abort();
    hotelView.abort();
    const msg = 'Correct the highlighted field to see results.';
    if (state.hotel) hotelView.message(msg, 'warn');
    else list.message(msg, 'warn');
    return;
  }
  const url = pageUrl(s, state.hotel);
  if (url !== location.pathname + location.search) history.pushState(null, '', url);
  state = { s, hotel: state.hotel };
  render();
}

function navigate(url, focus) {
  history.pushState(null, '', url);
  state = searchFromUrl(location.search);
  render(focus);
}

// Links inside the app change the view without reloading the page.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-nav]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href'), true);
});

window.addEventListener('popstate', () => {
  state = searchFromUrl(location.search);
  fillForm(state.s);
  showErrors(validate(state.s));
  render(false);
});

function pickDay(iso) {
  const n = Number(state.s.duration) || 7;
  $('f-earliest').value = iso;
  $('f-latest').value = isoDay(dayNumber(iso) + n);
  commit();
}

// On a phone the form would push a hotel's offers a screen down: there it
// folds into a one-line summary while a hotel is shown.
const narrow = window.matchMedia('(max-width: 959px)');
function setCollapsed(on) {
  form.classList.toggle('collapsed', on);
  $('edit-search').setAttribute('aria-expanded', String(!on));
  $('edit-search').textContent = on ? 'Change search' : 'Hide search';
}
narrow.addEventListener('change', () => setCollapsed(!!state.hotel && narrow.matches));
$('edit-search').addEventListener('click', () => {
  const on = !form.classList.contains('collapsed');
  setCollapsed(on);
  if (!on) $('f-earliest').focus();
});

function summarize(s) {
  const parts = [s.destination ? destinationLabel(s.destination) : 'all destinations'];
  parts.push(`${s.countAdults} ${s.countAdults === '1' ? 'adult' : 'adults'}`);
  if (Number(s.countChildren)) parts.push(`${s.countChildren} ${s.countChildren === '1' ? 'child' : 'children'}`);
  parts.push(nights(Number(s.duration)));
  if (!Number.isNaN(dayNumber(s.earliestDepartureDate)) && !Number.isNaN(dayNumber(s.latestReturnDate)))
    parts.push(dateRange(s.earliestDepartureDate, s.latestReturnDate));
  parts.push(s.departureAirports.length ? s.departureAirports.join(', ') : 'any airport');
  return parts.join(' · ');
}

function render(moveFocus) {
  const { s, hotel } = state;
  $('search-summary').textContent = summarize(s);
  setCollapsed(!!hotel && narrow.matches);
  const errors = validate(s);
  if (Object.keys(errors).length) {
    showErrors(errors);
    (hotel ? hotelView : list).message('Correct the highlighted field to see results.', 'warn');
  }
  $('list-view').hidden = !!hotel;
  $('hotel-view').hidden = !hotel;
  if (hotel) {
    list.abort();
    if (!Object.keys(errors).length) hotelView.show(s, hotel, moveFocus);
  } else {
    hotelView.abort();
    document.title = 'Hotels on Mallorca · isla';
    if (!Object.keys(errors).length) {
      list.show(s, moveFocus);
      listCalendar.show(s, null);
    }
  }
}

// ---- calendars ----------------------------------------------------------------

class CalendarPanel {
  constructor(rootId, summaryId, label) {
    this.chart = new PriceCalendar($(rootId), { label, onPick: pickDay });
    this.summary = $(summaryId);
    this.controller = null;
    this.key = null;
  }

  async show(s, hotelId) {
    const p = params(s, { dates: false, sort: false });
    if (hotelId) p.append('hotelId', hotelId);
    const path = `/api/priceCalendar?${p}`;
    const n = Number(s.duration);
    const win = { from: s.earliestDepartureDate, to: isoDay(dayNumber(s.latestReturnDate) - n) };
    if (this.key === path) { // same data, maybe another window
      this.draw(win);
      return;
    }
    this.controller?.abort();
    const controller = this.controller = new AbortController();
    this.chart.setLoading(true);
    try {
      const { body } = await cachedApi(path, controller.signal);
      if (controller.signal.aborted) return;
      this.key = path;
      this.days = body.days;
      this.draw(win);
      rendered('calendar', { days: body.days.length });
    } catch (err) {
      const msg = describeError(err);
      if (msg === null) return;
      this.key = null;
      this.chart.setError(msg);
      this.summary.textContent = '';
    }
  }

  draw(win) {
    const days = this.days;
    this.chart.update(days, win);
    if (!days.length) {
      this.summary.replaceChildren('No matching departures in the whole season.');
      return;
    }
    let best = days[0], inWin = null;
    for (const d of days) {
      if (d.minPrice < best.minPrice) best = d;
      if (d.date >= win.from && d.date <= win.to && (!inWin || d.minPrice < inWin.minPrice)) inWin = d;
    }
    const parts = [
      'Cheapest: ',
      h('button', { type: 'button', class: 'link-button', onclick: () => pickDay(best.date) },
        `${shortDateYear(best.date)} from ${price(best.minPrice)}`),
    ];
    if (inWin && inWin !== best) parts.push(` · in your dates: ${shortDate(inWin.date)} from ${price(inWin.minPrice)}`);
    this.summary.replaceChildren(...parts);
  }

  abort() {
    this.controller?.abort();
  }
}

const listCalendar = new CalendarPanel('calendar', 'cal-summary', 'Cheapest price per departure day, all hotels');
const hotelCalendar = new CalendarPanel('hotel-calendar', 'hcal-summary', 'Cheapest price per departure day at this hotel');

// ---- the hotel list ------------------------------------------------------------

const list = {
  key: null,        // query of the search shown
  total: 0,
  shown: 0,
  controller: null,
  loading: false,
  failed: false,
  cheapest: null,
  lastHotel: null,
  retries: 0,

  abort() {
    this.controller?.abort();
    this.setBusy(false);
  },

  setBusy(on) {
    this.loading = on;
    $('hotel-list').setAttribute('aria-busy', String(on));
    $('results-region').classList.toggle('busy', on);
  },

  message(text, kind, retry) {
    const box = $('list-message');
    if (!text) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.className = `message ${kind || ''}`;
    box.replaceChildren(h('p', null, text));
    if (retry) box.append(h('button', { type: 'button', class: 'secondary', onclick: retry }, 'Try again'));
    box.hidden = false;
    if (kind !== 'info') $('result-status').textContent = text;
  },

  show(s, moveFocus) {
    const key = params(s).toString();
    if (key === this.key && !this.failed) {
      this.restoreFocus(moveFocus);
      return;
    }
    this.key = key;
    this.load(false);
  },

  restoreFocus(moveFocus) {
    if (!moveFocus || !this.lastHotel) return;
    const a = document.querySelector(`#hotel-list a[data-hotel="${this.lastHotel}"]`);
    if (a) a.focus();
  },

  async load(more) {
    this.controller?.abort();
    const controller = this.controller = new AbortController();
    const offset = more ? this.shown : 0;
    const key = this.key;
    this.setBusy(true);
    if (!more && !this.shown) this.skeleton();
    try {
      const { body, total } = await cachedApi(`/api/bestOffersByHotel?${key}&limit=${PAGE}&offset=${offset}`,
        controller.signal);
      if (controller.signal.aborted) return;
      this.failed = false;
      this.retries = 0;
      this.total = Number.isFinite(total) ? total : body.length;
      this.renderItems(body, more);
      this.setBusy(false);
      rendered('list', { total: this.total, shown: this.shown });
    } catch (err) {
      const msg = describeError(err);
      if (msg === null) return;
      this.setBusy(false);
      this.failed = true;
      if (!more) {
        $('hotel-list').replaceChildren();
        this.shown = 0;
        $('more-hotels').hidden = true;
      }
      if (err instanceof ApiError && err.param && FIELDS[err.param]) {
        showErrors({ [err.param]: err.message });
        this.message(`The search could not run: ${err.message}`, 'error');
      } else {
        this.message(msg, 'error', () => this.load(more));
        if (transient(err) && this.retries < 5) {
          const key = this.key;
          setTimeout(() => { if (this.key === key && this.failed && !state.hotel) this.load(more); }, retryDelay(err, this.retries++));
        }
      }
      rendered('list-error', { message: msg });
    }
  },

  skeleton() {
    $('hotel-list').replaceChildren(...Array.from({ length: 4 }, () => h('li', { class: 'hotel-card skeleton', 'aria-hidden': 'true' })));
  },

  renderItems(items, more) {
    const ol = $('hotel-list');
    const s = state.s;
    const cards = items.map((it) => this.card(it, s));
    if (more) ol.append(...cards);
    else ol.replaceChildren(...cards);
    this.shown = (more ? this.shown : 0) + items.length;
    const status = $('result-status');
    if (!this.total) {
      status.textContent = 'No hotel matches this search.';
      this.message('No hotel has an offer for this search. Try other dates (the calendar above shows the days with offers), more airports or fewer filters.', 'info');
    } else {
      // sorted by price, the first hotel of the first page is the cheapest
      if (!more) this.cheapest = !s.sort && items.length ? items[0].minPrice : null;
      const from = this.cheapest !== null ? ` · from ${price(this.cheapest)}` : '';
      status.textContent = `${count(this.total)} ${this.total === 1 ? 'hotel' : 'hotels'}${from}`;
      this.message(null);
    }
    const btn = $('more-hotels');
    btn.hidden = this.shown >= this.total;
    btn.textContent = `Show more hotels (${count(this.total - this.shown)} more)`;
  },

  card(it, s) {
    const hotel = it.hotel;
    const href = pageUrl(s, String(hotel.id));
    const tags = [mealLabel(it.mealType), roomLabel(it.roomType)];
    if (it.oceanView) tags.push('Ocean view');
    return h('li', { class: 'hotel-card' },
      h('div', { class: 'hc-main' },
        h('h3', { class: 'hc-name' }, h('a', { href, 'data-nav': '', 'data-hotel': hotel.id }, hotel.name)),
        h('p', { class: 'stars' },
          h('span', { 'aria-hidden': 'true' }, starsGlyphs(hotel.stars)),
          h('span', { class: hotel.stars ? 'sr-only' : 'muted' }, starsText(hotel.stars))),
        h('p', { class: 'hc-dates' }, `${dateRange(it.departureDate, it.returnDate)} · ${nights(it.duration)}` +
          (destinations.length > 1 && hotel.destination ? ` · ${destinationLabel(hotel.destination)}` : '')),
        h('ul', { class: 'tags', 'aria-label': 'Cheapest offer' }, ...tags.map((t) => h('li', null, t)))),
      h('div', { class: 'hc-price' },
        h('span', { class: 'from' }, 'from'),
        h('strong', { class: 'amount' }, price(it.minPrice)),
        h('span', { class: 'muted' }, `${count(it.countAvailableOffers)} ${it.countAvailableOffers === 1 ? 'offer' : 'offers'}`)));
  },
};

$('more-hotels').addEventListener('click', async () => {
  const before = list.shown;
  await list.load(true);
  // keyboard users continue at the first new hotel
  const links = document.querySelectorAll('#hotel-list a[data-hotel]');
  if (links[before]) links[before].focus();
});
// infinite scroll: load the next page as the button comes into view
new IntersectionObserver((entries) => {
  if (entries.some((e) => e.isIntersecting) && !list.loading && !list.failed && !$('more-hotels').hidden && !state.hotel)
    list.load(true);
}, { rootMargin: '300px' }).observe($('more-hotels'));
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-hotel]');
  if (a) list.lastHotel = a.dataset.hotel;
});

// ---- one hotel's offers --------------------------------------------------------

const hotelView = {
  key: null,
  retries: 0,
  cursor: null,
  shown: 0,
  total: 0,
  controller: null,
  failed: false,

  abort() {
    this.controller?.abort();
    $('results-region').classList.remove('busy');
  },

  message(text, kind, retry) {
    const box = $('offer-message');
    if (!text) {
      box.hidden = true;
      return;
    }
    box.className = `message ${kind || ''}`;
    box.replaceChildren(h('p', null, text));
    if (retry) box.append(h('button', { type: 'button', class: 'secondary', onclick: retry }, 'Try again'));
    box.hidden = false;
    $('offer-status').textContent = text;
  },

  show(s, id, moveFocus) {
    $('back-link').setAttribute('href', pageUrl(s, null));
    $('back-link').setAttribute('data-nav', '');
    hotelCalendar.show(s, id);
    const key = `${id}?${params(s, { sort: false })}`;
    if (key === this.key && !this.failed) {
      if (moveFocus) $('hotel-name').focus();
      return;
    }
    if (!this.key || !this.key.startsWith(`${id}?`)) {
      $('hotel-name').textContent = 'Loading hotel…';
      $('hotel-meta').textContent = '';
      $('offer-rows').replaceChildren();
    }
    this.key = key;
    this.id = id;
    this.load(false, moveFocus);
  },

  async load(more, moveFocus) {
    this.controller?.abort();
    const controller = this.controller = new AbortController();
    const q = params(state.s, { sort: false });
    q.append('limit', OFFER_PAGE);
    if (more && this.cursor) q.append('cursor', this.cursor);
    $('results-region').classList.add('busy');
    try {
      const { body } = await cachedApi(`/api/hotels/${this.id}/offers?${q}`, controller.signal);
      if (controller.signal.aborted) return;
      this.failed = false;
      this.retries = 0;
      $('results-region').classList.remove('busy');
      this.renderOffers(body, more);
      if (moveFocus) $('hotel-name').focus();
      rendered('offers', { total: body.total, shown: this.shown });
    } catch (err) {
      const msg = describeError(err);
      if (msg === null) return;
      $('results-region').classList.remove('busy');
      this.failed = true;
      if (err instanceof ApiError && err.code === 'hotel_not_found') {
        $('hotel-name').textContent = 'Hotel not found';
        $('offer-rows').replaceChildren();
        $('more-offers').hidden = true;
        this.message('This hotel is not in the current offer data. Go back to the list to pick another one.', 'error');
      } else if (err instanceof ApiError && err.param && FIELDS[err.param]) {
        showErrors({ [err.param]: err.message });
        this.message(`The search could not run: ${err.message}`, 'error');
      } else {
        this.message(msg, 'error', () => this.load(more));
        if (transient(err) && this.retries < 5) {
          const key = this.key;
          setTimeout(() => { if (this.key === key && this.failed && state.hotel) this.load(more); }, retryDelay(err, this.retries++));
        }
      }
      rendered('offers-error', { message: msg });
    }
  },

  renderOffers(body, more) {
    const hotel = body.hotel;
    const s = state.s;
    document.title = `${hotel.name} · isla`;
    $('hotel-name').textContent = hotel.name;
    const travellers = `${s.countAdults} ${s.countAdults === '1' ? 'adult' : 'adults'}` +
      (Number(s.countChildren) ? `, ${s.countChildren} ${s.countChildren === '1' ? 'child' : 'children'}` : '');
    $('hotel-meta').replaceChildren(
      h('span', { 'aria-hidden': 'true', class: 'stars' }, starsGlyphs(hotel.stars)), ' ',
      h('span', { class: hotel.stars ? 'sr-only' : '' }, starsText(hotel.stars)),
      ` · ${travellers} · ${nights(Number(s.duration))} · departures ${dateRange(s.earliestDepartureDate, isoDay(dayNumber(s.latestReturnDate) - Number(s.duration)))}`);
    const rows = body.items.map((o) => this.row(o));
    if (more) $('offer-rows').append(...rows);
    else $('offer-rows').replaceChildren(...rows);
    this.shown = (more ? this.shown : 0) + body.items.length;
    this.total = body.total;
    this.cursor = body.nextCursor;
    if (!body.total) {
      this.message('This hotel has no offer for this search. The calendar above shows the days it has offers for your party and stay.', 'info');
      $('offer-status').textContent = 'No offers for this search.';
    } else {
      this.message(null);
      $('offer-status').textContent = `${count(this.shown)} of ${count(body.total)} ${body.total === 1 ? 'offer' : 'offers'}, cheapest first`;
    }
    const btn = $('more-offers');
    btn.hidden = !body.nextCursor;
    btn.textContent = `Show more offers (${count(body.total - this.shown)} more)`;
    $('offers').hidden = !body.total;
  },

  row(o) {
    const out = splitDatetime(o.outboundDepartureDatetime);
    const outArr = splitDatetime(o.outboundArrivalDatetime);
    const back = splitDatetime(o.inboundDepartureDatetime);
    const backArr = splitDatetime(o.inboundArrivalDatetime);
    const flight = (dep, arr, from, to) => [
      h('span', { class: 'fl-date' }, shortDateYear(dep.date)),
      h('span', { class: 'fl-route' },
        h('abbr', { title: airportLabel(from) }, from), ' → ', h('abbr', { title: airportLabel(to) }, to)),
      h('span', { class: 'fl-time' }, dep.time ? `${dep.time}–${arr.time || '?'}` : 'times to be confirmed')];
    const stay = [mealLabel(o.mealType), roomLabel(o.roomType)];
    if (o.oceanView) stay.push('Ocean view');
    return h('tr', null,
      h('td', { 'data-label': 'Outbound' }, ...flight(out, outArr, o.outboundDepartureAirport, o.outboundArrivalAirport)),
      h('td', { 'data-label': 'Return' }, ...flight(back, backArr, o.inboundDepartureAirport, o.inboundArrivalAirport)),
      h('td', { 'data-label': 'Stay' }, h('ul', { class: 'tags' }, ...stay.map((t) => h('li', null, t)))),
      h('td', { class: 'num', 'data-label': 'Price' }, h('strong', { class: 'amount' }, price(o.price))));
  },
};

$('more-offers').addEventListener('click', async () => {
  const before = hotelView.shown;
  await hotelView.load(true);
  const rows = $('offer-rows').rows;
  if (rows[before]) {
    rows[before].tabIndex = -1;
    rows[before].focus();
  }
});

// ---- start ---------------------------------------------------------------------

/**
 * A summer window in the data's season: 1 July to 31 August of the year
 * with the most offers, or the first two months with offers if that summer
 * has none. Asked of the price calendar, so it works for any data set.
 */
async function defaultWindow(s) {
  const year = new Date().getUTCFullYear();
  const fallback = { from: `${year}-07-01`, to: `${year}-08-31` };
  try {
    const p = new URLSearchParams({ duration: s.duration, countAdults: s.countAdults, countChildren: s.countChildren || '0' });
    if (s.destination) p.append('destination', s.destination);
    const { body } = await cachedApi(`/api/priceCalendar?${p}`);
    if (!body.days.length) return fallback;
    const perYear = new Map();
    for (const d of body.days) perYear.set(d.date.slice(0, 4), (perYear.get(d.date.slice(0, 4)) || 0) + d.offers);
    const best = [...perYear].sort((a, b) => b[1] - a[1])[0][0];
    const summer = { from: `${best}-07-01`, to: `${best}-08-31` };
    if (body.days.some((d) => d.date >= summer.from && d.date <= summer.to)) return summer;
    const first = dayNumber(body.days[0].date);
    return { from: isoDay(first), to: isoDay(first + 61) };
  } catch {
    return fallback;
  }
}

async function start() {
  buildChecks($('meal-options'), 'mealType', MEAL_TYPES, mealLabel);
  buildChecks($('room-options'), 'roomType', ROOM_TYPES, roomLabel);
  await loadDestinations();
  state = searchFromUrl(location.search);
  const s = state.s;
  let changed = false;
  for (const [k, v] of Object.entries(DEFAULTS)) {
    if (s[k] === '' && k !== 'sort') { s[k] = v; changed = true; }
  }
  if (!s.earliestDepartureDate && !s.latestReturnDate) {
    const w = await defaultWindow(s);
    s.earliestDepartureDate = w.from;
    s.latestReturnDate = w.to;
    changed = true;
  }
  if (changed) history.replaceState(null, '', pageUrl(s, state.hotel));
  fillForm(s);
  showErrors(validate(s));
  render(false);
}

start();
