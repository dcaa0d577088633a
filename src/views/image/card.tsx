/** @jsxImportSource satori/jsx */
import type { JSXNode } from 'satori/jsx';
import { JOB_TYPE_LABELS, type Job } from '../../schema';
import { JOB_STATUS_LABELS, type JobStatus } from '../common/status';
import { SERVICE_NAME, jobTitle, shortId } from '../../present';
import { DASH, direction, formatDelta, formatPercent, formatScore, type Direction } from '../common/format';
import { headline, progress, sortedIterations } from '../common/job';
import { BRAND, tint } from '../common/brand';
import { linePath, points as chartPoints, r, scale, scoreOf, sparkDomain, type Point } from '../common/chart';
import { formatDateUtc } from '../common/format';

// The 1200×630 Open Graph card, laid out by satori (flexbox only; every <div> with
// several children needs display: flex). Strings from the job are untrusted: they
// pass through `text`, which keeps what the loaded fonts can draw (Inter, and the Noto
// subsets and emoji a card's strings need, src/scripts.ts) in visual order, and they
// only ever become text content (satori does not escape attribute values).

export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;

export type CardTheme = 'light' | 'dark';

/** The box a string must fit in, as the template sets it: one line unless `lines` says more. */
export interface TextBox {
  width: number;
  size: number;
  bold: boolean;
  letterSpacing: number;
  lines?: number;
}

/**
 * Makes an untrusted string drawable with the loaded fonts, in visual order. Given a box, a
 * right-to-left string is broken into the box's lines and cut with an ellipsis at its logical
 * end; its lines, each in visual order, come joined by "\n" (drawn strings have no other).
 */
export interface TextFn {
  (s: string, box?: TextBox): string;
  /** The direction a string reads in, as `dir="auto"` decides it; 'ltr' when its script is not drawn. */
  direction: (s: string) => 'ltr' | 'rtl';
}

export interface CardOptions {
  theme: CardTheme;
  text: TextFn;
}

export interface Palette {
  bg: string;
  fg: string;
  muted: string;
  faint: string;
  border: string;
  panel: string;
  track: string;
  accent: string;
  accentSoft: string;
  up: string;
  upSoft: string;
  down: string;
  downSoft: string;
  danger: string;
  dangerSoft: string;
  neutral: string;
  neutralSoft: string;
}

export const PALETTES: Record<CardTheme, Palette> = {
  light: {
    bg: '#ffffff',
    fg: '#0f1115',
    muted: '#5d6471',
    faint: '#8b919c',
    border: '#e6e8ec',
    panel: '#f8f9fb',
    track: '#e6e8ec',
    accent: BRAND.light,
    accentSoft: tint(BRAND.light, 0.1),
    up: '#15803d',
    upSoft: 'rgba(21, 128, 61, 0.10)',
    down: '#c2410c',
    downSoft: 'rgba(194, 65, 12, 0.10)',
    danger: '#c81e1e',
    dangerSoft: 'rgba(200, 30, 30, 0.09)',
    neutral: '#5d6471',
    neutralSoft: 'rgba(93, 100, 113, 0.10)',
  },
  dark: {
    bg: '#0b0c10',
    fg: '#f2f3f5',
    muted: '#9aa0ab',
    faint: '#6c727d',
    border: '#24272f',
    panel: '#111319',
    track: '#2a2e37',
    accent: BRAND.dark,
    accentSoft: tint(BRAND.dark, 0.14),
    up: '#4ade80',
    upSoft: 'rgba(74, 222, 128, 0.12)',
    down: '#fb923c',
    downSoft: 'rgba(251, 146, 60, 0.12)',
    danger: '#f87171',
    dangerSoft: 'rgba(248, 113, 113, 0.12)',
    neutral: '#a3a9b4',
    neutralSoft: 'rgba(163, 169, 180, 0.12)',
  },
};

/** Inter's "normal" line height: (ascender − descender) / unitsPerEm = (1984 + 494) / 2048. */
export const INTER_LINE_HEIGHT = 1.2099609375;

export const PAD_X = 64;
export const PAD_Y = 48;
export const CONTENT_W = CARD_WIDTH - 2 * PAD_X;
const LEFT_W = 452;
const GAP = 44;
const PANEL_W = CONTENT_W - LEFT_W - GAP;
const PANEL_PAD_X = 26;
const CHART_W = PANEL_W - 2 * PANEL_PAD_X - 2;
const CHART_H = 116;
const MAIN_H = 232;

/** The canvas every card shares, a job's or a comparison's: size, padding, colours, accent bar. */
export function CardFrame({ p, children }: { p: Palette; children: JSXNode }) {
  return (
    <div
      style={{
        width: CARD_WIDTH,
        height: CARD_HEIGHT,
        display: 'flex',
        flexDirection: 'column',
        padding: `${PAD_Y}px ${PAD_X}px`,
        backgroundColor: p.bg,
        color: p.fg,
        fontFamily: 'Inter',
      }}
    >
      <div
        style={{
          position: 'absolute',
          top: 0,
          left: 0,
          width: CARD_WIDTH,
          height: 6,
          backgroundColor: p.accent,
        }}
      />
      {children}
    </div>
  );
}

/**
 * A right-to-left line, already cut to fit (TextFn), set against the right edge: satori aligns
 * one line of text by its container's flex alignment, not by textAlign.
 */
export const RTL_LINE = { display: 'flex', justifyContent: 'flex-end' } as const;

/** A row of items centred on one line: the most common box of the cards. */
export const ROW = { display: 'flex', flexDirection: 'row', alignItems: 'center' } as const;

/** A chart panel's heading: its label, spaced out, on the left; what `children` say on the right. */
export function PanelHeading(props: {
  label: string;
  size: number;
  spacing: number;
  p: Palette;
  children?: JSXNode | null;
}) {
  const { p } = props;
  return (
    <div
      style={{ display: 'flex', flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center' }}
    >
      <div
        style={{
          display: 'flex',
          fontSize: props.size,
          fontWeight: 700,
          letterSpacing: props.spacing,
          color: p.muted,
        }}
      >
        {props.label}
      </div>
      {props.children}
    </div>
  );
}

/** What a chart with nothing to draw says, over the empty chart. */
export function ChartEmpty(props: {
  width: number;
  height: number;
  size: number;
  p: Palette;
  children: string;
}) {
  return (
    <div
      style={{
        display: 'flex',
        position: 'absolute',
        top: 0,
        left: 0,
        width: props.width,
        height: props.height,
        alignItems: 'center',
        justifyContent: 'center',
        fontSize: props.size,
        color: props.p.faint,
      }}
    >
      {props.children}
    </div>
  );
}

const TITLE_BOX: TextBox = { width: CONTENT_W - 24, size: 58, bold: true, letterSpacing: -1.6, lines: 2 };
/** The title's type, either direction. Its width stays inside the content: satori's clamp ellipsis can overhang a line broken inside a word. */
const TITLE_TYPE = {
  marginTop: 28,
  width: TITLE_BOX.width,
  fontSize: TITLE_BOX.size,
  fontWeight: 700,
  letterSpacing: TITLE_BOX.letterSpacing,
  lineHeight: 1.1,
} as const;

export function cardElement(job: Job, { theme, text }: CardOptions) {
  const p = PALETTES[theme];
  const rtl = titleDirection(job, text) === 'rtl';
  const status: JobStatus | null = job.status ?? null;
  const typeLabel = job.job_type ? JOB_TYPE_LABELS[job.job_type] : 'Job';

  return (
    <CardFrame p={p}>
      <CardHeader p={p} kind={typeLabel} status={status} />
      {rtl ? (
        // A right-to-left title comes broken into its lines already (TextFn), each set right.
        <div
          style={{
            display: 'flex',
            flexDirection: 'column',
            alignItems: 'flex-end',
            ...TITLE_TYPE,
          }}
        >
          {title(job, text, TITLE_BOX)
            .split('\n')
            .map((line) => (
              <div style={{ display: 'flex' }}>{line}</div>
            ))}
        </div>
      ) : (
        <div
          style={{
            display: 'block',
            ...TITLE_TYPE,
            lineClamp: 2,
            wordBreak: 'break-word',
          }}
        >
          {title(job, text)}
        </div>
      )}
      <div style={{ display: 'flex', flexGrow: 1 }} />
      <div style={{ display: 'flex', flexDirection: 'row', alignItems: 'flex-end', height: MAIN_H }}>
        <Headline job={job} p={p} status={status} text={text} />
        <div style={{ display: 'flex', width: GAP }} />
        <Chart job={job} p={p} status={status} />
      </div>
      <Footer job={job} p={p} text={text} />
    </CardFrame>
  );
}

export function title(job: Job, text: TextFn, box?: TextBox): string {
  // Long slugs are cut before layout; satori's line clamp adds the ellipsis.
  const shown = text(jobTitle(job).slice(0, 160), box);
  // Nothing readable left (e.g. an all-CJK slug): name the job the other way.
  if (/[\p{L}\p{N}]/u.test(shown)) return shown;
  return jobTitle({ ...job, prompt_slug: null });
}

/** The direction the title reads in (its fallback, when nothing of it is drawable, is Latin). */
export function titleDirection(job: Job, text: TextFn): 'ltr' | 'rtl' {
  const raw = jobTitle(job).slice(0, 160);
  return /[\p{L}\p{N}]/u.test(text(raw)) ? text.direction(raw) : 'ltr';
}

/** The brand, "/", what the card shows (`kind`), and the job's status pill when there is one job. */
export function CardHeader({ p, kind, status }: { p: Palette; kind: string; status?: JobStatus | null }) {
  const brand = [
    <Logo p={p} />,
    <div style={{ display: 'flex', marginLeft: 14, fontSize: 28, fontWeight: 700, letterSpacing: -0.6 }}>
      {SERVICE_NAME}
    </div>,
    <div style={{ display: 'flex', marginLeft: 14, fontSize: 28, color: p.faint }}>/</div>,
    <div style={{ display: 'flex', marginLeft: 14, fontSize: 26, color: p.muted }}>{kind}</div>,
  ];
  // Without a pill the brand is the row itself: a wrapper would add a clip mask to the SVG.
  if (status === undefined) return <div style={{ ...ROW, height: 44 }}>{brand}</div>;
  return (
    <div style={{ ...ROW, justifyContent: 'space-between', height: 44 }}>
      <div style={ROW}>{brand}</div>
      <StatusPill p={p} status={status} />
    </div>
  );
}

export function Logo({ p }: { p: Palette }) {
  return (
    <div
      style={{
        display: 'flex',
        width: 36,
        height: 36,
        borderRadius: 10,
        backgroundColor: p.accent,
        alignItems: 'center',
        justifyContent: 'center',
      }}
    >
      <div
        style={{
          display: 'flex',
          width: 16,
          height: 16,
          borderRadius: 8,
          border: '4px solid #ffffff',
        }}
      />
    </div>
  );
}

function statusColors(p: Palette, status: JobStatus | null): [string, string] {
  switch (status) {
    case 'completed':
      return [p.up, p.upSoft];
    case 'running':
      return [p.accent, p.accentSoft];
    case 'failed':
      return [p.danger, p.dangerSoft];
    default:
      return [p.neutral, p.neutralSoft];
  }
}

/** What a card calls a job's status. */
export function statusLabel(status: JobStatus | null | undefined): string {
  return status ? JOB_STATUS_LABELS[status] : 'Unknown';
}

/**
 * A rounded, tinted label in bold: an icon (`children`) then its text, in `fg` on `bg`. The cards'
 * status, change and failure pills; `pad` is CSS padding, `gap` the room between icon and text.
 */
export function Pill(props: {
  fg: string;
  bg: string;
  size: number;
  pad: string;
  gap: number;
  label: string;
  marginLeft?: number;
  children: JSXNode;
}) {
  return (
    <div
      style={{
        ...ROW,
        ...(props.marginLeft ? { marginLeft: props.marginLeft } : {}),
        padding: props.pad,
        borderRadius: 999,
        backgroundColor: props.bg,
        color: props.fg,
        fontSize: props.size,
        fontWeight: 700,
      }}
    >
      {props.children}
      <div style={{ display: 'flex', marginLeft: props.gap }}>{props.label}</div>
    </div>
  );
}

export function StatusPill({ p, status }: { p: Palette; status: JobStatus | null }) {
  const [fg, bg] = statusColors(p, status);
  return (
    <Pill fg={fg} bg={bg} size={22} pad="8px 20px 8px 16px" gap={10} label={statusLabel(status)}>
      <div style={{ display: 'flex', width: 10, height: 10, borderRadius: 5, backgroundColor: fg }} />
    </Pill>
  );
}

/** The left-hand column of a card's figures, its content set at the bottom. */
export function FigureColumn(props: { width: number; height: number; children: JSXNode[] }) {
  return (
    <div
      style={{
        display: 'flex',
        flexDirection: 'column',
        justifyContent: 'flex-end',
        width: props.width,
        height: props.height,
      }}
    >
      {props.children}
    </div>
  );
}

/** The small capitals over a figure ("BEST SCORE"). */
export function Eyebrow({ p, children }: { p: Palette; children: string }) {
  return (
    <div style={{ display: 'flex', fontSize: 17, fontWeight: 700, letterSpacing: 2.4, color: p.muted }}>
      {children}
    </div>
  );
}

export function directionColors(p: Palette, dir: Direction): [string, string] {
  if (dir === 'up') return [p.up, p.upSoft];
  if (dir === 'down') return [p.down, p.downSoft];
  return [p.neutral, p.neutralSoft];
}

export function Triangle({ dir, color }: { dir: Direction; color: string }) {
  if (dir !== 'up' && dir !== 'down') {
    return (
      <svg width="16" height="16" viewBox="0 0 14 14">
        <rect x="1" y="5" width="12" height="4" rx="2" fill={color} />
      </svg>
    );
  }
  const d = dir === 'up' ? 'M7 1.5 L13 12 L1 12 Z' : 'M1 2 L13 2 L7 12.5 Z';
  return (
    <svg width="16" height="16" viewBox="0 0 14 14">
      <path d={d} fill={color} stroke={color} strokeWidth="1.5" strokeLinejoin="round" />
    </svg>
  );
}

export function Arrow({ color }: { color: string }) {
  return (
    <svg width="22" height="14" viewBox="0 0 22 14">
      <path
        d="M1 7 H19 M13 1.5 L19.5 7 L13 12.5"
        stroke={color}
        strokeWidth="2"
        fill="none"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function Headline({
  job,
  p,
  status,
  text,
}: {
  job: Job;
  p: Palette;
  status: JobStatus | null;
  text: TextFn;
}) {
  const running = status === 'running';
  // Before completion the upstream leaves best_score null: show the best iteration so far.
  const { best, points: pts, percent: pct } = headline(job);
  const base = job.baseline_score ?? null;
  const dir = direction(pts);
  const failed = status === 'failed';

  let detail;
  if (failed) detail = <FailedPill p={p} />;
  else if (status === 'pending' || (status == null && job.iterations.length === 0)) {
    detail = <Note p={p}>Waiting to start</Note>;
  } else if (dir === 'none') {
    const note =
      best == null && (base == null || running)
        ? running
          ? 'No scores yet'
          : 'No scores recorded'
        : base == null
          ? 'No baseline recorded'
          : 'No score yet';
    detail = <Note p={p}>{note}</Note>;
  } else {
    const [fg, bg] = directionColors(p, dir);
    detail = (
      <div style={ROW}>
        <Pill fg={fg} bg={bg} size={26} pad="6px 16px 6px 14px" gap={10} label={`${formatDelta(pts)} pts`}>
          <Triangle dir={dir} color={fg} />
        </Pill>
        {pct != null && dir !== 'flat' ? (
          <div style={{ display: 'flex', marginLeft: 14, fontSize: 26, fontWeight: 700, color: fg }}>
            {formatPercent(pct)}
          </div>
        ) : null}
      </div>
    );
  }

  let bottom = null;
  if (failed) {
    const reason = failureReason(job, text);
    if (reason) bottom = <OneLine p={p} width={LEFT_W} size={20} text={reason} />;
  } else if (base != null || best != null) {
    bottom = (
      <div
        style={{ display: 'flex', flexDirection: 'row', alignItems: 'center', fontSize: 22, color: p.muted }}
      >
        <div style={{ display: 'flex' }}>Baseline</div>
        <div style={{ display: 'flex', marginLeft: 10, fontWeight: 700, color: p.fg }}>
          {formatScore(base)}
        </div>
        {best != null ? (
          <div style={{ display: 'flex', flexDirection: 'row', alignItems: 'center' }}>
            <div style={{ display: 'flex', marginLeft: 12, marginRight: 12 }}>
              <Arrow color={p.faint} />
            </div>
            <div style={{ display: 'flex', fontWeight: 700, color: p.fg }}>{formatScore(best)}</div>
            {running ? <div style={{ display: 'flex', marginLeft: 10 }}>so far</div> : null}
          </div>
        ) : null}
      </div>
    );
  }

  return (
    <FigureColumn width={LEFT_W} height={MAIN_H}>
      <Eyebrow p={p}>{running ? 'BEST SO FAR' : 'BEST SCORE'}</Eyebrow>
      <div
        style={{
          display: 'flex',
          fontSize: 120,
          fontWeight: 700,
          letterSpacing: -5,
          lineHeight: 1,
          color: best == null ? p.faint : p.fg,
        }}
      >
        {formatScore(best)}
      </div>
      <div style={{ display: 'flex', marginTop: 10, height: 44, alignItems: 'center' }}>{detail}</div>
      {bottom ? <div style={{ display: 'flex', marginTop: 12 }}>{bottom}</div> : null}
    </FigureColumn>
  );
}

function OneLine({ p, width, size, text }: { p: Palette; width: number; size: number; text: string }) {
  return (
    <div
      style={{
        display: 'block',
        width,
        fontSize: size,
        // As in the footer: a reason in Arabic or Hebrew keeps Inter's line, so nothing moves.
        lineHeight: INTER_LINE_HEIGHT,
        color: p.muted,
        whiteSpace: 'nowrap',
        overflow: 'hidden',
        textOverflow: 'ellipsis',
      }}
    >
      {text}
    </div>
  );
}

function Note({ p, children }: { p: Palette; children: string }) {
  return <div style={{ display: 'flex', fontSize: 24, color: p.muted }}>{children}</div>;
}

/** "Run failed: <reason>" (the upstream's form), else the first line of the report. */
function failureReason(job: Job, text: TextFn): string {
  const md = job.report_markdown ?? '';
  const line =
    md
      .replace(/^\s*(#+\s*)?run failed:?\s*/i, '')
      .split('\n')
      .find((l) => l.trim() !== '') ?? '';
  return text(line.replace(/[#*_`>]+/g, ' ').slice(0, 200), {
    width: LEFT_W,
    size: 20,
    bold: false,
    letterSpacing: 0,
  });
}

function FailedPill({ p }: { p: Palette }) {
  return (
    <Pill fg={p.danger} bg={p.dangerSoft} size={26} pad="6px 18px 6px 12px" gap={10} label="Run failed">
      <svg width="22" height="22" viewBox="0 0 22 22">
        <circle cx="11" cy="11" r="10" fill={p.danger} />
        <path
          d="M7.2 7.2 L14.8 14.8 M14.8 7.2 L7.2 14.8"
          stroke={p.bg}
          strokeWidth="2.6"
          strokeLinecap="round"
        />
      </svg>
    </Pill>
  );
}

// ---------------------------------------------------------------------------
// Sparkline of avg_score by iteration order, with the baseline dashed.

function Chart({ job, p, status }: { job: Job; p: Palette; status: JobStatus | null }) {
  const iterations = sortedIterations(job);
  const prog = progress(job);
  const active = status === 'running' || status === 'pending' || status == null;
  // An active job's x axis spans all planned iterations, so the line shows how far it got.
  const slots = Math.max(iterations.length, active && prog.total != null ? prog.total : 0, 1);
  const scores = iterations.map(scoreOf);
  const base = job.baseline_score != null && Number.isFinite(job.baseline_score) ? job.baseline_score : null;
  const { min, max } = sparkDomain([
    ...scores.filter((s): s is number => s != null),
    ...(base != null ? [base] : []),
  ]);
  const padX = 8;
  const padY = 12;
  const sc = scale(
    { left: padX, top: padY, width: CHART_W - 2 * padX, height: CHART_H - 2 * padY },
    slots,
    min,
    max,
  );
  const yAt = sc.y;
  const points = chartPoints(scores, sc);
  const bestPoint = points.reduce<Point | null>((b, pt) => (b == null || pt.y < b.y ? pt : b), null);
  const kept = (pt: Point) => iterations[pt.i]?.status !== 'discard';
  const line = linePath(points, { bridge: true, sep: ' ' });
  const first = points[0];
  const last = points[points.length - 1];
  const area =
    first && last && points.length > 1 ? `${line} L${r(last.x)} ${CHART_H} L${r(first.x)} ${CHART_H} Z` : '';
  const showDots = points.length <= 40;

  return (
    <div
      style={{
        display: 'flex',
        flexDirection: 'column',
        width: PANEL_W,
        height: MAIN_H,
        padding: `20px ${PANEL_PAD_X}px 18px`,
        borderRadius: 20,
        border: `1px solid ${p.border}`,
        backgroundColor: p.panel,
      }}
    >
      <PanelHeading label="SCORE BY ITERATION" size={17} spacing={2.4} p={p}>
        {base != null ? (
          <div
            style={{
              display: 'flex',
              flexDirection: 'row',
              alignItems: 'center',
              fontSize: 17,
              color: p.muted,
            }}
          >
            <svg width="26" height="4" viewBox="0 0 26 4">
              <path
                d="M1 2 H25"
                stroke={p.faint}
                strokeWidth="2"
                strokeDasharray="5 4"
                strokeLinecap="round"
              />
            </svg>
            <div style={{ display: 'flex', marginLeft: 8 }}>{`Baseline ${formatScore(base)}`}</div>
          </div>
        ) : null}
      </PanelHeading>
      <div style={{ display: 'flex', marginTop: 12, width: CHART_W, height: CHART_H, position: 'relative' }}>
        <svg width={CHART_W} height={CHART_H} viewBox={`0 0 ${CHART_W} ${CHART_H}`}>
          <defs>
            <linearGradient id="fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0" stopColor={p.accent} stopOpacity="0.28" />
              <stop offset="1" stopColor={p.accent} stopOpacity="0" />
            </linearGradient>
          </defs>
          {base != null ? (
            <path
              d={`M0 ${r(yAt(base))} H${CHART_W}`}
              stroke={p.faint}
              strokeWidth="2"
              strokeDasharray="6 6"
              fill="none"
            />
          ) : null}
          {area ? <path d={area} fill="url(#fill)" /> : null}
          {points.length > 1 ? (
            <path
              d={line}
              stroke={p.accent}
              strokeWidth="3.5"
              fill="none"
              strokeLinejoin="round"
              strokeLinecap="round"
            />
          ) : null}
          {showDots
            ? points.map((pt) => (
                <circle
                  cx={r(pt.x)}
                  cy={r(pt.y)}
                  r="4.5"
                  fill={kept(pt) ? p.accent : p.panel}
                  stroke={kept(pt) ? p.panel : p.accent}
                  strokeWidth="2"
                />
              ))
            : null}
          {bestPoint ? (
            <circle
              cx={r(bestPoint.x)}
              cy={r(bestPoint.y)}
              r="7"
              fill={p.accent}
              stroke={p.panel}
              strokeWidth="3"
            />
          ) : null}
        </svg>
        {points.length === 0 ? (
          <ChartEmpty width={CHART_W} height={CHART_H} size={22} p={p}>
            {`${iterations.length === 0 ? 'No iterations' : 'No scores'}${active ? ' yet' : ''}`}
          </ChartEmpty>
        ) : null}
      </div>
      <ChartFooter
        p={p}
        status={status}
        done={prog.done}
        total={prog.total}
        slots={points.length > 0 ? slots : 0}
      />
    </div>
  );
}

function ChartFooter({
  p,
  status,
  done,
  total,
  slots,
}: {
  p: Palette;
  status: JobStatus | null;
  done: number;
  total: number | null;
  slots: number;
}) {
  if (status === 'running' && total != null) {
    const fraction = Math.min(1, done / total);
    return (
      <div style={{ display: 'flex', flexDirection: 'row', alignItems: 'center', marginTop: 16 }}>
        <div
          style={{
            display: 'flex',
            flexGrow: 1,
            height: 8,
            borderRadius: 4,
            backgroundColor: p.track,
          }}
        >
          <div
            style={{
              display: 'flex',
              width: `${Math.round(fraction * 1000) / 10}%`,
              height: 8,
              borderRadius: 4,
              backgroundColor: p.accent,
            }}
          />
        </div>
        <div style={{ display: 'flex', marginLeft: 16, fontSize: 18, fontWeight: 700, color: p.fg }}>
          {`${done} of ${total} iterations`}
        </div>
      </div>
    );
  }
  return (
    <div
      style={{
        display: 'flex',
        flexDirection: 'row',
        justifyContent: 'space-between',
        marginTop: 12,
        fontSize: 16,
        color: p.faint,
      }}
    >
      <div style={{ display: 'flex' }}>{slots > 1 ? 'Iteration 1' : ''}</div>
      <div style={{ display: 'flex' }}>{slots > 1 ? `Iteration ${slots}` : ''}</div>
    </div>
  );
}

// ---------------------------------------------------------------------------

function Footer({ job, p, text }: { job: Job; p: Palette; text: TextFn }) {
  const prog = progress(job);
  const iterations =
    job.status === 'running' && prog.total != null ? `${prog.done} of ${prog.total}` : String(prog.done);
  const model = job.analyzer_model
    ? text(job.analyzer_model, { width: 380, size: 20, bold: true, letterSpacing: 0 })
    : '';
  return (
    // Inter's own "normal" line height, stated: a model name in Arabic or Hebrew (whose
    // fonts have taller lines) would otherwise grow the footer and push the scores up.
    <CardFooter p={p} style={{ lineHeight: INTER_LINE_HEIGHT }}>
      <div style={ROW}>
        <Fact p={p} label="Iterations" value={iterations} />
        <Fact p={p} label="Analyzer" value={model || DASH} maxWidth={380} />
        <Fact p={p} label="Started" value={formatDateUtc(job.created_at)} />
      </div>
      <div style={{ display: 'flex', color: p.faint }}>{`Job ${shortId(job.id)}`}</div>
    </CardFooter>
  );
}

/** The line under a card's figures: a rule, then its facts spread from edge to edge. */
export function CardFooter(props: {
  p: Palette;
  style: { lineHeight: number } | { color: string };
  children: JSXNode[];
}) {
  return (
    <div
      style={{
        ...ROW,
        justifyContent: 'space-between',
        marginTop: 22,
        paddingTop: 18,
        borderTop: `1px solid ${props.p.border}`,
        fontSize: 20,
        ...props.style,
      }}
    >
      {props.children}
    </div>
  );
}

export function Fact({
  p,
  label,
  value,
  maxWidth,
}: {
  p: Palette;
  label: string;
  value: string;
  maxWidth?: number;
}) {
  return (
    <div style={{ display: 'flex', flexDirection: 'row', alignItems: 'center', marginRight: 36 }}>
      <div style={{ display: 'flex', color: p.faint }}>{label}</div>
      <div
        style={{
          display: 'block',
          marginLeft: 10,
          fontWeight: 700,
          color: p.fg,
          whiteSpace: 'nowrap',
          overflow: 'hidden',
          textOverflow: 'ellipsis',
          maxWidth: maxWidth ?? 400,
        }}
      >
        {value}
      </div>
    </div>
  );
}
