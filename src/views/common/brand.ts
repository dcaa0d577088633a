// The brand: one colour per theme and one mark, shared by everything a person sees. The
// pages' accent (src/views/html/styles.ts), the top bar's logo, the cards' accent
// (src/views/image/card.tsx), the badge's neutral colour (src/images.ts) and the icons
// (/icon.svg, /favicon.ico) all come from here, so they cannot drift apart.

/** The brand colour. Both give white text 4.5:1 or better, and are legible on their theme's background. */
export const BRAND = { light: '#5b4cf0', dark: '#8b7dff' } as const;

/** `#rrggbb` at `alpha`, as `rgba(…)`. */
export function tint(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * The mark as the cards draw it: a white ring in a rounded square of the brand colour, in a
 * 36-unit box. `size` sets width and height in px (the favicon renders it at 16, 32 and 48).
 */
export function markSvg(size?: number): string {
  const dims = size ? ` width="${size}" height="${size}"` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"${dims} viewBox="0 0 36 36">` +
    `<rect width="36" height="36" rx="10" fill="${BRAND.light}"/>` +
    '<circle cx="18" cy="18" r="6" fill="none" stroke="#ffffff" stroke-width="4"/>' +
    '</svg>'
  );
}
