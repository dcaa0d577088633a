import type { Child } from 'hono/jsx';
import type { Job } from '../../../schema';
import { JOB_TYPE_LABELS } from '../../../schema';
import { isTerminal } from '../../common/status';
import { jobTitle } from '../../../present';
import { direction } from '../../common/format';
import { headline, progress } from '../../common/job';
import { formatDelta, formatPercent, formatScore } from '../../common/format';
import { Change, Empty, Section, StatusPill } from './common';
import { formatDuration, formatUtc, plural, relativeTime } from '../../common/format';

// The page's header (who, what, when) and the score summary (how it went).

function When({ iso, now }: { iso: string; now: number }) {
  const rel = relativeTime(iso, now);
  return (
    <>
      <time datetime={iso}>{formatUtc(iso)}</time>
      {rel ? <span class="rel"> · {rel}</span> : null}
    </>
  );
}

function Fact({
  label,
  children,
  mono,
  live,
}: {
  label: string;
  children?: Child;
  mono?: boolean;
  /** On an active job's page, the name the live script (src/client/live.ts) updates this fact by. */
  live?: string | undefined;
}) {
  return (
    <div>
      <dt>{label}</dt>
      <dd class={mono ? 'mono' : undefined} dir="auto" data-live-fact={live}>
        {children}
      </dd>
    </div>
  );
}

export function JobHeader({ job, now }: { job: Job; now: number }) {
  const typeLabel = job.job_type ? JOB_TYPE_LABELS[job.job_type] : 'Job';
  const start = Date.parse(job.created_at);
  const end = isTerminal(job.status) ? Date.parse(job.updated_at) : now;
  const duration = formatDuration(end - start);
  const p = progress(job);
  // Hooks for the live script (src/client/live.ts), on pages that carry it.
  const live = (name: string) => (isTerminal(job.status) ? undefined : name);
  return (
    <header class="job-head">
      <div class="eyebrow">
        <span>{typeLabel}</span>
        <span aria-hidden="true">·</span>
        <span class="mono">{job.id}</span>
      </div>
      <h1 dir="auto">{jobTitle(job)}</h1>
      <div class="sub">
        <StatusPill status={job.status} />
        <span data-live={live('for')}>
          {isTerminal(job.status) ? 'Ran for ' : 'Running for '}
          {duration}
        </span>
        <span aria-hidden="true">·</span>
        <span>
          Updated{' '}
          <time datetime={job.updated_at} data-live={live('updated')}>
            {relativeTime(job.updated_at, now) || formatUtc(job.updated_at)}
          </time>
        </span>
      </div>
      <dl class="facts">
        <Fact label="Job type">{typeLabel}</Fact>
        <Fact label="Analyzer model">{job.analyzer_model || '—'}</Fact>
        <Fact label="Data source">{job.data_source || '—'}</Fact>
        <Fact label="Iterations" live={live('iterations')}>
          {p.total != null
            ? `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}`
            : p.done.toLocaleString('en-US')}
          {job.candidates_per_iteration != null && job.candidates_per_iteration > 0
            ? ` · ${plural(job.candidates_per_iteration, 'candidate')} each`
            : ''}
        </Fact>
        <Fact label="Created" live={live('created')}>
          <When iso={job.created_at} now={now} />
        </Fact>
        <Fact label="Updated" live={live('updated-at')}>
          <When iso={job.updated_at} now={now} />
        </Fact>
        <Fact label="Duration" live={live('duration')}>
          {duration}
          {isTerminal(job.status) ? '' : ' so far'}
        </Fact>
        <Fact label="Agent" mono>
          {job.agent || '—'}
        </Fact>
        <Fact label="Project" mono>
          {job.project || '—'}
        </Fact>
      </dl>
    </header>
  );
}

export function ScoreSummary({ job }: { job: Job }) {
  const { best, points: pts, percent: rel } = headline(job);
  const dir = direction(pts);
  const p = progress(job);
  const active = !isTerminal(job.status);
  const kept = job.iterations.filter((it) => it.status === 'keep').length;
  const discarded = job.iterations.filter((it) => it.status === 'discard').length;
  const nothing = job.baseline_score == null && best == null && pts == null;
  return (
    <Section id="summary" title="Score">
      {nothing && !active ? (
        <Empty>No scores were recorded for this job.</Empty>
      ) : (
        <div class="stats">
          <div class="stat">
            <div class="label">Baseline</div>
            <div class="value">
              {formatScore(job.baseline_score)}
              {job.baseline_score != null ? <small> / 100</small> : null}
            </div>
            <div class="detail">Score before optimisation</div>
          </div>
          <div class="stat">
            <div class="label">{active ? 'Best so far' : 'Best'}</div>
            <div class="value">
              {formatScore(best)}
              {best != null ? <small> / 100</small> : null}
            </div>
            <div class="detail">
              {job.best_score != null ? 'Highest kept score' : 'Highest iteration score'}
            </div>
          </div>
          <div class={`stat${dir === 'up' ? ' stat-up' : dir === 'down' ? ' stat-down' : ''}`}>
            <div class="label">Improvement</div>
            <div class="value">
              <Change dir={dir} text={formatDelta(pts)} />
              {pts != null ? <small> pts</small> : null}
            </div>
            <div class="detail">
              <Change dir={direction(rel)} text={formatPercent(rel)} /> relative to baseline
            </div>
          </div>
        </div>
      )}
      {active ? (
        <div class="progress">
          <div class="row">
            <strong>
              {p.total != null
                ? `Iteration ${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}`
                : `${plural(p.done, 'iteration')} so far`}
            </strong>
            <span class="subtle">
              {kept} kept · {discarded} discarded
              {p.fraction != null ? ` · ${Math.round(p.fraction * 100)}%` : ''}
            </span>
          </div>
          {p.total != null ? (
            <progress max={p.total} value={Math.min(p.done, p.total)} aria-label="Iterations completed">
              {p.done} of {p.total}
            </progress>
          ) : (
            <progress aria-label="Iterations completed">in progress</progress>
          )}
        </div>
      ) : job.iterations.length > 0 ? (
        <p class="note">
          {plural(job.iterations.length, 'iteration')}: {kept} kept, {discarded} discarded.
        </p>
      ) : null}
    </Section>
  );
}
