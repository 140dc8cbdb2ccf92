// Fixed-size time series and their small canvas charts, for the dashboard.
//
// A Ring holds the last `size` samples in preallocated typed arrays and
// overwrites the oldest: the dashboard can stay open for days at one sample
// a second without its memory growing.

export class Ring {
  constructor(size) {
    this.t = new Float64Array(size);
    this.v = new Float64Array(size);
    this.size = size;
    this.head = 0; // next slot to write
    this.len = 0;
  }

  push(t, v) {
    this.t[this.head] = t;
    this.v[this.head] = v;
    this.head = (this.head + 1) % this.size;
    if (this.len < this.size) this.len++;
  }

  /** Calls fn(t, v) oldest first. */
  forEach(fn) {
    const start = (this.head - this.len + this.size) % this.size;
    for (let i = 0; i < this.len; i++) {
      const j = (start + i) % this.size;
      fn(this.t[j], this.v[j]);
    }
  }

  max(since) {
    let m = 0;
    this.forEach((t, v) => { if (t >= since && v > m) m = v; });
    return m;
  }

  last() {
    return this.len ? this.v[(this.head - 1 + this.size) % this.size] : NaN;
  }
}

/** 0.83 -> 1, 7 -> 10, 130 -> 200: a round top for the y axis. */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

/**
 * Draws series (each {ring, color}) over the last `windowSec` seconds into
 * the canvas, sized to its CSS box at the device pixel ratio. `fixedMax`
 * pins the y axis (1 for rates); `label(v)` formats the axis top.
 */
export function drawChart(canvas, series, { windowSec, now, fixedMax, label, fill = true }) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (!w || !h) return;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const css = getComputedStyle(canvas);
  const grid = css.getPropertyValue('--border').trim() || '#ccc';
  const muted = css.getPropertyValue('--muted').trim() || '#666';
  const since = now - windowSec * 1000;
  let top = fixedMax || 0;
  if (!fixedMax) for (const s of series) top = Math.max(top, s.ring.max(since));
  top = fixedMax || niceMax(top * 1.1);
  const padTop = 12;
  const x = (t) => ((t - since) / (windowSec * 1000)) * w;
  const y = (v) => h - 1 - (Math.min(v, top) / top) * (h - padTop - 1);

  ctx.strokeStyle = grid;
  ctx.lineWidth = 1;
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(0, padTop + 0.5);
  ctx.lineTo(w, padTop + 0.5);
  ctx.moveTo(0, h - 0.5);
  ctx.lineTo(w, h - 0.5);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = muted;
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillText(label(top), 2, 0);

  for (const s of series) {
    const color = css.getPropertyValue(s.color).trim() || s.color;
    ctx.beginPath();
    let first = true, firstX = 0, lastX = 0;
    s.ring.forEach((t, v) => {
      if (t < since || !Number.isFinite(v)) return;
      const px = x(t), py = y(v);
      if (first) { ctx.moveTo(px, py); firstX = px; first = false; } else ctx.lineTo(px, py);
      lastX = px;
    });
    if (first) continue;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.75;
    ctx.lineJoin = 'round';
    ctx.stroke();
    if (fill && series.length === 1) {
      ctx.lineTo(lastX, h);
      ctx.lineTo(firstX, h);
      ctx.closePath();
      ctx.globalAlpha = 0.15;
      ctx.fillStyle = color;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
  }
}
