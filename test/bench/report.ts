// One row per figure, printed as a Markdown table and written as JSON.

export interface Row {
  /** render · served · stampede · size · memory */
  section: string;
  figure: string;
  /** Formatted value, as printed. */
  value: string;
  /** Formatted baseline measured in the same run, or '—'. */
  baseline: string;
  /** Formatted ratio value/baseline, or '—'. */
  ratio: string;
  goal: string;
  /** true/false against the goal; null when the figure has no goal or was not measured. */
  met: boolean | null;
  /** Why a figure is missing, or how to read it. */
  note?: string;
  /** The raw numbers behind the formatted cells. */
  data: Record<string, unknown>;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(rows: readonly Row[]): string {
  const head = '| figure | value | baseline (same run) | ratio | goal | met? |\n|---|---|---|---|---|---|';
  const body = rows.map((r) => {
    const met = r.met === null ? (r.goal === '—' ? '—' : 'not measured') : r.met ? '✅ met' : '❌ **MISSED**';
    const figure = r.note ? `${r.figure} (${r.note})` : r.figure;
    return `| ${[figure, r.value, r.baseline, r.ratio, r.goal, met].map(cell).join(' | ')} |`;
  });
  return [head, ...body].join('\n');
}

/** A row for a phase that could not run, so the table still says so. */
export function failedRow(section: string, figure: string, goal: string, reason: string): Row {
  return {
    section,
    figure,
    value: 'not measured',
    baseline: '—',
    ratio: '—',
    goal,
    met: null,
    note: reason,
    data: { error: reason },
  };
}
