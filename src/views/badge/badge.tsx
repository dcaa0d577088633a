// A shields.io-style two-part badge (label | message) as a small SVG with real
// <text>, so it stays crisp, selectable and readable by screen readers. Built with
// hono/jsx, which escapes every text and attribute: the label and message are untrusted.
//
// The text is drawn by the viewer's fonts, which we do not control (an SVG shown
// through <img> cannot load web fonts). Widths therefore come from real advance
// widths (via `measure`: Inter's, and the Noto face's for CJK, Hebrew and Arabic),
// and every <text> carries `textLength`
// so that whichever fallback font is used is stretched or squeezed to exactly the
// measured box: nothing is clipped and the padding stays even, as on shields.io.

import { raw } from 'hono/html';

export type BadgeStyle = 'flat' | 'flat-square' | 'for-the-badge';
export type BadgeTheme = 'light' | 'dark';

/** Width in px of `text` at `size` px, `letterSpacing` px between glyphs, from the advances of the faces that draw it. */
export type MeasureText = (
  text: string,
  font: { size: number; bold: boolean; letterSpacing: number },
) => number;

export interface BadgeSpec {
  /** Empty: a message-only badge, as shields.io does for an empty label. */
  label: string;
  message: string;
  /** Message background, `#rrggbb`. */
  color: string;
  style: BadgeStyle;
  theme: BadgeTheme;
}

interface StyleMetrics {
  height: number;
  fontSize: number;
  letterSpacing: number;
  padX: number;
  baseline: number;
  radius: number;
  sheen: boolean;
  shadow: boolean;
  uppercase: boolean;
  boldLabel: boolean;
  boldMessage: boolean;
}

// Baselines sit the cap height (0.727 em in Inter) centred in the badge.
const STYLES: Record<BadgeStyle, StyleMetrics> = {
  flat: {
    height: 20,
    fontSize: 11,
    letterSpacing: 0,
    padX: 6,
    baseline: 14,
    radius: 3,
    sheen: true,
    shadow: true,
    uppercase: false,
    boldLabel: false,
    boldMessage: false,
  },
  'flat-square': {
    height: 20,
    fontSize: 11,
    letterSpacing: 0,
    padX: 6,
    baseline: 14,
    radius: 0,
    sheen: false,
    shadow: false,
    uppercase: false,
    boldLabel: false,
    boldMessage: false,
  },
  'for-the-badge': {
    height: 28,
    fontSize: 10,
    letterSpacing: 1.25,
    padX: 12,
    baseline: 17.6,
    radius: 0,
    sheen: false,
    shadow: false,
    uppercase: true,
    boldLabel: false,
    boldMessage: true,
  },
};

// Inter first for the rare viewer that has it; then faces of similar width, so
// the textLength correction stays small.
// Our own constant, marked as escaped so that its quotes stay quotes (hono/jsx would write &#39;).
const FONT_FAMILY = raw("Inter,'Helvetica Neue',Helvetica,Arial,'Liberation Sans',sans-serif");

export const LABEL_COLORS: Record<BadgeTheme, string> = { light: '#555555', dark: '#2d333b' };

export function badgeSvg(spec: BadgeSpec, measure: MeasureText): string {
  const s = STYLES[spec.style];
  const label = s.uppercase ? spec.label.toUpperCase() : spec.label;
  const message = s.uppercase ? spec.message.toUpperCase() : spec.message;
  const font = (bold: boolean) => ({ size: s.fontSize, bold, letterSpacing: s.letterSpacing });

  const labelText = label === '' ? 0 : measure(label, font(s.boldLabel));
  const messageText = measure(message, font(s.boldMessage));
  const labelW = label === '' ? 0 : Math.ceil(labelText + 2 * s.padX);
  const messageW = Math.ceil(messageText + 2 * s.padX);
  const width = labelW + messageW;
  const h = s.height;

  const messageBg = safeHex(spec.color) ?? '#6e7781';
  const labelBg = LABEL_COLORS[spec.theme];
  const accessible = stripXmlInvalid(label === '' ? spec.message : `${spec.label}: ${spec.message}`);

  const svg = (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      width={width}
      height={h}
      viewBox={`0 0 ${width} ${h}`}
      role="img"
      aria-label={accessible}
    >
      <title>{accessible}</title>
      {s.sheen && (
        <linearGradient id="s" x2="0" y2="100%">
          <stop offset="0" stop-color="#bbb" stop-opacity=".1" />
          <stop offset="1" stop-opacity=".1" />
        </linearGradient>
      )}
      {s.radius > 0 && (
        <clipPath id="r">
          <rect width={width} height={h} rx={s.radius} fill="#fff" />
        </clipPath>
      )}
      <g {...(s.radius > 0 ? { 'clip-path': 'url(#r)' } : { 'shape-rendering': 'crispEdges' })}>
        {labelW > 0 && <rect width={labelW} height={h} fill={labelBg} />}
        <rect x={labelW} width={messageW} height={h} fill={messageBg} />
        {s.sheen && <rect width={width} height={h} fill="url(#s)" />}
      </g>
      <g
        fill="#fff"
        text-anchor="middle"
        font-family={FONT_FAMILY}
        text-rendering="geometricPrecision"
        font-size={s.fontSize}
      >
        {labelW > 0 && (
          <TextRun text={label} cx={labelW / 2} length={labelText} s={s} bold={s.boldLabel} bg={labelBg} />
        )}
        <TextRun
          text={message}
          cx={labelW + messageW / 2}
          length={messageText}
          s={s}
          bold={s.boldMessage}
          bg={messageBg}
        />
      </g>
    </svg>
  );
  const out = svg.toString();
  if (typeof out !== 'string') throw new Error('badge: an async component was rendered synchronously');
  // hono/jsx closes every element that is not an HTML void element (`<rect …></rect>`); the
  // badge keeps XML's empty-element form. Safe on rendered output: every `<` and `>` of the
  // text and attributes is escaped, so `><\/name>` can only be the renderer's own closing tag.
  return out.replace(/><\/(rect|stop)>/g, '/>');
}

/** One line of text, over its shadow when it is white; `textLength` fits any font to the measured box. */
function TextRun(props: {
  text: string;
  cx: number;
  length: number;
  s: StyleMetrics;
  bold: boolean;
  bg: string;
}) {
  const { s } = props;
  const fill = textColorOn(props.bg);
  // XML 1.0 has no escape for these: they are dropped, as cleanText does upstream.
  const text = stripXmlInvalid(props.text);
  const common = {
    x: num(props.cx),
    textLength: num(props.length),
    lengthAdjust: 'spacing',
    'font-weight': props.bold ? 'bold' : undefined,
  };
  return (
    <>
      {/* A dark text gets no shadow: the shadow only helps white text on light colours. */}
      {s.shadow && fill === '#fff' && (
        <text aria-hidden="true" {...common} y={num(s.baseline + 1)} fill="#010101" fill-opacity=".3">
          {text}
        </text>
      )}
      <text {...common} y={num(s.baseline)} fill={fill}>
        {text}
      </text>
    </>
  );
}

function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** `#rgb` / `#rrggbb` (with or without `#`) → `#rrggbb`; anything else → null. */
export function safeHex(color: string): string | null {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m || m[1] === undefined) return null;
  const hex = m[1].toLowerCase();
  return hex.length === 3 ? `#${[...hex].map((c) => c + c).join('')}` : `#${hex}`;
}

/** White on dark backgrounds, near-black on light ones (WCAG relative luminance). */
export function textColorOn(bg: string): string {
  const hex = safeHex(bg) ?? '#555555';
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast with white (1.05 / (lum + 0.05)) vs with #1f2328 (lum ≈ 0.016).
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.066 ? '#fff' : '#1f2328';
}

// Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F)
// plus C1 controls, which it discourages. With the `u` flag a well-formed surrogate
// pair is one code point, so only lone surrogates match the class.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDFFF]/gu;

export function stripXmlInvalid(s: string): string {
  return s.replace(XML_INVALID, '');
}
