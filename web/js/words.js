// The search in words: a free-text box above the form.
//
// What the traveller types is sent to GET /api/parse (debounced while
// typing, at once on Enter or "Fill in"). The fields the sentence names are
// written into the current search - the rest of the form keeps its values -
// and the page navigates to that search the way back/forward does (a new
// URL, then a popstate the search page answers by filling the form and
// searching). The filled fields flash so the traveller sees what changed;
// the words isla could not place are listed under the box, and hotels the
// sentence names are offered as links to their offers. /?q=… links work too.

import { airportLabel } from './airports.js';
import { h } from './format.js';

const TYPING_DELAY = 600; // ms after the last keystroke
const $ = (id) => document.getElementById(id);

// interpreted key -> the form control that shows it
const CONTROLS = {
  countAdults: 'f-adults', countChildren: 'f-children', duration: 'f-duration',
  earliestDepartureDate: 'f-earliest', latestReturnDate: 'f-latest', departureAirports: 'airports',
  mealType: 'f-meal', roomType: 'f-room', oceanView: 'f-ocean', minStars: 'f-stars', maxPrice: 'f-maxprice',
};
const FILTERS = ['mealType', 'roomType', 'oceanView', 'minStars', 'maxPrice'];

const input = $('f-words');
const status = $('words-status');
let timer = 0;
let inflight = null;
let lastText = '';

function say(...parts) {
  status.replaceChildren(...parts);
}

/** The current search with what the sentence says written over it. */
function searchWith(interpreted) {
  const p = new URLSearchParams(location.search);
  p.delete('hotel');
  for (const [k, v] of Object.entries(interpreted)) {
    if (!(k in CONTROLS)) continue; // hotels and destination have no form field
    p.delete(k);
    p.delete(`${k}[]`);
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else p.set(k, String(v));
  }
  return p;
}

function flash(keys) {
  for (const k of keys) {
    const el = $(CONTROLS[k]);
    if (!el) continue;
    el.classList.remove('words-filled');
    void el.offsetWidth; // restart the animation
    el.classList.add('words-filled');
  }
  if (keys.some((k) => FILTERS.includes(k))) $('filters').open = true;
}

function describe(doc) {
  const parts = [];
  const keys = Object.keys(doc.interpreted).filter((k) => k in CONTROLS);
  if (keys.length) parts.push(h('span', { class: 'words-ok' }, `Filled in: ${keys.length} field${keys.length === 1 ? '' : 's'}`));
  const it = doc.interpreted;
  if (it.departureAirports) parts.push(h('span', {}, ` · from ${it.departureAirports.map(airportLabel).join(', ')}`));
  if (it.destination) parts.push(h('span', {}, ` · to ${it.destination.join(', ')}`));
  if (it.hotels && it.hotels.length) {
    const p = searchWith(it);
    parts.push(h('span', {}, ' · hotel: '));
    it.hotels.slice(0, 5).forEach((ho, i) => {
      const q = new URLSearchParams(p);
      q.set('hotel', String(ho.id));
      if (i) parts.push(', ');
      parts.push(h('a', { href: `/?${q}`, 'data-nav': '', class: 'words-hotel' }, ho.name || `#${ho.id}`));
    });
    if (it.hotels.length > 5) parts.push(` and ${it.hotels.length - 5} more`);
  }
  if (doc.unrecognized.length) {
    if (parts.length) parts.push(h('br'));
    parts.push(h('span', { class: 'words-unknown', id: 'words-unrecognized' },
      `Not understood: ${doc.unrecognized.join(', ')}${doc.unrecognizedTruncated ? ', …' : ''}`));
  }
  if (!parts.length) parts.push('Nothing to fill in from that.');
  return parts;
}

async function understand() {
  clearTimeout(timer);
  const text = input.value.trim();
  if (!text || text === lastText) return;
  lastText = text;
  if (inflight) inflight.abort();
  inflight = new AbortController();
  let doc;
  try {
    const r = await fetch(`/api/parse?q=${encodeURIComponent(text)}`, { signal: inflight.signal });
    doc = await r.json();
    if (!r.ok) {
      say(h('span', { class: 'words-unknown' }, doc.error ? doc.error.message : `Error ${r.status}`));
      return;
    }
  } catch (e) {
    if (e.name !== 'AbortError') say(h('span', { class: 'words-unknown' }, 'Could not reach isla.'));
    return;
  }
  const keys = Object.keys(doc.interpreted).filter((k) => k in CONTROLS);
  say(...describe(doc));
  if (!keys.length) return;
  const url = `/?${searchWith(doc.interpreted)}`;
  if (url !== location.pathname + location.search) {
    history.pushState(null, '', url);
    window.dispatchEvent(new PopStateEvent('popstate')); // the search page fills the form and searches
  }
  flash(keys);
  document.dispatchEvent(new CustomEvent('isla:words', { detail: { interpreted: doc.interpreted, unrecognized: doc.unrecognized } }));
}

// The box sits inside the search form: its keystrokes are not the form's.
input.addEventListener('input', (e) => {
  e.stopPropagation();
  clearTimeout(timer);
  timer = setTimeout(understand, TYPING_DELAY);
});
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    lastText = '';
    understand();
  }
});
$('words-go').addEventListener('click', () => {
  lastText = '';
  understand();
});

// A link may carry the sentence: /?q=zwei+Erwachsene+im+Juli fills the box
// and the form as if it had been typed (the search page drops q from the URL).
const linked = new URLSearchParams(location.search).get('q');
if (linked) {
  input.value = linked;
  // after the search page has read its URL, so the sentence's fields win
  document.addEventListener('isla:rendered', () => understand(), { once: true });
}
