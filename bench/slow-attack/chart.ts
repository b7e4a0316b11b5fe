/** The soak's time series as an SVG line chart (one panel per unit), the attack's window shaded. */

export interface Series {
  name: string;
  colour: string;
  /** One value per sample (null: no sample then). */
  values: (number | null)[];
}

export interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const WIDTH = 760;
const PANEL_H = 150;
const LEFT = 60;
const RIGHT = 150;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Panels stacked, sharing the time axis (`seconds[i]` is sample i's time); the attack from `attack[0]` to `attack[1]` s. */
export function soakChart(title: string, seconds: number[], attack: [number, number], panels: Panel[]): string {
  const plotW = WIDTH - LEFT - RIGHT;
  const end = Math.max(1, seconds.at(-1) ?? 1);
  const x = (t: number): number => LEFT + (t / end) * plotW;
  const parts: string[] = [`<text x="8" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`];
  panels.forEach((panel, p) => {
    const top = 30 + p * (PANEL_H + 30);
    const h = PANEL_H;
    const max = Math.max(1e-9, ...panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
    const y = (v: number): number => top + h - (v / max) * h;
    parts.push(
      `<rect x="${x(attack[0])}" y="${top}" width="${Math.max(0, x(attack[1]) - x(attack[0]))}" height="${h}" fill="#fbe9e7"/>`,
      `<rect x="${LEFT}" y="${top}" width="${plotW}" height="${h}" fill="none" stroke="#999"/>`,
      `<text x="${LEFT}" y="${top - 4}" font-size="12">${esc(panel.title)} (${esc(panel.unit)})</text>`,
      `<text x="${LEFT - 4}" y="${top + 10}" font-size="10" text-anchor="end">${fmt(max)}</text>`,
      `<text x="${LEFT - 4}" y="${top + h}" font-size="10" text-anchor="end">0</text>`,
    );
    panel.series.forEach((s, i) => {
      const points = s.values.flatMap((v, k) => (v === null ? [] : [`${x(seconds[k]!).toFixed(1)},${y(v).toFixed(1)}`]));
      parts.push(
        `<polyline fill="none" stroke="${s.colour}" stroke-width="1.5" points="${points.join(' ')}"/>`,
        `<text x="${LEFT + plotW + 8}" y="${top + 14 + i * 16}" font-size="11" fill="${s.colour}">${esc(s.name)}</text>`,
      );
    });
  });
  const bottom = 30 + panels.length * (PANEL_H + 30) - 12;
  parts.push(
    `<text x="${LEFT}" y="${bottom}" font-size="10">0 s</text>`,
    `<text x="${LEFT + plotW}" y="${bottom}" font-size="10" text-anchor="end">${end.toFixed(0)} s</text>`,
    `<text x="${x((attack[0] + attack[1]) / 2)}" y="${bottom}" font-size="10" text-anchor="middle" fill="#bf360c">slow attack</text>`,
  );
  const height = bottom + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif">${parts.join('')}</svg>\n`;
}
