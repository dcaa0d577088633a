import { jobUrls, type JobUrls } from '../../links';
import { raw } from 'hono/html';
import type { Job } from '../../schema';
import { JOB_TYPE_LABELS } from '../../schema';
import { JOB_STATUS_LABELS, isTerminal } from '../common/status';
import { SERVICE_NAME, jobTitle, relativeImprovement } from '../../present';
import { formatDelta, formatPercent, formatScore } from '../common/format';
import { headline, improvementPoints, progress, sortedIterations } from '../common/job';
import { renderMarkdown } from '../../markdown';
import { Layout, renderDocument, truncateText } from './layout';
import { JsonBlock, Section } from './sections/common';
import { formatUtc, plural } from '../common/format';
import { JobHeader, ScoreSummary } from './sections/header';
import { ChartSection, DimensionsSection, IterationsSection } from './sections/iterations';
import { ChangesSection } from './sections/changes';
import { BacktestSection } from './sections/backtest';
import { ShareSection } from './sections/share';
import { LIVE_SCRIPT } from './live';

export interface PageContext {
  /** e.g. "https://edge.example", no trailing slash; for absolute URLs. */
  origin: string;
  /**
   * Base of this job's links: the origin, or the origin and a share link's `/s/{token}` (links.ts).
   * Default: `origin`.
   */
  base?: string;
  /** `base` without the origin, for same-origin image previews. Default: ''. */
  pathBase?: string;
  /** ms epoch, for relative times. */
  now: number;
  /** Image version for jobUrls(). */
  version: string;
  /** Non-null: the page is built from a stale copy because the upstream failed. */
  stale: { reason: string } | null;
}

/** One sentence for <meta name="description"> and og:description. */
export function describeJob(job: Job): string {
  const parts: string[] = [];
  parts.push(job.job_type ? JOB_TYPE_LABELS[job.job_type] : 'Job');
  parts.push(job.status ? JOB_STATUS_LABELS[job.status] : 'Status unknown');
  const pts = improvementPoints(job);
  if (job.baseline_score != null || job.best_score != null) {
    let s = `Baseline ${formatScore(job.baseline_score)} → best ${formatScore(job.best_score)}`;
    if (pts != null) s += ` (${formatDelta(pts)} pts, ${formatPercent(relativeImprovement(job))})`;
    parts.push(s);
  }
  const n = job.iterations.length;
  const planned = progress(job).total;
  if (n > 0 || planned != null) {
    parts.push(planned != null ? `${n} of ${plural(planned, 'iteration')}` : plural(n, 'iteration'));
  }
  if (job.analyzer_model) parts.push(`analyzer ${job.analyzer_model}`);
  return truncateText(parts.join(' · '), 300);
}

/**
 * What a pending or running job's page says about its freshness. Without JavaScript it is
 * a plain sentence and a link to the page itself; the live script (src/client/live.ts) takes it over (the ids
 * and data attributes are its inputs) and keeps the page current from the job's events.
 */
function LiveBanner({ job, ctx, urls }: { job: Job; ctx: PageContext; urls: JobUrls }) {
  const best = headline(job).best;
  const asOf = new Date(ctx.now).toISOString();
  const state = job.status === 'pending' ? 'pending' : job.status === 'running' ? 'running' : 'not finished';
  return (
    <>
      <div
        class="banner banner-live"
        id="live"
        data-job={job.id}
        data-events={urls.events}
        data-json={urls.json}
        data-version={ctx.version}
        data-best={best != null ? String(best) : undefined}
      >
        <span class="dot" aria-hidden="true"></span>
        <div>
          <strong id="live-label">{job.status === 'pending' ? 'Pending.' : 'Running.'}</strong>{' '}
          <span id="live-state">
            This job is still {state}; this page shows it as of <time datetime={asOf}>{formatUtc(asOf)}</time>
            .
          </span>{' '}
          <a id="live-refresh" href={urls.report}>
            Refresh to see newer data
          </a>
        </div>
      </div>
      <p id="live-announce" class="sr-only" aria-live="polite"></p>
    </>
  );
}

function Banners({ job, ctx, urls }: { job: Job; ctx: PageContext; urls: JobUrls }) {
  const live = !isTerminal(job.status);
  return (
    <>
      {ctx.stale ? (
        <div class="banner banner-warn" role="status">
          <span class="dot" aria-hidden="true"></span>
          <div>
            <strong>Showing a saved copy.</strong> The Overmind API could not be reached ({ctx.stale.reason}),
            so this page may be out of date.
          </div>
        </div>
      ) : null}
      {live ? <LiveBanner job={job} ctx={ctx} urls={urls} /> : null}
      {job.status === 'failed' ? (
        <div class="banner banner-fail">
          <span class="dot" aria-hidden="true"></span>
          <div>
            <strong>This run failed.</strong>
            {job.report_markdown ? (
              <>
                {' '}
                The <a href="#report">report</a> has the reason.
              </>
            ) : null}
          </div>
        </div>
      ) : null}
    </>
  );
}

interface TocEntry {
  id: string;
  label: string;
}

function Toc({ entries }: { entries: TocEntry[] }) {
  return (
    <nav aria-label="On this page">
      <ul class="toc">
        {entries.map((e) => (
          <li>
            <a href={`#${e.id}`}>{e.label}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function ReportSection({ markdown }: { markdown: string | null | undefined }) {
  if (markdown == null || markdown.trim() === '') return null;
  // The one raw() of the page: renderMarkdown's output has been through sanitize-html.
  return (
    <Section id="report" title="Report">
      <div class="markdown">{raw(renderMarkdown(markdown))}</div>
    </Section>
  );
}

function ResultSection({ value }: { value: unknown }) {
  if (value == null) return null;
  if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return null;
  return (
    <Section id="result" title="Result">
      <JsonBlock value={value} summary="Result (JSON)" />
    </Section>
  );
}

function hasBacktest(v: unknown): boolean {
  return v != null && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
}

export function ReportPage({ job, ctx }: { job: Job; ctx: PageContext }) {
  const iterations = sortedIterations(job);
  const title = jobTitle(job);
  const description = describeJob(job);
  const urls = jobUrls(ctx.base ?? ctx.origin, job.id, ctx.version);
  const active = !isTerminal(job.status);

  const hasDims = iterations.some((it) => it.dimension_scores != null);
  const hasChanges =
    Boolean(job.best_agent_code) ||
    iterations.some((it) => it.status === 'keep' && typeof it.agent_code === 'string');
  const toc: TocEntry[] = [
    { id: 'summary', label: 'Score' },
    { id: 'chart', label: 'Chart' },
    { id: 'iterations', label: 'Iterations' },
  ];
  if (hasDims) toc.push({ id: 'dimensions', label: 'Dimensions' });
  if (hasChanges) toc.push({ id: 'changes', label: 'What changed' });
  if (hasBacktest(job.backtest_results)) toc.push({ id: 'backtest', label: 'Backtest' });
  if (job.report_markdown && job.report_markdown.trim() !== '') toc.push({ id: 'report', label: 'Report' });
  if (hasBacktest(job.result)) toc.push({ id: 'result', label: 'Result' });
  toc.push({ id: 'share', label: 'Share' });

  const docTitle = `${truncateText(title, 90)} · ${job.status ? JOB_STATUS_LABELS[job.status] : 'Job'} · ${SERVICE_NAME}`;
  return (
    <Layout
      title={docTitle}
      description={description}
      canonical={urls.report}
      og={{
        title: truncateText(title, 90),
        description,
        url: urls.report,
        image: urls.ogPng,
        imageAlt: `Score card for ${truncateText(title, 80)}: ${description}`,
      }}
      crumb={<>Reports</>}
    >
      <Banners job={job} ctx={ctx} urls={urls} />
      <JobHeader job={job} now={ctx.now} />
      <Toc entries={toc} />
      <ScoreSummary job={job} />
      <ChartSection job={job} iterations={iterations} />
      <IterationsSection job={job} iterations={iterations} />
      <DimensionsSection iterations={iterations} />
      <ChangesSection job={job} iterations={iterations} />
      <BacktestSection value={job.backtest_results} />
      <ReportSection markdown={job.report_markdown} />
      <ResultSection value={job.result} />
      <ShareSection
        job={job}
        base={ctx.base ?? ctx.origin}
        pathBase={ctx.pathBase ?? ''}
        version={ctx.version}
      />
      {/* The second raw() of the page: a constant of ours (src/client/live.ts, bundled by scripts/build-client.ts), allowed by its CSP hash. */}
      {active ? <script>{raw(LIVE_SCRIPT)}</script> : null}
    </Layout>
  );
}

/** The report page for a job, as a complete HTML document. */
export function renderReportPage(job: Job, ctx: PageContext): string {
  return renderDocument(<ReportPage job={job} ctx={ctx} />);
}
