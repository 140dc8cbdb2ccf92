/* What a run says: a summary table for the terminal, JSON with everything,
 * and one self-contained HTML page (inline SVG drawn by inline script from
 * the same JSON, no external asset) with throughput, latency percentiles
 * and errors over time, the phase boundaries marked, and the tables.
 *
 * Latencies are printed in milliseconds with microsecond digits; JSON
 * carries microseconds (floating point, from the nanosecond histograms). */
#include <inttypes.h>
#include <string.h>

#include "load/load.h"

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static double us(uint64_t ns)
{
    return (double)ns / 1e3;
}

static const char *kind_name(phase_kind k)
{
    return k == PHASE_OPEN ? "open" : k == PHASE_CLOSED ? "closed" : "pause";
}

static void threshold_actual(const load_threshold *t, double v, char *out, size_t cap)
{
    if (t->metric == TH_ERROR_RATE)
        snprintf(out, cap, "%.4f%%", v * 100);
    else
        snprintf(out, cap, "%.3f ms", v / 1e6);
}

/* ---- summary ---- */

static void stats_row(FILE *f, const char *name, const load_stats *s, double seconds)
{
    fprintf(f, "  %-28.28s %9" PRIu64 " %8.1f %7" PRIu64 " %7.3f%% %9.3f %9.3f %9.3f %9.3f %9.3f\n", name,
            s->requests, seconds > 0 ? (double)s->requests / seconds : 0, s->nerrors + s->failed,
            load_error_rate(s) * 100, ms(hist_percentile(&s->latency, 50)), ms(hist_percentile(&s->latency, 95)),
            ms(hist_percentile(&s->latency, 99)), ms(s->latency.max), ms(hist_percentile(&s->service, 99)));
}

static void stats_header(FILE *f, const char *what)
{
    fprintf(f, "  %-28s %9s %8s %7s %8s %9s %9s %9s %9s %9s\n", what, "responses", "resp/s", "errors", "err%",
            "p50 ms", "p95 ms", "p99 ms", "max ms", "svc p99");
}

void load_report_summary(const load_result *r, FILE *f)
{
    const load_plan_t *p = r->plan;
    fprintf(f, "\nisla load: %s -> %s, %.2f s", p->file, r->target, r->duration);
    if (r->time_scale != 1)
        fprintf(f, " (time scale %g)", r->time_scale);
    fprintf(f, "\n\nphases (arrivals: planned, started, achieved rate; latency is corrected, from the scheduled time)\n");
    fprintf(f, "  %-20s %-6s %8s %10s %9s %9s %10s %9s %9s\n", "phase", "kind", "seconds", "target", "planned",
            "started", "achieved/s", "p99 ms", "late ms");
    for (int i = 0; i < r->nphases; i++) {
        const load_phase *ph = &r->phases[i];
        const load_phase_run *pr = &r->phase_run[i];
        double d = ph->duration * r->time_scale;
        char target[32];
        if (ph->kind == PHASE_OPEN && ph->rate != ph->rate_to)
            snprintf(target, sizeof target, "%g->%g/s", ph->rate, ph->rate_to);
        else if (ph->kind == PHASE_OPEN)
            snprintf(target, sizeof target, "%g/s", ph->rate);
        else if (ph->kind == PHASE_CLOSED)
            snprintf(target, sizeof target, "%g->%g VUs", ph->vus, ph->vus_to);
        else
            snprintf(target, sizeof target, "-");
        fprintf(f, "  %-20.20s %-6s %8.2f %10s %9" PRIu64 " %9" PRIu64 " %10.1f %9.3f %9.3f\n", ph->name,
                kind_name(ph->kind), d, target, pr->planned, pr->started,
                d > 0 ? (double)pr->started / d : 0, ms(hist_percentile(&r->phase[i].latency, 99)),
                ms(pr->late_max));
    }
    fprintf(f, "\n");
    stats_header(f, "by phase");
    for (int i = 0; i < r->nphases; i++)
        stats_row(f, r->phases[i].name, &r->phase[i], r->phases[i].duration * r->time_scale);
    stats_row(f, "total", &r->total, r->duration);
    fprintf(f, "\n");
    stats_header(f, "by scenario");
    for (int i = 0; i < p->nscenarios; i++)
        stats_row(f, p->scenarios[i].name, &r->scenario[i], r->duration);
    fprintf(f, "\n");
    stats_header(f, "by request");
    for (int i = 0; i < p->nnames; i++)
        stats_row(f, p->names[i], &r->name[i], r->duration);

    const hist_t *l = &r->total.latency, *s = &r->total.service;
    fprintf(f, "\nlatency ms     %9s %9s %9s %9s %9s %9s %9s %9s\n", "min", "p50", "p90", "p95", "p99", "p99.9",
            "max", "mean");
    fprintf(f, "  corrected    %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", ms(l->count ? l->min : 0),
            ms(hist_percentile(l, 50)), ms(hist_percentile(l, 90)), ms(hist_percentile(l, 95)),
            ms(hist_percentile(l, 99)), ms(hist_percentile(l, 99.9)), ms(l->max), hist_mean(l) / 1e6);
    fprintf(f, "  service      %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", ms(s->count ? s->min : 0),
            ms(hist_percentile(s, 50)), ms(hist_percentile(s, 90)), ms(hist_percentile(s, 95)),
            ms(hist_percentile(s, 99)), ms(hist_percentile(s, 99.9)), ms(s->max), hist_mean(s) / 1e6);

    fprintf(f, "\nvirtual users: %" PRIu64 " started, %" PRIu64 " completed, %" PRIu64 " failed, %" PRIu64
               " unfinished; requests sent %" PRIu64 ", bytes in %" PRIu64 ", out %" PRIu64 "\n",
            r->vus_started, r->vus_completed, r->vus_failed, r->vus_unfinished, r->requests_sent, r->total.bytes_in,
            r->total.bytes_out);
    fprintf(f, "status codes:");
    int any = 0;
    for (int c = 0; c < 600; c++)
        if (r->status[c]) {
            fprintf(f, " %d: %" PRIu64, c, r->status[c]);
            any = 1;
        }
    fprintf(f, "%s\n", any ? "" : " none");
    fprintf(f, "errors:");
    any = 0;
    for (int k = 0; k < ERR_CLASSES; k++)
        if (r->total.errors[k]) {
            fprintf(f, " %s: %" PRIu64, load_err_name[k], r->total.errors[k]);
            any = 1;
        }
    fprintf(f, "%s\n", any ? "" : " none");
    fprintf(f, "generator: lateness p99 %.3f ms, max %.3f ms; %" PRIu64 " of %" PRIu64 " arrivals more than 1 ms late\n",
            ms(hist_percentile(&r->lateness, 99)), ms(r->lateness.max), r->late_arrivals, r->lateness.count);
    if (r->generator_behind)
        fprintf(f, "WARNING: the generator could not keep up with the plan (arrivals started up to %.1f ms late);\n"
                   "         latencies are still counted from the scheduled times, but the achieved rate is below "
                   "the plan's\n",
                ms(r->lateness.max));
    if (p->nthresholds) {
        fprintf(f, "\nthresholds:\n");
        for (int i = 0; i < p->nthresholds; i++) {
            char a[64];
            threshold_actual(&p->thresholds[i], r->thresholds[i].actual, a, sizeof a);
            fprintf(f, "  %s  %-40s (actual %s)\n", r->thresholds[i].pass ? "PASS" : "FAIL", p->thresholds[i].text,
                    a);
        }
        if (r->broke)
            fprintf(f, "breaking point: the second ending at %.1f s (phase '%s', target %g%s) first broke '%s'\n",
                    r->broke_t, r->phases[r->broke_phase].name, r->broke_target,
                    r->phases[r->broke_phase].kind == PHASE_CLOSED ? " VUs" : "/s",
                    p->thresholds[r->broke_threshold].text);
        fprintf(f, "result: %s\n", r->thresholds_ok ? "PASS" : "FAIL");
    }
}

/* ---- JSON ---- */

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == '<' || c == '>' || c == '&')
            fprintf(f, "\\u%04x", c); /* also safe inside an HTML <script> */
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void jhist(FILE *f, const hist_t *h)
{
    fprintf(f,
            "{\"count\":%" PRIu64 ",\"min\":%.3f,\"mean\":%.3f,\"p50\":%.3f,\"p75\":%.3f,\"p90\":%.3f,\"p95\":%.3f,"
            "\"p99\":%.3f,\"p99_9\":%.3f,\"p99_99\":%.3f,\"max\":%.3f}",
            h->count, us(h->count ? h->min : 0), hist_mean(h) / 1e3, us(hist_percentile(h, 50)),
            us(hist_percentile(h, 75)), us(hist_percentile(h, 90)), us(hist_percentile(h, 95)),
            us(hist_percentile(h, 99)), us(hist_percentile(h, 99.9)), us(hist_percentile(h, 99.99)), us(h->max));
}

static void jstats(FILE *f, const load_stats *s, double seconds)
{
    fprintf(f, "{\"responses\":%" PRIu64 ",\"rate\":%.3f,\"failed_status\":%" PRIu64 ",\"errors\":%" PRIu64
               ",\"error_rate\":%.6f,\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"error_classes\":{",
            s->requests, seconds > 0 ? (double)s->requests / seconds : 0, s->failed, s->nerrors, load_error_rate(s),
            s->bytes_in, s->bytes_out);
    for (int k = 0; k < ERR_CLASSES; k++) {
        fprintf(f, "%s", k ? "," : "");
        jstr(f, load_err_name[k]);
        fprintf(f, ":%" PRIu64, s->errors[k]);
    }
    fprintf(f, "},\"latency_us\":");
    jhist(f, &s->latency);
    fprintf(f, ",\"service_us\":");
    jhist(f, &s->service);
    fprintf(f, "}");
}

int load_report_json(const load_result *r, FILE *f)
{
    const load_plan_t *p = r->plan;
    fprintf(f, "{\"plan\":");
    jstr(f, p->file);
    fprintf(f, ",\"target\":");
    jstr(f, r->target);
    fprintf(f, ",\"time_scale\":%g,\"duration_s\":%.6f,\"pass\":%s", r->time_scale, r->duration,
            r->thresholds_ok ? "true" : "false");
    fprintf(f, ",\"total\":");
    jstats(f, &r->total, r->duration);
    fprintf(f, ",\"requests_sent\":%" PRIu64 ",\"vusers\":{\"started\":%" PRIu64 ",\"completed\":%" PRIu64
               ",\"failed\":%" PRIu64 ",\"unfinished\":%" PRIu64 "}",
            r->requests_sent, r->vus_started, r->vus_completed, r->vus_failed, r->vus_unfinished);
    fprintf(f, ",\"status\":{");
    int first = 1;
    for (int c = 0; c < 600; c++)
        if (r->status[c]) {
            fprintf(f, "%s\"%d\":%" PRIu64, first ? "" : ",", c, r->status[c]);
            first = 0;
        }
    fprintf(f, "},\"generator\":{\"late_arrivals\":%" PRIu64 ",\"behind\":%s,\"lateness_us\":", r->late_arrivals,
            r->generator_behind ? "true" : "false");
    jhist(f, &r->lateness);
    fprintf(f, "},\"phases\":[");
    for (int i = 0; i < r->nphases; i++) {
        const load_phase *ph = &r->phases[i];
        const load_phase_run *pr = &r->phase_run[i];
        double d = ph->duration * r->time_scale;
        fprintf(f, "%s{\"name\":", i ? "," : "");
        jstr(f, ph->name);
        fprintf(f, ",\"kind\":\"%s\",\"start_s\":%.3f,\"duration_s\":%.3f,\"rate\":%g,\"rate_to\":%g,\"vus\":%g,"
                   "\"vus_to\":%g,\"planned\":%" PRIu64 ",\"started\":%" PRIu64 ",\"achieved_rate\":%.3f,"
                   "\"late_max_us\":%.3f,\"stats\":",
                kind_name(ph->kind), pr->start, d, ph->rate, ph->rate_to, ph->vus, ph->vus_to, pr->planned,
                pr->started, d > 0 ? (double)pr->started / d : 0, us(pr->late_max));
        jstats(f, &r->phase[i], d);
        fprintf(f, "}");
    }
    fprintf(f, "],\"scenarios\":[");
    for (int i = 0; i < p->nscenarios; i++) {
        fprintf(f, "%s{\"name\":", i ? "," : "");
        jstr(f, p->scenarios[i].name);
        fprintf(f, ",\"weight\":%g,\"vusers\":%" PRIu64 ",\"stats\":", p->scenarios[i].weight, r->scenario_vus[i]);
        jstats(f, &r->scenario[i], r->duration);
        fprintf(f, "}");
    }
    fprintf(f, "],\"requests\":[");
    for (int i = 0; i < p->nnames; i++) {
        fprintf(f, "%s{\"name\":", i ? "," : "");
        jstr(f, p->names[i]);
        fprintf(f, ",\"stats\":");
        jstats(f, &r->name[i], r->duration);
        fprintf(f, "}");
    }
    fprintf(f, "],\"thresholds\":[");
    for (int i = 0; i < p->nthresholds; i++) {
        const load_threshold *t = &p->thresholds[i];
        fprintf(f, "%s{\"threshold\":", i ? "," : "");
        jstr(f, t->text);
        fprintf(f, ",\"metric\":\"%s\",\"pass\":%s,\"actual\":%.6f,\"limit\":%.6f,\"unit\":\"%s\"}",
                t->metric == TH_ERROR_RATE ? "error_rate" : "latency", r->thresholds[i].pass ? "true" : "false",
                t->metric == TH_ERROR_RATE ? r->thresholds[i].actual : r->thresholds[i].actual / 1e3,
                t->metric == TH_ERROR_RATE ? t->value : t->value / 1e3, t->metric == TH_ERROR_RATE ? "ratio" : "us");
    }
    fprintf(f, "],\"breaking_point\":");
    if (r->broke) {
        fprintf(f, "{\"t_s\":%.3f,\"phase\":", r->broke_t);
        jstr(f, r->phases[r->broke_phase].name);
        fprintf(f, ",\"target\":%g,\"threshold\":", r->broke_target);
        jstr(f, p->thresholds[r->broke_threshold].text);
        fprintf(f, "}");
    } else {
        fprintf(f, "null");
    }
    fprintf(f, ",\"seconds\":[");
    for (int i = 0; i < r->nseconds; i++) {
        const load_second *s = &r->seconds[i];
        fprintf(f,
                "%s{\"t\":%.3f,\"phase\":%d,\"target\":%g,\"arrivals\":%" PRIu64 ",\"sent\":%" PRIu64
                ",\"responses\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"failed_status\":%" PRIu64 ",\"inflight\":%" PRIu64
                ",\"p50_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,\"max_us\":%.3f,\"service_p99_us\":%.3f,"
                "\"late_max_us\":%.3f}",
                i ? "," : "", s->t, s->phase, s->target, s->arrivals, s->sent, s->requests, s->errors, s->failed,
                s->inflight, us(s->p50), us(s->p90), us(s->p99), us(s->max), us(s->svc_p99), us(s->late_max));
    }
    fprintf(f, "]}\n");
    return ferror(f) ? -1 : 0;
}

/* ---- HTML ---- */

static const char html_head[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>isla load report</title>\n"
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}\n"
    "h1{font-size:20px}h2{font-size:16px;margin-top:28px}\n"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}\n"
    "td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}\n"
    "td:first-child,th:first-child{text-align:left}\n"
    ".pass{color:#070;font-weight:bold}.fail{color:#b00;font-weight:bold}\n"
    ".warn{background:#fee;border:1px solid #c00;padding:8px}\n"
    "svg{display:block;margin:8px 0}svg text{font-size:11px;fill:#444}\n"
    ".legend span{display:inline-block;margin-right:14px}\n"
    "</style></head><body>\n"
    "<h1>isla load report</h1>\n<div id=\"meta\"></div>\n"
    "<h2>Throughput</h2><div class=\"chart\" id=\"chart-throughput\"></div>\n"
    "<h2>Latency percentiles (corrected, ms, log scale)</h2><div class=\"chart\" id=\"chart-latency\"></div>\n"
    "<h2>Errors</h2><div class=\"chart\" id=\"chart-errors\"></div>\n"
    "<h2>Phases</h2><table id=\"phases\"></table>\n"
    "<h2>Scenarios</h2><table id=\"scenarios\"></table>\n"
    "<h2>Requests</h2><table id=\"requests\"></table>\n"
    "<h2>Thresholds</h2><table id=\"thresholds\"></table>\n"
    "<script id=\"data\" type=\"application/json\">";

static const char html_tail[] =
    "</script>\n<script>\n"
    "'use strict';\n"
    "const D = JSON.parse(document.getElementById('data').textContent);\n"
    "const NS = 'http://www.w3.org/2000/svg';\n"
    "function el(tag, attrs, parent, text) {\n"
    "  const e = document.createElementNS(NS, tag);\n"
    "  for (const k in attrs) e.setAttribute(k, attrs[k]);\n"
    "  if (text !== undefined) e.textContent = text;\n"
    "  if (parent) parent.appendChild(e);\n"
    "  return e;\n"
    "}\n"
    "function fmt(v) { return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3); }\n"
    "// one line chart: series [{name, color, values}], x = D.seconds[i].t\n"
    "function chart(id, series, opts) {\n"
    "  const W = 1000, H = 260, L = 60, R = 10, T = 10, B = 30;\n"
    "  const svg = el('svg', {width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'data-chart': id});\n"
    "  const xs = D.seconds.map(s => Math.max(0, s.t - 0.5)); // the middle of each second\n"
    "  const xmax = Math.max(D.duration_s, ...xs, 1);\n"
    "  let vals = [].concat(...series.map(s => s.values)).filter(v => v > 0);\n"
    "  let ymax = Math.max(...vals, 1e-9), ymin = opts.log ? Math.min(...vals, ymax) : 0;\n"
    "  if (!vals.length) { ymax = 1; ymin = opts.log ? 0.001 : 0; }\n"
    "  if (opts.log) { ymin = Math.pow(10, Math.floor(Math.log10(ymin))); ymax = Math.pow(10, Math.ceil(Math.log10(ymax))); if (ymax <= ymin) ymax = ymin * 10; }\n"
    "  else ymax *= 1.1;\n"
    "  const X = t => L + (W - L - R) * t / xmax;\n"
    "  const Y = v => opts.log ? T + (H - T - B) * (1 - (Math.log10(Math.max(v, ymin)) - Math.log10(ymin)) / (Math.log10(ymax) - Math.log10(ymin)))\n"
    "                          : T + (H - T - B) * (1 - v / ymax);\n"
    "  el('rect', {x: L, y: T, width: W - L - R, height: H - T - B, fill: '#fafafa', stroke: '#ccc'}, svg);\n"
    "  const ticks = opts.log ? (() => { const a = []; for (let v = ymin; v <= ymax * 1.001; v *= 10) a.push(v); return a; })()\n"
    "                         : [0, 0.25, 0.5, 0.75, 1].map(f => f * ymax);\n"
    "  for (const v of ticks) {\n"
    "    el('line', {x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: '#e4e4e4'}, svg);\n"
    "    el('text', {x: L - 4, y: Y(v) + 4, 'text-anchor': 'end'}, svg, fmt(v));\n"
    "  }\n"
    "  for (let t = 0; t <= xmax; t += Math.max(1, Math.ceil(xmax / 10)))\n"
    "    el('text', {x: X(t), y: H - 12, 'text-anchor': 'middle'}, svg, t + ' s');\n"
    "  // phase boundaries\n"
    "  for (const p of D.phases) {\n"
    "    el('line', {x1: X(p.start_s), x2: X(p.start_s), y1: T, y2: H - B, stroke: '#999', 'stroke-dasharray': '4 3', class: 'phase-boundary'}, svg);\n"
    "    el('text', {x: X(p.start_s) + 3, y: T + 12}, svg, p.name);\n"
    "  }\n"
    "  for (const s of series) {\n"
    "    const pts = s.values.map((v, i) => `${X(xs[i]).toFixed(1)},${Y(v).toFixed(1)}`);\n"
    "    if (pts.length) el('polyline', {points: pts.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 1.6, class: 'series'}, svg);\n"
    "  }\n"
    "  const host = document.getElementById(id);\n"
    "  host.appendChild(svg);\n"
    "  const lg = document.createElement('div'); lg.className = 'legend';\n"
    "  for (const s of series) { const sp = document.createElement('span'); sp.style.color = s.color; sp.textContent = '\\u25A0 ' + s.name; lg.appendChild(sp); }\n"
    "  host.appendChild(lg);\n"
    "}\n"
    "const S = D.seconds;\n"
    "chart('chart-throughput', [\n"
    "  {name: 'target (arrivals/s, or VUs)', color: '#999', values: S.map(s => s.target)},\n"
    "  {name: 'requests sent/s', color: '#1f77b4', values: S.map(s => s.sent)},\n"
    "  {name: 'responses/s', color: '#2ca02c', values: S.map(s => s.responses)}], {});\n"
    "chart('chart-latency', [\n"
    "  {name: 'p50', color: '#2ca02c', values: S.map(s => s.p50_us / 1000)},\n"
    "  {name: 'p90', color: '#1f77b4', values: S.map(s => s.p90_us / 1000)},\n"
    "  {name: 'p99', color: '#ff7f0e', values: S.map(s => s.p99_us / 1000)},\n"
    "  {name: 'max', color: '#d62728', values: S.map(s => s.max_us / 1000)},\n"
    "  {name: 'service p99 (uncorrected)', color: '#9467bd', values: S.map(s => s.service_p99_us / 1000)}], {log: true});\n"
    "chart('chart-errors', [\n"
    "  {name: 'transport errors/s', color: '#d62728', values: S.map(s => s.errors)},\n"
    "  {name: 'status >= 400/s', color: '#ff7f0e', values: S.map(s => s.failed_status)}], {});\n"
    "function table(id, head, rows) {\n"
    "  const t = document.getElementById(id);\n"
    "  const tr = t.insertRow(); for (const h of head) { const th = document.createElement('th'); th.textContent = h; tr.appendChild(th); }\n"
    "  for (const r of rows) { const row = t.insertRow(); for (const c of r) { const td = row.insertCell(); if (c && c.cls) { td.className = c.cls; td.textContent = c.text; } else td.textContent = c; } }\n"
    "}\n"
    "const ms = us => (us / 1000).toFixed(3);\n"
    "const statCols = s => [s.responses, s.rate.toFixed(1), s.errors + s.failed_status, (s.error_rate * 100).toFixed(3) + '%',\n"
    "  ms(s.latency_us.p50), ms(s.latency_us.p95), ms(s.latency_us.p99), ms(s.latency_us.max), ms(s.service_us.p99)];\n"
    "const statHead = ['responses', 'resp/s', 'errors', 'err%', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'service p99 ms'];\n"
    "table('phases', ['phase', 'kind', 'start s', 'seconds', 'planned', 'started', 'achieved/s', ...statHead],\n"
    "  D.phases.map(p => [p.name, p.kind, p.start_s.toFixed(1), p.duration_s.toFixed(1), p.planned, p.started, p.achieved_rate.toFixed(1), ...statCols(p.stats)]));\n"
    "table('scenarios', ['scenario', 'weight', 'virtual users', ...statHead],\n"
    "  D.scenarios.map(s => [s.name, s.weight, s.vusers, ...statCols(s.stats)]));\n"
    "table('requests', ['request', ...statHead], D.requests.map(r => [r.name, ...statCols(r.stats)]));\n"
    "table('thresholds', ['threshold', 'result', 'actual'], D.thresholds.map(t => [t.threshold,\n"
    "  {cls: t.pass ? 'pass' : 'fail', text: t.pass ? 'PASS' : 'FAIL'},\n"
    "  t.unit === 'us' ? ms(t.actual) + ' ms' : (t.actual * 100).toFixed(3) + '%']));\n"
    "const meta = document.getElementById('meta');\n"
    "const lat = D.total.latency_us, svc = D.total.service_us;\n"
    "meta.innerHTML = '';\n"
    "const p = document.createElement('p');\n"
    "p.textContent = `${D.plan} -> ${D.target}: ${D.duration_s.toFixed(1)} s, ${D.requests_sent} requests sent, ` +\n"
    "  `${D.total.responses} responses, ${D.total.errors} transport errors, ${D.total.failed_status} with status >= 400. ` +\n"
    "  `Corrected latency p50 ${ms(lat.p50)} ms, p99 ${ms(lat.p99)} ms, max ${ms(lat.max)} ms; ` +\n"
    "  `service time p99 ${ms(svc.p99)} ms. Result: ${D.thresholds.length ? (D.pass ? 'PASS' : 'FAIL') : 'no thresholds'}.`;\n"
    "meta.appendChild(p);\n"
    "if (D.generator.behind) { const w = document.createElement('p'); w.className = 'warn';\n"
    "  w.textContent = `The generator could not keep up: arrivals started up to ${ms(D.generator.lateness_us.max)} ms late.`; meta.appendChild(w); }\n"
    "if (D.breaking_point) { const b = document.createElement('p');\n"
    "  b.textContent = `Breaking point: the second ending at ${D.breaking_point.t_s.toFixed(1)} s (phase ${D.breaking_point.phase}, target ${D.breaking_point.target}) first broke ${D.breaking_point.threshold}.`; meta.appendChild(b); }\n"
    "document.body.setAttribute('data-ready', '1');\n"
    "</script></body></html>\n";

int load_report_html(const load_result *r, FILE *f)
{
    fputs(html_head, f);
    load_report_json(r, f);
    fputs(html_tail, f);
    return ferror(f) ? -1 : 0;
}
