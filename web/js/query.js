// The search as data: the parameters of a search in the API's own names,
// read from and written to the page's URL (the URL is the state), and
// checked before anything is sent. Pure functions, no DOM.

import { dayNumber, isoDay, nights, shortDate } from './format.js';

export const LISTS = ['departureAirports', 'mealType', 'roomType'];
export const SINGLES = ['destination', 'earliestDepartureDate', 'latestReturnDate', 'duration', 'countAdults',
  'countChildren', 'oceanView', 'minStars', 'maxPrice', 'sort'];
export const DEFAULTS = { duration: '7', countAdults: '2', countChildren: '0', sort: 'price' };

export function emptySearch() {
  const s = {};
  for (const k of SINGLES) s[k] = '';
  for (const k of LISTS) s[k] = [];
  return s;
}

/**
 * A query date as the API reads it: YYYY-MM-DD, or an ISO datetime counted
 * as the date of its nearest midnight (the official frontend sends
 * 2023-07-31T22:00:00.000Z for 1 August).
 */
export function normalizeDate(v) {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):/.exec(v);
  if (!m) return v;
  const d = dayNumber(m[1]);
  if (Number.isNaN(d)) return v;
  return isoDay(d + (Number(m[2]) >= 12 ? 1 : 0));
}

export function searchFromUrl(qs) {
  const p = new URLSearchParams(qs);
  const s = emptySearch();
  for (const k of SINGLES) s[k] = p.get(k) ?? '';
  s.earliestDepartureDate = normalizeDate(s.earliestDepartureDate || p.get('departureDate') || '');
  s.latestReturnDate = normalizeDate(s.latestReturnDate || p.get('returnDate') || '');
  s.destination = s.destination.trim();
  if (s.oceanView === '1') s.oceanView = 'true';
  if (s.oceanView === '0') s.oceanView = 'false';
  for (const k of LISTS) {
    const seen = new Set();
    for (const raw of [...p.getAll(k), ...p.getAll(`${k}[]`)])
      for (const v of raw.split(',')) {
        const c = v.trim().toUpperCase();
        if (c) seen.add(c);
      }
    s[k] = [...seen];
  }
  const hotel = /^\d{1,10}$/.test(p.get('hotel') || '') ? p.get('hotel') : null;
  return { s, hotel };
}

/** The search as query parameters, in a fixed order (one URL per search). */
export function params(s, { dates = true, sort = true } = {}) {
  const p = new URLSearchParams();
  for (const k of SINGLES) {
    if (!dates && (k === 'earliestDepartureDate' || k === 'latestReturnDate')) continue;
    if (k === 'sort' && (!sort || s.sort === 'price' || !s.sort)) continue;
    if (s[k] !== '') p.append(k, s[k]);
  }
  for (const k of LISTS) for (const v of s[k]) p.append(k, v);
  return p;
}

export function pageUrl(s, hotel) {
  const p = params(s);
  if (hotel) p.append('hotel', hotel);
  return `/?${p}`;
}

export function validate(s) {
  const e = {};
  const whole = (v, lo, hi) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;
  const from = dayNumber(s.earliestDepartureDate);
  const to = dayNumber(s.latestReturnDate);
  if (!s.earliestDepartureDate) e.earliestDepartureDate = 'Choose the earliest day you can leave.';
  else if (Number.isNaN(from)) e.earliestDepartureDate = 'This is not a valid date.';
  if (!s.latestReturnDate) e.latestReturnDate = 'Choose the latest day you can be back.';
  else if (Number.isNaN(to)) e.latestReturnDate = 'This is not a valid date.';
  if (!whole(s.duration, 1, 365)) e.duration = 'Nights must be a whole number from 1 to 365.';
  if (!whole(s.countAdults, 1, 24)) e.countAdults = 'At least 1 and at most 24 adults.';
  if (s.countChildren !== '' && !whole(s.countChildren, 0, 18)) e.countChildren = 'From 0 to 18 children.';
  if (s.maxPrice !== '' && !whole(s.maxPrice, 1, 4294967294)) e.maxPrice = 'A whole number of euros, or empty for any price.';
  if (!e.earliestDepartureDate && !e.latestReturnDate) {
    if (to < from) {
      e.latestReturnDate = 'The latest return is before the earliest departure.';
    } else if (!e.duration && to - from < Number(s.duration)) {
      const n = Number(s.duration);
      e.latestReturnDate = `${nights(n)} do not fit between ${shortDate(s.earliestDepartureDate)} and ` +
        `${shortDate(s.latestReturnDate)}: return on ${shortDate(isoDay(from + n))} or later, or stay fewer nights.`;
    }
  }
  return e;
}
