import type { Iteration, Job } from '../../../schema';
import { formatScore } from '../../common/format';
import { keptCodeChanges, type CodeChange } from '../../../diff';
import { Section } from './common';
import { plural } from '../../common/format';

// "What changed": the best agent code, then one collapsible unified diff per kept iteration.

/** The best code is shown in full up to this size; a 1 MB source would swamp the page. */
const MAX_CODE_CHARS = 200_000;

function lineCount(s: string): number {
  let n = 1;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return s.endsWith('\n') ? n - 1 : n;
}

function ChangeEntry({ change }: { change: CodeChange }) {
  const it = change.iteration;
  const against = change.against;
  return (
    <details class="fold">
      <summary>
        <strong dir="auto">{it.iteration_name}</strong>
        <span class="subtle">
          {it.order != null ? `#${it.order} · ` : ''}score {formatScore(it.avg_score)}
          {against ? (
            <>
              {' · against '}
              <bdi>{against.iteration_name}</bdi>
            </>
          ) : null}
        </span>
        {change.kind === 'diff' ? (
          <span class="counts">
            <span class="a">+{change.added}</span> <span class="d">−{change.removed}</span>
          </span>
        ) : null}
      </summary>
      <div class="body">
        {change.kind === 'initial' ? (
          <p class="note">
            The first version of the agent code in this run; there is nothing earlier to compare with.
          </p>
        ) : change.kind === 'same' ? (
          <p class="note">The agent code is identical to the compared version.</p>
        ) : change.kind === 'too-large' ? (
          <p class="note">The change is too large to show as a diff here.</p>
        ) : (
          <>
            <pre class="diff" tabindex={0} role="group" aria-label={`Diff of ${it.iteration_name}`}>
              <code>
                {change.lines.map((l) =>
                  l.kind === 'ctx' ? <span>{l.text}</span> : <span class={`d-${l.kind}`}>{l.text}</span>,
                )}
              </code>
            </pre>
            {change.hiddenLines > 0 ? (
              <p class="note">{plural(change.hiddenLines, 'more line')} of this diff are not shown.</p>
            ) : null}
          </>
        )}
      </div>
    </details>
  );
}

export function ChangesSection({ job, iterations }: { job: Job; iterations: Iteration[] }) {
  const { changes, omitted, total } = keptCodeChanges(iterations);
  const code = job.best_agent_code;
  if (!code && total === 0) return null;
  const cut = code != null && code.length > MAX_CODE_CHARS;
  return (
    <Section id="changes" title="What changed">
      {code ? (
        <details class="fold" open>
          <summary>
            <strong>Best agent code</strong>
            <span class="subtle">{plural(lineCount(code), 'line')}</span>
          </summary>
          <div class="body">
            <pre class="code" tabindex={0} role="group" aria-label="Best agent code">
              <code>{cut ? code.slice(0, MAX_CODE_CHARS) : code}</code>
            </pre>
          </div>
          {cut ? <p class="note">Cut at {MAX_CODE_CHARS.toLocaleString('en-US')} characters.</p> : null}
        </details>
      ) : null}
      {total > 0 ? (
        <>
          <h3>Kept changes</h3>
          <p class="lead">
            Each kept iteration's agent code against the previous kept one.
            {omitted > 0 ? ` Showing the latest ${changes.length} of ${total.toLocaleString('en-US')}.` : ''}
          </p>
          {changes.map((c) => (
            <ChangeEntry change={c} />
          ))}
        </>
      ) : null}
    </Section>
  );
}
