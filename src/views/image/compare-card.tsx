/** @jsxImportSource satori/jsx */
import type { Comparison } from '../../comparison';
import { linePath, points, r, scale, scoreOf, sparkDomain } from '../common/chart';
import { isActive, shortId } from '../../present';
import { formatDelta, formatScore } from '../common/format';
import { sortedIterations } from '../common/job';
import { JOB_TYPE_LABELS, type Job } from '../../schema';
import {
  Arrow,
  CardFooter,
  CardFrame,
  ChartEmpty,
  CardHeader,
  CONTENT_W,
  Eyebrow,
  FigureColumn,
  PALETTES,
  PanelHeading,
  Pill,
  ROW,
  RTL_LINE,
  Triangle,
  directionColors,
  statusLabel,
  title,
  titleDirection,
  type CardTheme,
  type TextFn,
  type Palette,
} from './card';

// The comparison card (GET /compare/{base}...{head}/og.png): both runs' best scores, the change
// between them large, and both runs' scores per iteration on one scale. Same rules as the job
// card: satori flexbox, untrusted strings only as text content and only through `text`.

export interface CompareCardOptions {
  theme: CardTheme;
  text: TextFn;
}

const LEFT_W = 470;
const GAP = 40;
const PANEL_W = CONTENT_W - LEFT_W - GAP;
const PANEL_PAD = 24;
const SPARK_W = PANEL_W - 2 * PANEL_PAD - 2;
const SPARK_H = 62;
const MAIN_H = 252;

export function compareCardElement(
  base: Job,
  head: Job,
  cmp: Comparison,
  { theme, text }: CompareCardOptions,
) {
  const p = PALETTES[theme];
  const typeLabel = head.job_type ? JOB_TYPE_LABELS[head.job_type] : 'Job';
  const headRtl = titleDirection(head, text) === 'rtl';
  // Right-to-left titles come cut to their line already (TextFn), so satori's ellipsis never
  // takes their start; the base title shares its line with an English prefix (about 300 px).
  const headTitle = title(
    head,
    text,
    headRtl ? { width: CONTENT_W - 24, size: 52, bold: true, letterSpacing: -1.4 } : undefined,
  );
  const baseTitle = title(base, text, {
    width: CONTENT_W - 24 - 300,
    size: 26,
    bold: false,
    letterSpacing: 0,
  });
  return (
    <CardFrame p={p}>
      <CardHeader p={p} kind={`${typeLabel} comparison`} />
      <div
        style={{
          display: 'block',
          marginTop: 24,
          width: CONTENT_W - 24,
          fontSize: 52,
          fontWeight: 700,
          letterSpacing: -1.4,
          lineHeight: 1.1,
          whiteSpace: 'nowrap',
          overflow: 'hidden',
          textOverflow: 'ellipsis',
          ...(headRtl ? RTL_LINE : {}),
        }}
      >
        {headTitle}
      </div>
      <div
        style={{
          display: 'block',
          marginTop: 8,
          width: CONTENT_W - 24,
          fontSize: 26,
          color: p.muted,
          whiteSpace: 'nowrap',
          overflow: 'hidden',
          textOverflow: 'ellipsis',
        }}
      >
        {`against the base run ${baseTitle === headTitle ? shortId(base.id) : baseTitle}`}
      </div>
      <div style={{ display: 'flex', flexGrow: 1 }} />
      <div style={{ display: 'flex', flexDirection: 'row', alignItems: 'flex-end', height: MAIN_H }}>
        <Change head={head} cmp={cmp} p={p} />
        <div style={{ display: 'flex', width: GAP }} />
        <Sparklines base={base} head={head} cmp={cmp} p={p} />
      </div>
      <Footer base={base} head={head} cmp={cmp} p={p} />
    </CardFrame>
  );
}

function Change({ head, cmp, p }: { head: Job; cmp: Comparison; p: Palette }) {
  const { best } = cmp;
  const [fg, bg] = directionColors(p, best.dir);
  return (
    <FigureColumn width={LEFT_W} height={MAIN_H}>
      <Eyebrow p={p}>{isActive(head) ? 'CHANGE IN BEST SCORE SO FAR' : 'CHANGE IN BEST SCORE'}</Eyebrow>
      <div style={{ ...ROW, marginTop: 6 }}>
        <div
          style={{
            display: 'flex',
            fontSize: 112,
            fontWeight: 700,
            letterSpacing: -5,
            lineHeight: 1,
            color: best.change == null ? p.faint : best.dir === 'flat' ? p.fg : fg,
          }}
        >
          {formatDelta(best.change)}
        </div>
        {best.change != null ? (
          <Pill fg={fg} bg={bg} size={24} pad="6px 14px" gap={8} label="pts" marginLeft={18}>
            <Triangle dir={best.dir} color={fg} />
          </Pill>
        ) : null}
      </div>
      <div
        style={{
          display: 'flex',
          flexDirection: 'row',
          alignItems: 'center',
          marginTop: 16,
          fontSize: 24,
          color: p.muted,
        }}
      >
        <div style={{ display: 'flex' }}>Base</div>
        <div style={{ display: 'flex', marginLeft: 10, fontWeight: 700, color: p.fg }}>
          {formatScore(best.base)}
        </div>
        <div style={{ display: 'flex', marginLeft: 14, marginRight: 14 }}>
          <Arrow color={p.faint} />
        </div>
        <div style={{ display: 'flex' }}>This run</div>
        <div style={{ display: 'flex', marginLeft: 10, fontWeight: 700, color: p.fg }}>
          {formatScore(best.head)}
        </div>
      </div>
    </FigureColumn>
  );
}

function scoresOf(job: Job): (number | null)[] {
  return sortedIterations(job).map(scoreOf);
}

function emptyNote(job: Job): string {
  const note = job.iterations.length === 0 ? 'No iterations' : 'No scores';
  return isActive(job) ? `${note} yet` : note;
}

function Sparklines({ base, head, cmp, p }: { base: Job; head: Job; cmp: Comparison; p: Palette }) {
  const b = scoresOf(base);
  const h = scoresOf(head);
  // One scale and one x axis for both, so the lines compare by eye.
  const { min: lo, max: hi } = sparkDomain([...b, ...h].filter((v): v is number => v != null));
  const slots = Math.max(b.length, h.length, 1);
  return (
    <div
      style={{
        display: 'flex',
        flexDirection: 'column',
        justifyContent: 'space-between',
        width: PANEL_W,
        height: MAIN_H,
        padding: `18px ${PANEL_PAD}px`,
        borderRadius: 20,
        border: `1px solid ${p.border}`,
        backgroundColor: p.panel,
      }}
    >
      {[
        { label: 'BASE RUN', score: cmp.best.base, scores: b, color: p.faint, empty: emptyNote(base) },
        { label: 'THIS RUN', score: cmp.best.head, scores: h, color: p.accent, empty: emptyNote(head) },
      ].map((row) => (
        <SparkRow {...row} lo={lo} hi={hi} slots={slots} p={p} />
      ))}
    </div>
  );
}

function SparkRow(props: {
  label: string;
  score: number | null;
  scores: (number | null)[];
  lo: number;
  hi: number;
  slots: number;
  color: string;
  empty: string;
  p: Palette;
}) {
  const { scores, lo, hi, slots, color, p } = props;
  const pad = 6;
  const dots = points(
    scores,
    scale({ left: pad, top: pad, width: SPARK_W - 2 * pad, height: SPARK_H - 2 * pad }, slots, lo, hi),
  );
  const line = linePath(dots, { sep: ' ' });
  return (
    <div style={{ display: 'flex', flexDirection: 'column' }}>
      <PanelHeading label={props.label} size={16} spacing={2.2} p={p}>
        <div style={{ display: 'flex', fontSize: 22, fontWeight: 700, color: p.fg }}>
          {`best ${formatScore(props.score)}`}
        </div>
      </PanelHeading>
      <div style={{ display: 'flex', marginTop: 8, width: SPARK_W, height: SPARK_H, position: 'relative' }}>
        <svg width={SPARK_W} height={SPARK_H} viewBox={`0 0 ${SPARK_W} ${SPARK_H}`}>
          {line ? (
            <path
              d={line}
              stroke={color}
              strokeWidth="3.5"
              fill="none"
              strokeLinejoin="round"
              strokeLinecap="round"
            />
          ) : null}
          {dots.length <= 40
            ? dots.map((pt) => <circle cx={r(pt.x)} cy={r(pt.y)} r="4" fill={color} />)
            : null}
        </svg>
        {dots.length === 0 ? (
          <ChartEmpty width={SPARK_W} height={SPARK_H} size={20} p={p}>
            {props.empty}
          </ChartEmpty>
        ) : null}
      </div>
    </div>
  );
}

function Footer({ base, head, cmp, p }: { base: Job; head: Job; cmp: Comparison; p: Palette }) {
  const side = (label: string, job: Job) => `${label} ${shortId(job.id)} · ${statusLabel(job.status)}`;
  const dims = cmp.compared > 0 ? `Dimensions: ${cmp.improved} improved, ${cmp.regressed} regressed` : '';
  return (
    <CardFooter p={p} style={{ color: p.faint }}>
      <div style={ROW}>
        <div style={{ display: 'flex' }}>{side('Base', base)}</div>
        <div style={{ display: 'flex', marginLeft: 14, marginRight: 14 }}>
          <Arrow color={p.faint} />
        </div>
        <div style={{ display: 'flex' }}>{side('This run', head)}</div>
      </div>
      <div style={{ display: 'flex', fontWeight: 700, color: p.muted }}>{dims}</div>
    </CardFooter>
  );
}
