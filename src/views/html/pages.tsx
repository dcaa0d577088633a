import { jobUrls } from '../../links';
import type { Job } from '../../schema';
import { JOB_TYPE_LABELS } from '../../schema';
import { SERVICE_NAME, jobTitle } from '../../present';
import { direction, formatDelta, formatScore } from '../common/format';
import { improvementPoints, progress } from '../common/job';
import { Layout, renderDocument } from './layout';
import { Change, DataTable, Section, StatusPill, numCol } from './sections/common';

// The error page and the index page. Both use the same Layout and stylesheet as the
// report, so one CSP fits every HTML answer.

const ERROR_TITLES: Record<number, string> = {
  400: 'That is not a job id',
  401: 'An API key is needed',
  403: 'Not allowed',
  404: 'Job not found',
  405: 'Method not allowed',
  410: 'This share link has expired',
  414: 'Address too long',
  429: 'Too many requests',
  500: 'Something went wrong',
  502: 'The Overmind API is unavailable',
  503: 'Service unavailable',
  504: 'The Overmind API did not answer in time',
};

const ERROR_HINTS: Record<number, string> = {
  400: 'Job ids are UUIDs, like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e. Check the link you followed.',
  404: 'The job may have been deleted, or the link may be mistyped.',
  410: 'Share links can carry an expiry. Ask whoever sent you this one for a new link.',
  429: 'Wait a moment, then reload the page.',
  502: 'This is usually brief. Reload the page in a minute.',
  503: 'This is usually brief. Reload the page in a minute.',
  504: 'This is usually brief. Reload the page in a minute.',
};

export function ErrorPage(props: { status: number; code: string; detail: string }) {
  const title =
    ERROR_TITLES[props.status] ?? (props.status >= 500 ? 'Something went wrong' : 'Request not understood');
  const hint = ERROR_HINTS[props.status];
  return (
    <Layout title={`${props.status} ${title} · ${SERVICE_NAME}`} description={props.detail} noindex>
      <div class="error-page">
        <p class="code">
          {props.status} · {props.code}
        </p>
        <h1>{title}</h1>
        <p dir="auto">{props.detail}</p>
        {hint ? <p class="subtle">{hint}</p> : null}
        <p>
          <a class="button" href="/">
            Go to the index
          </a>
        </p>
      </div>
    </Layout>
  );
}

/** An error as a complete HTML page; the route sets the HTTP status itself. */
export function renderErrorPage(
  status: number,
  code: string,
  detail: string,
  _ctx: { origin: string },
): string {
  return renderDocument(<ErrorPage status={status} code={code} detail={detail} />);
}

function JobRow({
  job,
  badgeColumn,
  version,
}: {
  job: Job;
  badgeColumn: boolean;
  version: string | undefined;
}) {
  const pts = improvementPoints(job);
  const p = progress(job);
  const badge = version ? jobUrls('', job.id, version).badgeSvg : null;
  return (
    <tr>
      <th scope="row" class="name" dir="auto">
        <a href={`/jobs/${job.id}`}>{jobTitle(job)}</a>
      </th>
      <td>{job.job_type ? JOB_TYPE_LABELS[job.job_type] : '—'}</td>
      <td>
        <StatusPill status={job.status} />
      </td>
      <td class="num">{formatScore(job.best_score)}</td>
      <td class="num">
        <Change dir={direction(pts)} text={formatDelta(pts)} />
      </td>
      <td class="num">{p.total != null ? `${p.done} / ${p.total}` : p.done}</td>
      {badgeColumn ? <td>{badge ? <img src={badge} alt="" height="20" loading="lazy" /> : null}</td> : null}
    </tr>
  );
}

/**
 * `example`: a job this deployment serves (the first demo job in demo mode), so the example opens;
 * without one, the example shows where the id goes.
 */
function UrlForms({ origin, signed, example }: { origin: string; signed: boolean; example: string | null }) {
  const rows: [string, string][] = [
    [`/jobs/{id}`, 'The report page: scores, chart, iterations, what changed, and the report.'],
    [`/api/jobs/{id}/`, 'The job as JSON, validated and cached.'],
    [`/jobs/{id}/og.png`, 'A 1200×630 score card for link previews (also og.svg).'],
    [`/jobs/{id}/badge.svg`, 'A small score badge for READMEs and pull requests.'],
    [`/jobs/{id}/badge.json`, 'A shields.io endpoint-badge document.'],
  ];
  return (
    <Section id="urls" title="URL forms">
      <DataTable label="URL forms" columns={['Path', 'What it returns']}>
        {rows.map(([path, what]) => (
          <tr>
            <th scope="row">
              <code>{path}</code>
            </th>
            <td>{what}</td>
          </tr>
        ))}
      </DataTable>
      {signed ? (
        <p class="note">
          Jobs here are private: each of these paths answers only under a share link,{' '}
          <code>{`${origin}/s/{token}/jobs/{id}`}</code>, minted by someone whose API key can read the job.
        </p>
      ) : (
        <p class="note">
          Example:{' '}
          {example ? (
            <a href={`${origin}/jobs/${example}`}>
              <code>{`${origin}/jobs/${example}`}</code>
            </a>
          ) : (
            <code>{`${origin}/jobs/{id}`}</code>
          )}
        </p>
      )}
    </Section>
  );
}

export function IndexPage(props: {
  jobs: Job[] | null;
  origin: string;
  versions?: Record<string, string> | undefined;
  /** Signed sharing: no job is listed, and the page says how jobs open. */
  signed?: boolean | undefined;
}) {
  const { jobs, origin, versions, signed = false } = props;
  const showBadges = jobs != null && versions != null && jobs.some((j) => versions[j.id] != null);
  return (
    <Layout
      title={`${SERVICE_NAME} · agent optimisation reports`}
      description="Shareable reports, score cards and badges for Overmind agent-optimisation jobs."
      canonical={`${origin}/`}
    >
      <div class="hero">
        <h1>Agent optimisation reports</h1>
        <p>
          Every Overmind job has a {signed ? 'shareable' : 'public'} report page, a score card for link
          previews and a badge for READMEs.
          {jobs
            ? ' These demo jobs show what they look like.'
            : signed
              ? ' Jobs here open only under a share link.'
              : ' Open a job by its id using the URL forms below.'}
        </p>
      </div>
      {jobs ? (
        <Section id="jobs" title="Demo jobs">
          {jobs.length === 0 ? (
            <p class="empty">No demo jobs.</p>
          ) : (
            <DataTable
              label="Demo jobs"
              class="jobs-list"
              columns={[
                'Job',
                'Type',
                'Status',
                numCol('Best'),
                numCol('Δ pts'),
                numCol('Iterations'),
                showBadges && 'Badge',
              ]}
            >
              {jobs.map((job) => (
                <JobRow job={job} badgeColumn={showBadges} version={versions?.[job.id]} />
              ))}
            </DataTable>
          )}
        </Section>
      ) : null}
      <UrlForms origin={origin} signed={signed} example={jobs?.[0]?.id ?? null} />
    </Layout>
  );
}

/** The index: demo jobs in demo mode (`jobs` non-null), else the URL forms. */
export function renderIndexPage(
  jobs: Job[] | null,
  ctx: { origin: string; versions?: Record<string, string>; signed?: boolean },
): string {
  return renderDocument(
    <IndexPage jobs={jobs} origin={ctx.origin} versions={ctx.versions} signed={ctx.signed} />,
  );
}
