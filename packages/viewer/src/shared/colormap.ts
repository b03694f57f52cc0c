/**
 * Colour maps for heatmaps. The diverging map runs red (negative) through near-white (zero)
 * to blue (positive); the sequential map runs dark indigo through teal and green to yellow,
 * with lightness rising steadily so order reads without a legend.
 */

export type RGB = readonly [number, number, number];

/** Stops as [position in 0..1, colour]. */
export const DIVERGING_STOPS: readonly (readonly [number, RGB])[] = [
  [0, [120, 20, 40]],
  [0.2, [196, 72, 66]],
  [0.4, [238, 170, 150]],
  [0.5, [247, 247, 247]],
  [0.6, [160, 195, 232]],
  [0.8, [64, 120, 196]],
  [1, [18, 46, 120]],
];

export const SEQUENTIAL_STOPS: readonly (readonly [number, RGB])[] = [
  [0, [28, 16, 68]],
  [0.25, [60, 70, 150]],
  [0.5, [36, 140, 140]],
  [0.75, [110, 196, 90]],
  [1, [248, 228, 80]],
];

/** Interpolates stops at t in [0, 1] (clamped), rounding to bytes. */
export function interpolate(stops: readonly (readonly [number, RGB])[], t: number): RGB {
  const x = Math.min(1, Math.max(0, t));
  for (let s = 1; s < stops.length; s++) {
    const [p1, c1] = stops[s];
    if (x <= p1) {
      const [p0, c0] = stops[s - 1];
      const f = p1 === p0 ? 0 : (x - p0) / (p1 - p0);
      const mix = (k: 0 | 1 | 2) => Math.round(c0[k] + (c1[k] - c0[k]) * f);
      return [mix(0), mix(1), mix(2)];
    }
  }
  return stops[stops.length - 1][1];
}

/**
 * The colour of a finite value: diverging maps put vmin..vmax on 0..1 around the middle stop;
 * sequential maps stretch vmin..vmax over the whole ramp.
 * @example valueColor(0, -1, 1, 'diverging') // [247, 247, 247]
 */
export function valueColor(v: number, vmin: number, vmax: number, cmap: 'diverging' | 'sequential'): RGB {
  const span = vmax - vmin || 1;
  return interpolate(cmap === 'diverging' ? DIVERGING_STOPS : SEQUENTIAL_STOPS, (v - vmin) / span);
}

/** A CSS gradient of a colour map (for the legend bar). */
export function gradientCss(cmap: 'diverging' | 'sequential'): string {
  const stops = cmap === 'diverging' ? DIVERGING_STOPS : SEQUENTIAL_STOPS;
  return `linear-gradient(to right, ${stops.map(([p, [r, g, b]]) => `rgb(${r}, ${g}, ${b}) ${p * 100}%`).join(', ')})`;
}

/** Relative luminance in 0..1 (for choosing black or white marks on a cell). */
export function luminance([r, g, b]: RGB): number {
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
