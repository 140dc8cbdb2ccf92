// The price calendar chart: one bar per departure day, its height the
// cheapest matching price that day (GET /api/priceCalendar). Hand-drawn
// SVG, redrawn on resize.
//
// Keyboard and screen readers: the chart is one focusable slider over the
// days that have offers (arrow keys: a day; Page Up/Down: a week; Home/End),
// whose value text reads date, price and offers; Enter picks the day, like
// a click on its bar.

import { DAY_MS, dayNumber, longDate, monthName, price, count, h } from './format.js';

const SVGNS = 'http://www.w3.org/2000/svg';
const HEIGHT = 150;
const PAD = { top: 14, right: 6, bottom: 22, left: 6 };

function svg(tag, attrs) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

export class PriceCalendar {
  /**
   * @param {HTMLElement} root  container (emptied)
   * @param {{label: string, onPick: (iso: string) => void}} opts
   */
  constructor(root, opts) {
    this.root = root;
    this.opts = opts;
    this.days = [];
    this.active = -1;
    this.window = null;
    root.replaceChildren();
    this.frame = h('div', {
      class: 'cal-frame', role: 'slider', tabindex: '0', 'aria-label': opts.label,
      'aria-valuemin': '0', 'aria-valuemax': '0', 'aria-valuenow': '0', 'aria-valuetext': 'no days',
      'aria-describedby': `${root.id}-help`,
    });
    this.tip = h('div', { class: 'cal-tip', 'aria-hidden': 'true', hidden: true });
    this.note = h('p', { class: 'cal-note muted' });
    this.help = h('p', { class: 'sr-only', id: `${root.id}-help` },
      'Use the arrow keys to move between days, Page Up and Page Down to move by a week, Enter to search that day.');
    root.append(this.frame, this.tip, this.note, this.help);

    this.frame.addEventListener('pointermove', (e) => this.hover(e));
    this.frame.addEventListener('pointerleave', () => { if (document.activeElement !== this.frame) this.hideTip(); });
    this.frame.addEventListener('click', (e) => {
      const i = this.indexAt(e.clientX);
      if (i >= 0) { this.setActive(i, true); this.pick(); }
    });
    this.frame.addEventListener('keydown', (e) => this.key(e));
    this.frame.addEventListener('focus', () => { if (this.days.length) this.setActive(this.active < 0 ? this.cheapest : this.active, true); });
    this.frame.addEventListener('blur', () => this.hideTip());
    new ResizeObserver(() => this.draw()).observe(this.frame);
  }

  /** days: [{date, minPrice, offers}] ascending; win: {from, to} ISO departure days to shade, or null. */
  update(days, win) {
    this.days = days;
    this.window = win;
    this.cheapest = -1;
    for (let i = 0; i < days.length; i++)
      if (this.cheapest < 0 || days[i].minPrice < days[this.cheapest].minPrice) this.cheapest = i;
    this.active = -1;
    this.root.classList.toggle('empty', days.length === 0);
    this.root.classList.remove('loading');
    this.frame.setAttribute('aria-valuemax', String(Math.max(0, days.length - 1)));
    this.frame.setAttribute('aria-valuenow', '0');
    this.frame.setAttribute('aria-valuetext', days.length ? this.describe(0) : 'no departures match');
    this.frame.tabIndex = days.length ? 0 : -1;
    this.note.textContent = days.length ? '' : 'No departures match this search on any day.';
    this.hideTip();
    this.draw();
  }

  setLoading(on) {
    this.root.classList.toggle('loading', on);
  }

  setError(message) {
    this.days = [];
    this.root.classList.remove('loading');
    this.root.classList.add('empty');
    this.note.textContent = message;
    this.draw();
  }

  describe(i) {
    const d = this.days[i];
    return `${longDate(d.date)}: from ${price(d.minPrice)}, ${count(d.offers)} ${d.offers === 1 ? 'offer' : 'offers'}`;
  }

  draw() {
    const w = this.frame.clientWidth;
    this.frame.replaceChildren();
    if (!w) return;
    const s = svg('svg', { width: w, height: HEIGHT, viewBox: `0 0 ${w} ${HEIGHT}`, 'aria-hidden': 'true', focusable: 'false' });
    this.frame.append(s);
    const days = this.days;
    if (!days.length) return;
    const first = dayNumber(days[0].date);
    const last = dayNumber(days[days.length - 1].date);
    const span = last - first + 1;
    const plotW = w - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    // Scale to the 97th percentile so one absurd price does not flatten the
    // season; taller bars are clipped and marked.
    const sorted = days.map((d) => d.minPrice).sort((a, b) => a - b);
    const yMax = Math.max(1, sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.97))] * 1.08);
    const step = plotW / span;
    const barW = Math.max(1, step - (step > 4 ? 1 : 0));
    this.geom = { first, step, left: PAD.left };

    // the search's own window
    if (this.window) {
      const a = Math.max(first, dayNumber(this.window.from));
      const b = Math.min(last, dayNumber(this.window.to));
      if (b >= a)
        s.append(svg('rect', { class: 'cal-window', x: PAD.left + (a - first) * step, y: PAD.top - 8, width: (b - a + 1) * step, height: plotH + 8 }));
    }
    // grid lines with their price
    for (const f of [0.5, 1]) {
      const y = PAD.top + plotH * (1 - f / 1.08);
      s.append(svg('line', { class: 'cal-grid', x1: PAD.left, x2: w - PAD.right, y1: y, y2: y }));
      const t = svg('text', { class: 'cal-axis', x: PAD.left + 2, y: y - 3 });
      t.textContent = price(Math.round(yMax * f / 1.08));
      s.append(t);
    }
    // bars
    this.bars = [];
    for (let i = 0; i < days.length; i++) {
      const d = days[i];
      const x = PAD.left + (dayNumber(d.date) - first) * step;
      const clipped = d.minPrice > yMax;
      const bh = Math.max(2, plotH * Math.min(1, d.minPrice / yMax));
      const cls = ['cal-bar'];
      if (i === this.cheapest) cls.push('cheapest');
      if (this.window && d.date >= this.window.from && d.date <= this.window.to) cls.push('in-window');
      if (clipped) cls.push('clipped');
      const r = svg('rect', { class: cls.join(' '), x, y: PAD.top + plotH - bh, width: barW, height: bh });
      s.append(r);
      this.bars.push(r);
    }
    // month labels
    const start = new Date(first * DAY_MS);
    let m = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + (start.getUTCDate() > 1 ? 1 : 0), 1) / DAY_MS;
    const minGap = 28;
    let lastX = -Infinity;
    while (m <= last) {
      const x = PAD.left + (m - first) * step;
      s.append(svg('line', { class: 'cal-tick', x1: x, x2: x, y1: PAD.top + plotH, y2: PAD.top + plotH + 4 }));
      if (x - lastX >= minGap && x < w - 20) {
        const t = svg('text', { class: 'cal-axis', x: x + 2, y: HEIGHT - 6 });
        t.textContent = monthName(m);
        s.append(t);
        lastX = x;
      }
      const d = new Date(m * DAY_MS);
      m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS;
    }
    if (this.active >= 0) this.bars[this.active].classList.add('active');
  }

  indexAt(clientX) {
    if (!this.days.length || !this.geom) return -1;
    const rect = this.frame.getBoundingClientRect();
    const day = Math.floor((clientX - rect.left - this.geom.left) / this.geom.step) + this.geom.first;
    // nearest day that has offers
    let best = -1, bestDist = Infinity;
    let lo = 0, hi = this.days.length - 1;
    while (lo < hi) { // first index with day >= target
      const mid = (lo + hi) >> 1;
      if (dayNumber(this.days[mid].date) < day) lo = mid + 1; else hi = mid;
    }
    for (const i of [lo - 1, lo]) {
      if (i < 0 || i >= this.days.length) continue;
      const dist = Math.abs(dayNumber(this.days[i].date) - day);
      if (dist < bestDist) { best = i; bestDist = dist; }
    }
    return bestDist <= 3 ? best : -1;
  }

  hover(e) {
    const i = this.indexAt(e.clientX);
    if (i >= 0) this.setActive(i, true);
  }

  setActive(i, showTip) {
    if (i < 0 || i >= this.days.length) return;
    if (this.bars && this.active >= 0 && this.bars[this.active]) this.bars[this.active].classList.remove('active');
    this.active = i;
    if (this.bars && this.bars[i]) this.bars[i].classList.add('active');
    this.frame.setAttribute('aria-valuenow', String(i));
    this.frame.setAttribute('aria-valuetext', this.describe(i));
    if (showTip) this.showTip(i);
  }

  showTip(i) {
    const d = this.days[i];
    const bar = this.bars && this.bars[i];
    if (!bar) return;
    this.tip.replaceChildren(
      h('strong', null, longDate(d.date)),
      h('span', null, `from ${price(d.minPrice)}`),
      h('span', { class: 'muted' }, `${count(d.offers)} ${d.offers === 1 ? 'offer' : 'offers'} · click to search`));
    this.tip.hidden = false;
    const frameW = this.frame.clientWidth;
    const x = Number(bar.getAttribute('x'));
    const tw = this.tip.offsetWidth;
    this.tip.style.left = `${Math.max(0, Math.min(frameW - tw, x - tw / 2))}px`;
  }

  hideTip() {
    this.tip.hidden = true;
  }

  key(e) {
    const n = this.days.length;
    if (!n) return;
    let i = this.active < 0 ? this.cheapest : this.active;
    switch (e.key) {
      case 'ArrowLeft': case 'ArrowDown': i -= 1; break;
      case 'ArrowRight': case 'ArrowUp': i += 1; break;
      case 'PageUp': i -= 7; break;
      case 'PageDown': i += 7; break;
      case 'Home': i = 0; break;
      case 'End': i = n - 1; break;
      case 'Enter': case ' ': e.preventDefault(); this.pick(); return;
      default: return;
    }
    e.preventDefault();
    this.setActive(Math.max(0, Math.min(n - 1, i)), true);
  }

  pick() {
    if (this.active >= 0) this.opts.onPick(this.days[this.active].date);
  }
}

