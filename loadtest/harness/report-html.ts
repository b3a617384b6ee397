// The self-contained HTML report: one file with uPlot (library and CSS) inlined and the run's
// result embedded as JSON, so it opens from disk in any browser with no server.
import { readFileSync } from 'node:fs';
import type { RunResult } from './result.ts';

const UPLOT_DIR = new URL('../../node_modules/uplot/dist/', import.meta.url);

/** JSON inside <script>: `<` escaped so no string in the data can close the element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1280px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.meta{color:#555}.pass{color:#0a7d28;font-weight:600}.fail{color:#c0211f;font-weight:600}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px}
`;

// Runs in the browser: reads the embedded result and draws the tables and uPlot charts.
const SCRIPT = `
const r = JSON.parse(document.getElementById('scs-loadtest-data').textContent);
const el = (tag, attrs = {}, text) => { const e = document.createElement(tag); Object.assign(e, attrs); if (text !== undefined) e.textContent = text; return e; };
const table = (parent, head, rows) => {
  const t = el('table'); const hr = el('tr'); head.forEach((h) => hr.append(el('th', {}, h))); t.append(hr);
  rows.forEach((row) => { const tr = el('tr'); row.forEach((c) => { const td = el('td'); if (c instanceof Node) td.append(c); else td.textContent = String(c); tr.append(td); }); t.append(tr); });
  document.getElementById(parent).append(t);
};
const fmt = (o) => Object.entries(o).map(([k, v]) => k + ' ' + v).join(', ') || '-';
table('expect', ['check', 'observed', 'result'], r.expectations.map((c) => [c.check, c.observed, el('span', { className: c.pass ? 'pass' : 'fail' }, c.pass ? 'PASS' : 'FAIL')]));
table('groups', ['group', 'kind', 'agency', 'connects', 'admitted', 'refused', 'records', 'lost', 'skipped', 'p50 ms', 'p99 ms', 'max ms', 'NAKs', 'BYEs', 'other ends'],
  r.groups.map((g) => [g.name, g.kind, g.agency ?? '-', g.connects, g.admitted, g.refused, g.records, g.lost, g.skipped, g.latency.p50Ms, g.latency.p99Ms, g.latency.maxMs, fmt(g.naks), fmt(g.byes), fmt(g.ended)]));
const width = () => Math.max(320, document.querySelector('.card').clientWidth - 16);
const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const bars = uPlot.paths.bars({ size: [0.6, 64] });
const chart = (id, opts, data) => new uPlot({ width: width(), height: 260, ...opts }, data, document.getElementById(id));
const zero = { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] };
const tl = r.timeline;
chart('throughput', { title: 'Throughput and clients', scales: { x: { time: false }, y: zero, c: zero },
  axes: [{ label: 's' }, { label: 'records/s', size: 70 }, { scale: 'c', side: 1, label: 'clients', grid: { show: false } }],
  series: [{ label: 's' }, { label: 'records/s', stroke: colors[0], width: 2 }, { label: 'clients connected', stroke: colors[2], scale: 'c' }, { label: 'NAKs (cumulative)', stroke: colors[1], scale: 'c', dash: [4, 4] }] },
  [tl.t, tl.recordsPerSec, tl.connected, tl.naks]);
chart('lag', { title: 'Lag over time (receipt − ert)', scales: { x: { time: false }, y: zero }, axes: [{ label: 's' }, { label: 'ms' }],
  series: [{ label: 's' }, { label: 'p50 ms', stroke: colors[0] }, { label: 'p99 ms', stroke: colors[3], width: 2 }, { label: 'max ms', stroke: colors[1], dash: [4, 4] }] },
  [tl.t, tl.lagP50Ms, tl.lagP99Ms, tl.lagMaxMs]);
const lb = r.latencyBuckets;
chart('histogram', { title: 'Latency histogram (all realtime records)', scales: { x: { time: false, distr: 3 }, y: zero }, axes: [{ label: 'ms (bucket upper bound)' }, { label: 'records', size: 70 }],
  series: [{ label: 'ms' }, { label: 'records', fill: colors[0] + '88', stroke: colors[0], paths: bars, points: { show: false } }] },
  [lb.upperMs, lb.counts]);
// Admissions and refusals in two series, so NAK bars never read as admissions: green ACK, red NAK.
const cats = Object.entries(r.agencies).flatMap(([a, v]) => [[a + '\\nadmitted', v.admitted, 'ack'], ...Object.entries(v.naks).map(([c, n]) => [a + '\\nNAK ' + c, n, 'nak'])]);
const named = (names) => ({ values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? names[t] ?? '' : '')), incrs: [1], size: 44 });
chart('agencies', { title: 'Admissions per agency (ACK and NAK by code)', scales: { x: { time: false, range: [-0.5, Math.max(1, cats.length) - 0.5] }, y: zero },
  axes: [named(cats.map((c) => c[0])), { label: 'sessions' }],
  series: [{ label: 'agency' }, { label: 'admitted (ACK)', fill: colors[2] + 'aa', stroke: colors[2], paths: bars, points: { show: false } },
    { label: 'refused (NAK)', fill: colors[1] + 'aa', stroke: colors[1], paths: bars, points: { show: false } }] },
  [cats.map((_, i) => i), cats.map((c) => (c[2] === 'ack' ? c[1] : null)), cats.map((c) => (c[2] === 'nak' ? c[1] : null))]);
const nakCodes = Object.keys(r.totals.naks);
if (nakCodes.length === 0) document.getElementById('naks').append(el('p', {}, 'NAKs by code: none in this run.'));
else
chart('naks', { title: 'NAKs by code', scales: { x: { time: false, range: [-0.5, Math.max(1, nakCodes.length) - 0.5] }, y: zero },
  axes: [named(nakCodes), { label: 'NAKs' }],
  series: [{ label: 'code' }, { label: 'NAKs', fill: colors[1] + 'aa', stroke: colors[1], paths: bars, points: { show: false } }] },
  [nakCodes.map((_, i) => i), nakCodes.map((c) => r.totals.naks[c])]);
`;

export function renderReport(result: RunResult): string {
  const uplotJs = readFileSync(new URL('uPlot.iife.min.js', UPLOT_DIR), 'utf8');
  const uplotCss = readFileSync(new URL('uPlot.min.css', UPLOT_DIR), 'utf8');
  const t = result.totals;
  const m = result.machine;
  const verdict = result.pass ? '<span class="pass">PASS</span>' : '<span class="fail">FAIL</span>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>SCS load test: ${escapeHtml(result.scenario)}</title>
<style>${uplotCss}</style><style>${STYLE}</style>
<script>${uplotJs.replace(/<\/script/gi, '<\\/script')}</script>
</head><body>
<h1>SCS load test: ${escapeHtml(result.scenario)} ${verdict}</h1>
<div class="meta">${escapeHtml(result.description)}</div>
<div class="meta">${escapeHtml(result.startedAt)} · ${result.durationSec} s · ${result.procs} client process(es) · server: ${escapeHtml(result.target)} ·
<code>${escapeHtml(result.command)}</code></div>
<div class="meta">${m.cpus} × ${escapeHtml(m.cpuModel)}, ${m.memoryGiB} GiB, Node ${escapeHtml(m.node)}, ${escapeHtml(m.kernel)}, load ${m.loadAverage.join(' ')} ·
CPU server ${result.cpu.serverPct ?? '-'} %, clients ${result.cpu.clientsPct} % (of one core)</div>
<h2>Totals</h2>
<table><tr><th>admitted</th><th>records/s</th><th>MB/s</th><th>lost</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>
<tr><td>${t.admitted}</td><td>${t.recordsPerSec}</td><td>${t.payloadMBps}</td><td>${t.lost}</td><td>${t.latency.p50Ms}</td><td>${t.latency.p99Ms}</td><td>${t.latency.p999Ms}</td><td>${t.latency.maxMs}</td></tr></table>
<h2>Expectations</h2><div id="expect"></div>
<h2>Charts</h2>
<div class="grid">
<div class="card" id="throughput"></div><div class="card" id="lag"></div>
<div class="card" id="histogram"></div><div class="card" id="agencies"></div>
<div class="card" id="naks"></div>
</div>
<h2>Groups</h2><div id="groups"></div>
<script type="application/json" id="scs-loadtest-data">${embedJson(result)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
