// Formatting shared by the pages: prices, dates, the dump's enum values.
// Dates are civil dates ("2023-07-01") and wall-clock times as the dump
// wrote them: nothing here converts time zones.

const LOCALE = 'en-GB';
const euro = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });
const num = new Intl.NumberFormat(LOCALE);
const dayFmt = new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayYearFmt = new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const longFmt = new Intl.DateTimeFormat(LOCALE, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const monthFmt = new Intl.DateTimeFormat(LOCALE, { month: 'short', timeZone: 'UTC' });

export const DAY_MS = 86400000;

export const price = (v) => euro.format(v);
export const count = (v) => num.format(v);

/** "2023-07-01" -> days since 1970-01-01 (UTC), or NaN. */
export function dayNumber(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return NaN;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  const d = new Date(t);
  // reject 2023-02-30 and friends
  if (d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) return NaN;
  return t / DAY_MS;
}

export function isoDay(n) {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export const shortDate = (iso) => dayFmt.format(new Date(dayNumber(iso) * DAY_MS));
export const shortDateYear = (iso) => dayYearFmt.format(new Date(dayNumber(iso) * DAY_MS));
export const longDate = (iso) => longFmt.format(new Date(dayNumber(iso) * DAY_MS));
export const monthName = (n) => monthFmt.format(new Date(n * DAY_MS));

export function dateRange(from, to) {
  const a = dayNumber(from), b = dayNumber(to);
  const sameYear = new Date(a * DAY_MS).getUTCFullYear() === new Date(b * DAY_MS).getUTCFullYear();
  return `${sameYear ? shortDate(from) : shortDateYear(from)} – ${shortDateYear(to)}`;
}

export const nights = (n) => `${n} ${n === 1 ? 'night' : 'nights'}`;

/**
 * "2023-07-01T17:05:00+00:00" -> { date: "2023-07-01", time: "17:05" };
 * the dump's T00:00:00 placeholder (time unknown) gives time "".
 */
export function splitDatetime(s) {
  const date = s.slice(0, 10);
  const time = s.length >= 16 ? s.slice(11, 16) : '';
  return { date, time: time === '00:00' ? '' : time };
}

const MEALS = {
  NONE: 'Room only', BREAKFAST: 'Breakfast', HALFBOARD: 'Half board', HALFBOARDPLUS: 'Half board plus',
  FULLBOARD: 'Full board', FULLBOARDPLUS: 'Full board plus', ALLINCLUSIVE: 'All inclusive',
  ALLINCLUSIVEPLUS: 'All inclusive plus', ACCORDINGDESCRIPTION: 'Meals as described', PROGRAM: 'Meal programme',
};
const ROOMS = {
  APARTMENT: 'Apartment', DOUBLE: 'Double room', STUDIO: 'Studio', SINGLE: 'Single room',
  SUPERIOR: 'Superior room', ECONOMY: 'Economy room', FAMILY: 'Family room', TRIPLE: 'Triple room',
  SUITE: 'Suite', ACCORDINGDESCRIPTION: 'Room as described', BUNGALOW: 'Bungalow', DELUXE: 'Deluxe room',
  MULTISHARE: 'Shared room', TWINROOM: 'Twin room', FOURBEDROOM: 'Four-bed room', VILLA: 'Villa',
  HOLIDAYHOUSE: 'Holiday house', JUNIORSUITE: 'Junior suite', DUPLEX: 'Duplex',
};
export const MEAL_TYPES = Object.keys(MEALS);
export const ROOM_TYPES = Object.keys(ROOMS);

function titleCase(v) {
  return v.charAt(0) + v.slice(1).toLowerCase();
}
export const mealLabel = (v) => MEALS[v] || titleCase(v);
export const roomLabel = (v) => ROOMS[v] || titleCase(v);

/** 4.5 -> "4.5 stars", 0 -> "not rated". */
export function starsText(stars) {
  if (!stars) return 'not rated';
  return `${stars} ${stars === 1 ? 'star' : 'stars'}`;
}
/** Visual stars: "★★★★½". */
export function starsGlyphs(stars) {
  const full = Math.floor(stars);
  return '★'.repeat(full) + (stars - full >= 0.5 ? '½' : '');
}

/** 123456789 -> "118 MiB". */
export function bytes(v) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** seconds -> "3 d 4 h", "5 h 12 min", "42 s". */
export function duration(sec) {
  if (!Number.isFinite(sec) || sec < 0) return '–';
  if (sec < 60) return `${Math.round(sec)} s`;
  const m = Math.floor(sec / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
  if (d) return `${d} d ${h % 24} h`;
  if (h) return `${h} h ${m % 60} min`;
  return `${m} min ${Math.round(sec % 60)} s`;
}

/** A tiny DOM builder: h('a', {href}, 'text', child). Strings become text nodes (never HTML). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}
