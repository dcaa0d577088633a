import type { Comparison, Figure } from '../../comparison';
import { compareUrls, jobUrls } from '../../links';
import { SERVICE_NAME, jobTitle } from '../../present';
import { direction, formatDelta, formatScore } from '../common/format';
import { progress, sortedIterations } from '../common/job';
import { JOB_TYPE_LABELS, type Iteration, type Job } from '../../schema';
import {
  GEOMETRY,
  axisDomain,
  chartSvg,
  levelPath,
  linePath,
  markerPath,
  points,
  scoreOf,
  type Geometry,
} from '../common/chart';
import { h as el } from '../common/tree';
import { fromTree } from './tree';
import { Layout, renderDocument, truncateText } from './layout';
import { Change, Empty, Section, StatusPill, DataTable, numCol } from './sections/common';
import { formatSigned, formatUtc, plural } from '../common/format';

// The comparison page (GET /compare/{base}...{head}): two runs side by side, the change in their
// scores and in the dimensions of their best iterations, and one chart with both runs. No script;
// the chart's table is its accessible alternative. Every string is escaped by hono/jsx.

export interface ComparePageContext {
  /** Absolute prefix of every link (the origin, or a share link under it). */
  base: string;
  baseVersion: string;
  headVersion: string;
  /** The comparison card's version. */
  version: string;
  /** Non-null: a side is served from a saved copy because the upstream failed. */
  stale: { side: string; reason: string } | null;
}

export function describeComparison(base: Job, head: Job, cmp: Comparison): string {
  const parts = [
    `This run ${formatScore(cmp.best.head)} against the base run's ${formatScore(cmp.best.base)}` +
      (cmp.best.change != null ? ` (${formatDelta(cmp.best.change)} pts)` : ''),
  ];
  if (cmp.compared > 0) {
    parts.push(`dimensions: ${cmp.improved} improved, ${cmp.regressed} regressed`);
  }
  parts.push(`${jobTitle(head)} against ${jobTitle(base)}`);
  return truncateText(parts.join(' · '), 300);
}

function iterationsText(job: Job): string {
  const p = progress(job);
  const kept = job.iterations.filter((it) => it.status === 'keep').length;
  const done =
    p.total != null
      ? `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}`
      : p.done.toLocaleString('en-US');
  return `${done} · ${kept} kept`;
}

function Run({ role, job, report }: { role: string; job: Job; report: string }) {
  return (
    <article class="run" aria-label={role}>
      <div class="role">
        <span>{role}</span>
        <StatusPill status={job.status} />
      </div>
      <h3 dir="auto">
        <a href={report}>{jobTitle(job)}</a>
      </h3>
      <dl>
        <dt>Job type</dt>
        <dd>{job.job_type ? JOB_TYPE_LABELS[job.job_type] : '—'}</dd>
        <dt>Analyzer</dt>
        <dd dir="auto">{job.analyzer_model || '—'}</dd>
        <dt>Iterations</dt>
        <dd>{iterationsText(job)}</dd>
        <dt>Created</dt>
        <dd>
          <time datetime={job.created_at}>{formatUtc(job.created_at)}</time>
        </dd>
        <dt>Updated</dt>
        <dd>
          <time datetime={job.updated_at}>{formatUtc(job.updated_at)}</time>
        </dd>
        <dt>Job id</dt>
        <dd class="mono">{job.id}</dd>
      </dl>
    </article>
  );
}

function Stat(props: { label: string; f: Figure; signedValues?: boolean; neutral?: boolean }) {
  const { label, f, signedValues } = props;
  const show = signedValues ? formatDelta : formatScore;
  // A different baseline means a different benchmark, neither better nor worse: no colour.
  const dir = props.neutral ? 'none' : f.dir;
  return (
    <div class={`stat${dir === 'up' ? ' stat-up' : dir === 'down' ? ' stat-down' : ''}`}>
      <div class="label">{label}</div>
      <div class="value">
        {show(f.head)}
        {f.head != null && !signedValues ? <small> / 100</small> : null}
        {f.head != null && signedValues ? <small> pts</small> : null}
      </div>
      <div class="detail">
        Base run {show(f.base)} ·{' '}
        {props.neutral ? formatDelta(f.change) : <Change dir={dir} text={formatDelta(f.change)} />}
        {f.change != null ? ' pts' : ''}
      </div>
    </div>
  );
}

function Dimensions({ cmp }: { cmp: Comparison }) {
  if (cmp.dimensions.length === 0) {
    return (
      <Section id="dimensions" title="Dimensions">
        <Empty>Neither run has dimension scores for a kept iteration.</Empty>
      </Section>
    );
  }
  const name = (it: Iteration | null) => (it ? it.iteration_name : 'none');
  return (
    <Section
      id="dimensions"
      title="Dimensions"
      lead={
        <>
          The best kept iteration of each run: <span dir="auto">{name(cmp.baseBest)}</span> (base) and{' '}
          <span dir="auto">{name(cmp.headBest)}</span> (this run). {cmp.improved} improved, {cmp.regressed}{' '}
          regressed, {cmp.unchanged} unchanged.
        </>
      }
    >
      <DataTable
        label="Dimension changes"
        caption="Each dimension's score in the base run and in this run, and the change."
        columns={['Dimension', numCol('Base run'), numCol('This run'), numCol('Change')]}
      >
        {cmp.dimensions.map((d) => (
          <tr>
            <th scope="row" class="name" dir="auto">
              {d.label}
            </th>
            <td class="num">{formatSigned(d.base)}</td>
            <td class="num">{formatSigned(d.head)}</td>
            <td class="num">
              <Change dir={d.dir} text={formatDelta(d.change)} />
            </td>
          </tr>
        ))}
      </DataTable>
      {cmp.dimensionsOmitted > 0 ? (
        <p class="note">{plural(cmp.dimensionsOmitted, 'more dimension')} left out.</p>
      ) : null}
    </Section>
  );
}

// ---------------------------------------------------------------------------
// One chart, both runs: each run's average score by iteration position, on the report chart's
// scales and geometry. Each series is one <path> whatever the number of iterations.

interface Series {
  scores: (number | null)[];
}

function scores(job: Job): (number | null)[] {
  return sortedIterations(job).map(scoreOf);
}

function CompareChartSvg(props: {
  base: Series;
  head: Series;
  baseline: number | null;
  g: Geometry;
  variant: 'wide' | 'narrow';
  summary: string;
}) {
  const { base, head, baseline, g, variant } = props;
  const values = [...base.scores, ...head.scores].filter((v): v is number => v != null);
  if (baseline != null) values.push(baseline);
  const svg = chartSvg({
    g,
    variant,
    idPrefix: 'compare-chart',
    title: 'Average score per iteration, both runs',
    desc: `${props.summary} Every value is listed in the table below.`,
    xn: Math.max(base.scores.length, head.scores.length, 1),
    domain: axisDomain(values),
    xLabel: (i) => String(i + 1),
    xTitle: 'Iteration',
    series: (s, plot) => {
      const b = points(base.scores, s);
      const h = points(head.scores, s);
      return [
        baseline != null ? el('path', { class: 's-base', d: levelPath(s, plot, baseline) }) : null,
        b.length ? el('path', { class: 's-base-run', d: linePath(b) }) : null,
        b.length ? el('path', { class: 'm-base-run', d: markerPath(b) }) : null,
        h.length ? el('path', { class: 's-head', d: linePath(h) }) : null,
        h.length ? el('path', { class: 'm-head', d: markerPath(h) }) : null,
      ];
    },
  });
  return <>{fromTree(svg)}</>;
}

function ChartSection({ base, head, cmp }: { base: Job; head: Job; cmp: Comparison }) {
  const b = { scores: scores(base) };
  const h = { scores: scores(head) };
  const n = Math.max(b.scores.length, h.scores.length);
  if (n === 0) {
    return (
      <Section id="chart" title="Score per iteration">
        <Empty>Neither run has iterations yet.</Empty>
      </Section>
    );
  }
  const baseline = cmp.baseline.head;
  const summary =
    `The base run has ${plural(b.scores.length, 'iteration')}, best ${formatScore(cmp.best.base)}; ` +
    `this run has ${plural(h.scores.length, 'iteration')}, best ${formatScore(cmp.best.head)}.`;
  return (
    <Section id="chart" title="Score per iteration">
      <figure class="chart">
        {(['wide', 'narrow'] as const).map((variant) => (
          <CompareChartSvg
            base={b}
            head={h}
            baseline={baseline}
            g={GEOMETRY[variant]}
            variant={variant}
            summary={summary}
          />
        ))}
        <ul class="legend" aria-hidden="true">
          <li>
            <span class="sw"></span>This run
          </li>
          <li>
            <span class="sw sw-base-run"></span>Base run
          </li>
          {baseline != null ? (
            <li>
              <span class="sw sw-base"></span>Baseline {formatScore(baseline)}
            </li>
          ) : null}
        </ul>
        <figcaption>
          Average score of each iteration, in order, for both runs. The{' '}
          <a href="#iterations">Iterations table</a> lists every value.
        </figcaption>
      </figure>
      <h3 id="iterations">Iterations</h3>
      <DataTable
        label="Iterations of both runs"
        tall={n > 25}
        caption="The average score of each iteration of the base run and of this run, by position, and the change."
        columns={[numCol('#'), numCol('Base run'), numCol('This run'), numCol('Change')]}
      >
        {Array.from({ length: n }, (_, i) => {
          const bv = b.scores[i] ?? null;
          const hv = h.scores[i] ?? null;
          const change = bv != null && hv != null ? hv - bv : null;
          return (
            <tr>
              <th scope="row" class="num">
                {i + 1}
              </th>
              <td class="num">{formatScore(bv)}</td>
              <td class="num">{formatScore(hv)}</td>
              {/* Sign and colour only: 2,000 rows stay light, and the header says what it is. */}
              <td class={`num dir-${direction(change)}`}>{formatDelta(change)}</td>
            </tr>
          );
        })}
      </DataTable>
    </Section>
  );
}

export function ComparePage({
  base,
  head,
  cmp,
  ctx,
}: {
  base: Job;
  head: Job;
  cmp: Comparison;
  ctx: ComparePageContext;
}) {
  const urls = compareUrls(ctx.base, base.id, head.id, ctx.version);
  const baseUrls = jobUrls(ctx.base, base.id, ctx.baseVersion);
  const headUrls = jobUrls(ctx.base, head.id, ctx.headVersion);
  const title = `${truncateText(jobTitle(head), 70)} against its base run`;
  const description = describeComparison(base, head, cmp);
  return (
    <Layout
      title={`${title} · ${SERVICE_NAME}`}
      description={description}
      canonical={urls.page}
      og={{
        title,
        description,
        url: urls.page,
        image: urls.ogPng,
        imageAlt: `Comparison card: ${description}`,
      }}
      crumb={<>Comparison</>}
    >
      {ctx.stale ? (
        <div class="banner banner-warn" role="status">
          <span class="dot" aria-hidden="true"></span>
          <div>
            <strong>Showing a saved copy of the {ctx.stale.side}.</strong> The Overmind API could not be
            reached ({ctx.stale.reason}), so this page may be out of date.
          </div>
        </div>
      ) : null}
      <header class="job-head">
        <div class="eyebrow">
          <span>Comparison</span>
          <span aria-hidden="true">·</span>
          <span>{head.job_type ? JOB_TYPE_LABELS[head.job_type] : 'Job'}</span>
        </div>
        <h1 dir="auto">{jobTitle(head)}</h1>
        <div class="sub">
          <span>
            This run against the base run <span dir="auto">{jobTitle(base)}</span>
          </span>
        </div>
      </header>
      <Section id="runs" title="The two runs">
        <div class="runs">
          <Run role="Base run" job={base} report={baseUrls.report} />
          <Run role="This run" job={head} report={headUrls.report} />
        </div>
      </Section>
      <Section id="summary" title="Score" lead="This run's figures, with the base run's and the change.">
        <div class="stats">
          <Stat label="Baseline" f={cmp.baseline} neutral />
          <Stat label="Best" f={cmp.best} />
          <Stat label="Improvement" f={cmp.improvement} signedValues />
        </div>
      </Section>
      <Dimensions cmp={cmp} />
      <ChartSection base={base} head={head} cmp={cmp} />
      <Section id="links" title="Links">
        <ul>
          <li>
            <a href={baseUrls.report}>Report of the base run</a> (<a href={baseUrls.json}>JSON</a>)
          </li>
          <li>
            <a href={headUrls.report}>Report of this run</a> (<a href={headUrls.json}>JSON</a>)
          </li>
          <li>
            <a href={urls.comment}>This comparison as a pull-request comment</a> (markdown)
          </li>
          <li>
            <a href={urls.ogPng}>The comparison card</a> (PNG, 1200×630)
          </li>
        </ul>
      </Section>
    </Layout>
  );
}

export function renderComparePage(base: Job, head: Job, cmp: Comparison, ctx: ComparePageContext): string {
  return renderDocument(<ComparePage base={base} head={head} cmp={cmp} ctx={ctx} />);
}
