/**
 * A tiny SVG chart generator for the bench reports (no dependencies): line charts (series of
 * [x, y] points, optional dashed series such as a fitted line) and grouped bar charts. Returns
 * an SVG string; bench/plot.ts writes the figures under docs/figures/ from the JSON reports.
 */

export interface LineSeries {
  label: string;
  points: Array<[number, number]>;
  color?: string;
  dashed?: boolean;
  /** Draw a small circle on each point. */
  markers?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  width?: number;
  height?: number;
  /** Force the y range to include 0 (default true). */
  yFromZero?: boolean;
  /** Logarithmic y axis (values must be > 0). */
  yLog?: boolean;
}

export interface BarChart {
  title: string;
  yLabel: string;
  /** Group names along x (e.g. 'p50', 'p90', 'p99'); '\n' starts a second line. */
  groups: string[];
  /** One bar per group per series; values.length === groups.length. */
  series: Array<{ label: string; values: number[]; color?: string }>;
  width?: number;
  height?: number;
  yLog?: boolean;
  /** Printed above each bar (default: 3 significant digits). */
  format?: (v: number) => string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const FONT = 'font-family="sans-serif"';
const font = (size = 12): string => `${FONT} font-size="${size}"`;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(10 ** e);
  return ticks;
}

export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a >= 1) return String(Number(v.toPrecision(4)));
  return String(Number(v.toPrecision(2)));
}

interface Frame {
  left: number;
  top: number;
  plotW: number;
  plotH: number;
}

function frame(width: number, height: number): Frame {
  const left = 70;
  const top = 36;
  return { left, top, plotW: width - left - 20, plotH: height - top - 70 };
}

function header(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" ${font(14)} font-weight="bold">${escapeXml(title)}</text>`,
  ];
}

function yAxis(out: string[], f: Frame, ticks: number[], y: (v: number) => number, label: string): void {
  for (const t of ticks) {
    const py = y(t);
    if (py < f.top - 0.5 || py > f.top + f.plotH + 0.5) continue;
    out.push(`<line x1="${f.left}" x2="${f.left + f.plotW}" y1="${py.toFixed(1)}" y2="${py.toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${f.left - 6}" y="${(py + 4).toFixed(1)}" text-anchor="end" ${font()}>${fmtTick(t)}</text>`);
  }
  const cy = f.top + f.plotH / 2;
  out.push(`<text x="16" y="${cy}" text-anchor="middle" ${font()} transform="rotate(-90 16 ${cy})">${escapeXml(label)}</text>`);
  out.push(`<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.top + f.plotH}" stroke="#333"/>`);
  out.push(`<line x1="${f.left}" x2="${f.left + f.plotW}" y1="${f.top + f.plotH}" y2="${f.top + f.plotH}" stroke="#333"/>`);
}

function legend(out: string[], f: Frame, height: number, items: Array<{ label: string; color: string; dashed?: boolean }>): void {
  let x = f.left;
  const y = height - 14;
  for (const it of items) {
    out.push(`<line x1="${x}" x2="${x + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${it.color}" stroke-width="3"${it.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${x + 28}" y="${y}" ${font()}>${escapeXml(it.label)}</text>`);
    x = Math.round(x + 40 + it.label.length * 6.6);
  }
}

export function lineChart(c: LineChart): string {
  const width = c.width ?? 720;
  const height = c.height ?? 400;
  const f = frame(width, height);
  const all = c.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  let [xMin, xMax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [yMin, yMax] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (all.length === 0) [xMin, xMax, yMin, yMax] = [0, 1, 0, 1];
  if (xMax === xMin) xMax = xMin + 1;
  let yTicks: number[];
  let y: (v: number) => number;
  if (c.yLog === true) {
    yTicks = logTicks(yMin, yMax);
    const [l0, l1] = [Math.log10(yTicks[0]!), Math.log10(yTicks[yTicks.length - 1]!)];
    y = (v) => f.top + f.plotH - ((Math.log10(v) - l0) / (l1 - l0 || 1)) * f.plotH;
  } else {
    if (c.yFromZero !== false) yMin = Math.min(0, yMin);
    if (yMax === yMin) yMax = yMin + 1;
    const pad = (yMax - yMin) * 0.05;
    yTicks = niceTicks(yMin - (c.yFromZero !== false && yMin === 0 ? 0 : pad), yMax + pad);
    const [t0, t1] = [Math.min(yTicks[0]!, yMin), Math.max(yTicks[yTicks.length - 1]!, yMax)];
    y = (v) => f.top + f.plotH - ((v - t0) / (t1 - t0)) * f.plotH;
  }
  const x = (v: number): number => f.left + ((v - xMin) / (xMax - xMin)) * f.plotW;
  const out = header(width, height, c.title);
  yAxis(out, f, yTicks, y, c.yLabel);
  for (const t of niceTicks(xMin, xMax, 8)) {
    const px = x(t);
    out.push(`<line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${f.top + f.plotH}" y2="${f.top + f.plotH + 4}" stroke="#333"/>`);
    out.push(`<text x="${px.toFixed(1)}" y="${f.top + f.plotH + 17}" text-anchor="middle" ${font()}>${fmtTick(t)}</text>`);
  }
  out.push(`<text x="${f.left + f.plotW / 2}" y="${f.top + f.plotH + 35}" text-anchor="middle" ${font()}>${escapeXml(c.xLabel)}</text>`);
  const items: Array<{ label: string; color: string; dashed?: boolean }> = [];
  c.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && (c.yLog !== true || b > 0));
    if (pts.length === 0) return;
    const d = pts.map(([a, b], k) => `${k === 0 ? 'M' : 'L'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.dashed ? 2 : 1.6}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (s.markers === true) for (const [a, b] of pts) out.push(`<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="2.5" fill="${color}"/>`);
    if (s.label !== '') items.push({ label: s.label, color, dashed: s.dashed }); // an empty label: no legend entry
  });
  legend(out, f, height, items);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export function barChart(c: BarChart): string {
  const width = c.width ?? 720;
  const height = c.height ?? 400;
  const f = frame(width, height);
  const fmt = c.format ?? ((v: number) => fmtTick(v));
  const values = c.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const yMax = Math.max(...values, c.yLog === true ? 1 : 0);
  let yTicks: number[];
  let y: (v: number) => number;
  if (c.yLog === true) {
    const yMin = Math.min(...values.filter((v) => v > 0));
    yTicks = logTicks(yMin, yMax);
    const [l0, l1] = [Math.log10(yTicks[0]!), Math.log10(yTicks[yTicks.length - 1]!)];
    y = (v) => f.top + f.plotH - ((Math.log10(Math.max(v, yTicks[0]!)) - l0) / (l1 - l0 || 1)) * f.plotH;
  } else {
    yTicks = niceTicks(0, yMax * 1.1 || 1);
    const top = Math.max(yTicks[yTicks.length - 1]!, yMax);
    y = (v) => f.top + f.plotH - (v / top) * f.plotH;
  }
  const out = header(width, height, c.title);
  yAxis(out, f, yTicks, y, c.yLabel);
  const groupW = f.plotW / Math.max(1, c.groups.length);
  const barW = (groupW * 0.75) / Math.max(1, c.series.length);
  const base = f.top + f.plotH;
  c.groups.forEach((g, gi) => {
    const gx = f.left + gi * groupW + groupW * 0.125;
    c.series.forEach((s, si) => {
      const v = s.values[gi]!;
      if (!Number.isFinite(v)) return;
      const color = s.color ?? PALETTE[si % PALETTE.length]!;
      const top = y(v);
      const bx = gx + si * barW;
      out.push(`<rect x="${bx.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(0, base - top).toFixed(1)}" fill="${color}"/>`);
      out.push(`<text x="${(bx + barW / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" ${font(11)}>${escapeXml(fmt(v))}</text>`);
    });
    const gx0 = (f.left + gi * groupW + groupW / 2).toFixed(1);
    const lines = g.split('\n').map((l, k) => `<tspan x="${gx0}" dy="${k === 0 ? 0 : 14}">${escapeXml(l)}</tspan>`).join('');
    out.push(`<text x="${gx0}" y="${base + 17}" text-anchor="middle" ${font()}>${lines}</text>`);
  });
  legend(out, f, height, c.series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length]! })));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Least-squares slope and intercept of y on x. */
export function linearFit(points: Array<[number, number]>): { slope: number; intercept: number } {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: points[0]?.[1] ?? 0 };
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [a, b] of points) {
    sxy += (a - mx) * (b - my);
    sxx += (a - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
