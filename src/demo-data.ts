// The built-in demo data set, served when UPSTREAM_URL is empty. Each job is shaped exactly as the
// upstream sends it (../shared/upstream/get-job.md and facts.md), nulls and undocumented extra fields
// included, and is typed `unknown` so that it takes the same zod validation as a real upstream body.
// Everything is computed from fixed inputs: the module must give the same bytes on every isolate, or
// ETags and cached images would differ between instances.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type RawJob = { id: string } & { [key: string]: Json };
type Dims = Record<string, number>;

const round1 = (n: number): number => Math.round(n * 10) / 10;
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** An ISO date-time `seconds` after `start`, in the upstream's millisecond `Z` form. */
function isoAt(start: string, seconds: number): string {
  return new Date(Date.parse(start) + Math.round(seconds * 1000)).toISOString();
}

/**
 * A v4-shaped UUID derived from a seed (FNV-1a, then mulberry32): iteration ids look random
 * like the upstream's, yet never change between builds.
 */
function seededUuid(seed: string): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let hex = '';
  while (hex.length < 32) {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), 1 | h);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    hex += ((t ^ (t >>> 14)) >>> 0).toString(16).padStart(8, '0');
  }
  const variant = '89ab'.charAt(parseInt(hex.charAt(16), 16) & 3);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Named score contributions; avg_score is their sum, as the upstream's scorer computes it. */
function dims(names: readonly string[], values: readonly number[]): { dims: Dims; total: number } {
  const out: Dims = {};
  names.forEach((name, i) => (out[name] = values[i] ?? 0));
  return { dims: out, total: round1(sum(values)) };
}

// Deep-frozen because the same objects back every request in an isolate; a consumer that
// mutated one would change what the next request sees.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Fixed ids: jobs, projects, agents and Celery tasks (iteration ids are seeded from these).

const ID = {
  tuningDone: '8ce33afb-9615-424d-b217-d5d56cda17ef',
  tuningRunning: '7635458b-2945-40ea-8bb6-c8ca90a71ed4',
  backtest: '22e5e8e3-88e3-489f-a841-d5f8be7c0393',
  tuningFailed: '18957d62-d711-401b-88d0-a3a8e27730ca',
  tuningPending: 'b147fbd2-4c06-4d91-84f2-5253c467ced7',
  judge: '8c914458-974b-4d6f-b30a-468e0ebf46be',
  upload: 'd4b1384e-9152-43a1-9695-0ee7e5de825f',
  inference: '27aefeb5-b1ba-495f-acfe-44c5b235af58',
} as const;

const PROJECT = {
  support: '0ef8cd02-a741-44fb-951a-af89fc652dab',
  finance: '87d8b207-403e-40b3-b960-fe3571f7eb45',
  legal: '1340ca2a-39b3-48a1-b2e5-fb4840fa9f88',
} as const;

const AGENT = {
  triage: 'fe80f58c-6a66-4c41-be0d-09d7254aece6',
  sql: 'fcaccc23-a054-433d-bf24-b60d7a38b77f',
  invoice: 'e3e63cf9-afa4-4d2a-98d6-c4d3d6e7f4a4',
  refundQa: '293a8889-7b4e-4916-86ce-9091df9227fa',
} as const;

// ---------------------------------------------------------------------------------------------
// Iterations, shared by the three tuning jobs.

interface Plan {
  status: 'keep' | 'discard';
  values: readonly number[];
  /** One line for the report's iteration log. */
  summary: string;
  /** What the analyzer changed and why, as the upstream stores it (≤ 500 chars). */
  description: string;
  /** Minutes after the job was created. */
  atMinutes: number;
}

interface IterationOptions {
  jobId: string;
  jobCreatedAt: string;
  dimNames: readonly string[];
  code: (index: number) => string;
  /** Newer upstreams add `updated_at` and `candidates` to each iteration; the service must strip them. */
  extras?: { candidates: number };
  /** Iterations whose `order` and `dimension_scores` the upstream left null. */
  unordered?: ReadonlySet<number>;
  /** Seconds after the job was created at which iteration i was recorded; default: its plan's minutes. */
  atSeconds?: (index: number) => number;
}

function buildIterations(plans: readonly Plan[], o: IterationOptions): { [key: string]: Json }[] {
  return plans.map((p, i) => {
    const { dims: d, total } = dims(o.dimNames, p.values);
    const name = `iter_${String(i + 1).padStart(3, '0')}`;
    const createdAt = isoAt(o.jobCreatedAt, o.atSeconds?.(i) ?? p.atMinutes * 60 + ((i * 7919) % 53));
    const unordered = o.unordered?.has(i) ?? false;
    const it: { [key: string]: Json } = {
      id: seededUuid(`${o.jobId}/${name}`),
      created_at: createdAt,
      iteration_name: name,
      job: o.jobId,
      agent_code: o.code(i),
      avg_score: total,
      description: p.description,
      dimension_scores: unordered ? null : d,
      order: unordered ? null : i + 1,
      status: p.status,
    };
    if (o.extras) {
      it.updated_at = isoAt(createdAt, 2.5 + (i % 4));
      // The selected candidate is the iteration's score; the others trail it by a few points.
      const trail = [0, 1.4, 2.7, 4.1, 5.6];
      it.candidates = Array.from({ length: o.extras.candidates }, (_, c) => {
        const rank = (c + i) % o.extras!.candidates;
        return { candidate: c + 1, avg_score: round1(total - (trail[rank] ?? 6)), selected: rank === 0 };
      });
    }
    return it;
  });
}

/** Index of the best kept iteration (the one best_agent_code comes from). */
function bestKept(plans: readonly Plan[]): number {
  let best = -1;
  plans.forEach((p, i) => {
    if (p.status === 'keep' && (best < 0 || sum(p.values) > sum(plans[best]!.values))) best = i;
  });
  return best;
}

/**
 * Kept iterations build on the previous kept one; a discarded one is that base plus its own
 * change. `specs[i]` is the change iteration i tried on top of the base it started from.
 */
function evolve<S>(base: S, plans: readonly Plan[], changes: readonly Partial<S>[]): S[] {
  let current = base;
  return plans.map((p, i) => {
    const spec = { ...current, ...changes[i] };
    if (p.status === 'keep') current = spec;
    return spec;
  });
}

// ---------------------------------------------------------------------------------------------
// Agent 1: support triage (the completed 12-iteration run and the backtesting job).

interface TriageSpec {
  prompt: 'plain' | 'rules' | 'rules+cite';
  reasoning: boolean;
  confidence: boolean;
  temperature: number;
  retry: boolean;
  retryDelay: boolean;
  orderRule: boolean;
  kbQuery: 'subject' | 'subject+body';
  fewShot: 'none' | 'long' | 'short';
  validate: boolean;
  escalation: boolean;
}

const TRIAGE_BASE: TriageSpec = {
  prompt: 'plain',
  reasoning: false,
  confidence: false,
  temperature: 0.2,
  retry: false,
  retryDelay: true,
  orderRule: false,
  kbQuery: 'subject',
  fewShot: 'none',
  validate: false,
  escalation: false,
};

function triagePrompt(s: TriageSpec): string[] {
  if (s.prompt === 'plain') {
    return [
      'SYSTEM_PROMPT = """You are a helpful support assistant.',
      'Classify the ticket and write a short reply. Answer in JSON."""',
    ];
  }
  const lines = [
    `SYSTEM_PROMPT = """You are the first-line triage assistant for an online shop's support team.`,
    'Pick exactly one category: billing (charges, refunds, invoices), bug (the app or site is broken),',
    'account (login, email, deletion), shipping (delivery, tracking, returns), feature_request, other.',
    'Pick one priority: urgent if the customer cannot use the service or money is at risk, high if',
    'they are blocked, normal otherwise, low for questions and suggestions.',
    'Return only a JSON object: {"category": str, "priority": str, "reply": str}.',
    'The reply is two to four friendly sentences and never promises a refund.',
  ];
  if (s.prompt === 'rules+cite') {
    lines.push("Name a fitting article from Context in the reply, and write it in the ticket's language.");
  }
  if (s.reasoning) lines.push('Think step by step and explain your reasoning before giving the JSON.');
  if (s.confidence) lines.push('Also include "confidence": a number from 0 to 1 for the category.');
  lines[lines.length - 1] += '"""';
  return lines;
}

function triageFewShot(kind: TriageSpec['fewShot']): string[] {
  if (kind === 'none') return [];
  const open = 'FEW_SHOT = [';
  if (kind === 'short') {
    return [
      '',
      open,
      '    {"role": "user", "content": "Charged twice for order #4471203 this morning, please fix."},',
      `    {"role": "assistant", "content": '{"category": "billing", "priority": "high", "reply": "Sorry about the double charge. I have flagged order 4471203 for our billing team; you will hear back within one business day."}'},`,
      '    {"role": "user", "content": "Would love a dark mode in the app!"},',
      `    {"role": "assistant", "content": '{"category": "feature_request", "priority": "low", "reply": "Thanks for the idea! I have passed it on to our product team."}'},`,
      ']',
    ];
  }
  return [
    '',
    open,
    String.raw`    {"role": "user", "content": "Refund still missing\n\nI returned the blender on the 3rd and tracking says it was delivered back to you, but I have not been refunded. Order #4471203.\n\nContext: {\"articles\": [\"Refund timelines\", \"Returning an item\"], \"order\": {\"status\": \"returned\"}}"},`,
    `    {"role": "assistant", "content": '{"category": "billing", "priority": "high", "reply": "Thanks for your patience. Refunds are issued within five business days of the return arriving; yours arrived on the 5th, so I have asked billing to check order 4471203 today. See Refund timelines for details."}'},`,
    String.raw`    {"role": "user", "content": "Invoice wrong\n\nThe VAT number on invoice INV-20931 is our old one. Can you reissue it?\n\nContext: {\"articles\": [\"Changing invoice details\"], \"order\": {}}"},`,
    `    {"role": "assistant", "content": '{"category": "billing", "priority": "normal", "reply": "Happy to help. You can update your VAT number under Account > Billing, and I have asked our billing team to reissue INV-20931 with the new number."}'},`,
    String.raw`    {"role": "user", "content": "Charged after cancelling\n\nI cancelled my subscription last month but was charged again yesterday.\n\nContext: {\"articles\": [\"Cancelling a subscription\"], \"order\": {}}"},`,
    `    {"role": "assistant", "content": '{"category": "billing", "priority": "high", "reply": "I am sorry you were charged after cancelling. I have passed this to billing for a full review, and you will hear from us within one business day."}'},`,
    ']',
  ];
}

function triageAgent(s: TriageSpec): string {
  const L: string[] = [];
  L.push(
    '"""Support triage agent: classify an inbound ticket and draft a first reply."""',
    '',
    'import json',
  );
  if (s.orderRule) L.push('import re');
  if (s.retry && s.retryDelay) L.push('import time');
  L.push('', 'from openai import OpenAI', '', 'from support_tools import kb, orders_api', '');
  L.push('client = OpenAI()', 'MODEL = "gpt-4o-mini"', `TEMPERATURE = ${s.temperature.toFixed(1)}`, '');
  L.push(
    'CATEGORIES = ["billing", "bug", "account", "shipping", "feature_request", "other"]',
    'PRIORITIES = ["low", "normal", "high", "urgent"]',
  );
  if (s.orderRule) L.push(String.raw`ORDER_ID = re.compile(r"(?:order\s*#?|#)\s*(\d{7})\b", re.IGNORECASE)`);
  if (s.escalation) L.push('URGENT_TERMS = ("outage", "chargeback", "lawyer", "data breach", "hacked")');
  L.push('', ...triagePrompt(s), ...triageFewShot(s.fewShot), '', '');

  const query = s.kbQuery === 'subject' ? 'ticket["subject"]' : 'ticket["subject"] + " " + ticket["body"]';
  L.push(
    'def gather_context(ticket: dict) -> dict:',
    `    articles = [a.title for a in kb.search(${query}, limit=3)]`,
  );
  if (s.orderRule) {
    L.push(
      "    # A lookup with an empty id returned some other customer's latest order.",
      '    match = ORDER_ID.search(ticket["subject"] + " " + ticket["body"])',
      '    order = orders_api.get(match.group(1)) if match else None',
    );
  } else {
    L.push('    order = orders_api.get(ticket.get("order_id", "")) or {}');
  }
  L.push('    return {"articles": articles, "order": order}', '', '');

  L.push(
    'def call_model(messages: list[dict]) -> str:',
    '    resp = client.chat.completions.create(model=MODEL, temperature=TEMPERATURE, messages=messages)',
    '    return resp.choices[0].message.content',
    '',
    '',
  );

  if (s.retry) {
    L.push(
      'def parse_reply(messages: list[dict], attempts: int = 3) -> dict:',
      '    for attempt in range(attempts):',
      '        raw = call_model(messages)',
      '        try:',
      '            return json.loads(raw)',
      '        except json.JSONDecodeError as err:',
      '            fix = f"That was not valid JSON ({err.msg}). Send only the JSON object."',
      '            messages = messages + [{"role": "assistant", "content": raw}, {"role": "user", "content": fix}]',
    );
    if (s.retryDelay) L.push('            time.sleep(0.5 * (attempt + 1))');
    L.push('    raise ValueError("model returned no valid JSON after retries")', '', '');
  }

  if (s.validate) {
    L.push(
      'def validate(result: dict) -> dict:',
      '    category = str(result.get("category", "")).strip().lower()',
      '    priority = str(result.get("priority", "")).strip().lower()',
      '    result["category"] = category if category in CATEGORIES else "other"',
      '    result["priority"] = priority if priority in PRIORITIES else "normal"',
      '    return result',
      '',
      '',
    );
  }

  const shots = s.fewShot === 'none' ? '' : '*FEW_SHOT, ';
  L.push(
    'def triage(ticket: dict) -> dict:',
    '    context = gather_context(ticket)',
    String.raw`    user = f"{ticket['subject']}\n\n{ticket['body']}\n\nContext: {json.dumps(context)}"`,
    `    messages = [{"role": "system", "content": SYSTEM_PROMPT}, ${shots}{"role": "user", "content": user}]`,
  );
  const parsed = s.retry ? 'parse_reply(messages)' : 'json.loads(call_model(messages))';
  const extra = s.escalation || s.confidence;
  if (!extra) {
    L.push(`    return ${s.validate ? `validate(${parsed})` : parsed}`);
  } else {
    L.push(`    result = ${s.validate ? `validate(${parsed})` : parsed}`);
    if (s.escalation) {
      L.push(
        `    text = f"{ticket['subject']} {ticket['body']}".lower()`,
        '    if any(term in text for term in URGENT_TERMS):',
        '        result["priority"] = "urgent"',
      );
    }
    if (s.confidence) {
      L.push('    if float(result.pop("confidence", 1.0)) < 0.5:', '        result["category"] = "other"');
    }
    L.push('    return result');
  }
  return L.join('\n') + '\n';
}

const TRIAGE_DIMS = [
  'avg_structure',
  'avg_answer',
  'avg_tool_usage',
  'avg_llm_judge',
  'avg_type_correctness_penalty',
  'avg_consistency_penalty',
] as const;

const TRIAGE_BASELINE = dims(TRIAGE_DIMS, [14.0, 22.5, 7.0, 18.4, -2.5, -1.0]).total;

const TRIAGE_PLANS: readonly Plan[] = [
  {
    status: 'keep',
    values: [16.5, 24.0, 7.0, 18.6, -2.0, -1.0],
    atMinutes: 11.2,
    summary: 'Category and priority definitions in the system prompt',
    description:
      'Rewrote the system prompt with a definition for every category and priority and the exact JSON shape of the answer. Most lost points came from tickets filed as "other" and from replies that mixed prose with the JSON.',
  },
  {
    status: 'discard',
    values: [13.0, 25.5, 7.0, 21.0, -3.2, -1.6],
    atMinutes: 18.9,
    summary: 'Step-by-step reasoning, temperature 0.7',
    description:
      'Asked the model to reason step by step before answering and raised the temperature to 0.7. The judge liked the replies better, but a third of the outputs put prose before the JSON and failed to parse.',
  },
  {
    status: 'keep',
    values: [18.5, 25.0, 7.0, 19.0, -0.8, -0.8],
    atMinutes: 26.4,
    summary: 'Retry with the parse error on invalid JSON',
    description:
      'Wrapped the model call in up to three attempts: when the answer is not valid JSON, the parse error goes back to the model with a request for the bare object. Structure failures fell from 9% of tickets to under 1%.',
  },
  {
    status: 'keep',
    values: [18.5, 25.5, 10.5, 19.2, -0.8, -0.7],
    atMinutes: 33.0,
    summary: 'Order lookup only when the ticket names an order',
    description:
      'Look an order up only when the ticket mentions an order number. Before, every ticket triggered a lookup with an empty id, which returned an unrelated order that then misled the reply.',
  },
  {
    status: 'discard',
    values: [18.0, 24.0, 10.5, 20.1, -0.9, -2.4],
    atMinutes: 41.7,
    summary: 'Three long few-shot examples',
    description:
      'Added three long worked examples, all billing tickets, to the prompt. Billing accuracy rose, but the model began filing shipping and account tickets as billing, and the same ticket got different categories across runs.',
  },
  {
    status: 'keep',
    values: [19.5, 26.0, 10.5, 19.4, -0.1, -0.7],
    atMinutes: 48.5,
    summary: 'Validate category and priority against the allowed values',
    description:
      'Validate the parsed answer: category and priority are lower-cased and checked against the allowed values, falling back to "other" and "normal" instead of passing invented labels such as "refund" downstream.',
  },
  {
    status: 'discard',
    values: [19.5, 25.5, 8.0, 20.0, -0.1, -0.8],
    atMinutes: 56.1,
    summary: 'Help-centre search on subject and body',
    description:
      'Searched the help centre with the subject and the full body instead of the subject alone. Long bodies pulled in generic articles, so replies cited the wrong pages and the tool-usage score fell.',
  },
  {
    status: 'keep',
    values: [19.5, 28.0, 10.5, 20.3, -0.1, -0.6],
    atMinutes: 63.8,
    summary: 'Two short contrasting few-shot examples',
    description:
      'Added two short, contrasting examples (a double charge and a feature request) instead of long ones. They fixed the priority of billing tickets without the category drift seen in iter_005.',
  },
  {
    status: 'keep',
    values: [19.5, 29.5, 10.5, 20.6, -0.1, -0.6],
    atMinutes: 70.2,
    summary: 'Escalate outages, chargebacks and legal threats to urgent',
    description:
      'Added a rule that sets the priority to urgent when a ticket mentions an outage, a chargeback, a lawyer, a data breach or a hacked account; the model had under-rated 6 of the 14 such tickets in the dataset.',
  },
  {
    status: 'discard',
    values: [19.0, 27.0, 10.5, 20.9, -0.4, -0.7],
    atMinutes: 78.9,
    summary: 'Route low-confidence answers to "other"',
    description:
      'Asked the model for a confidence value and routed answers below 0.5 to "other" for a human to triage. Many correct answers came back with low confidence, so answer accuracy dropped.',
  },
  {
    status: 'keep',
    values: [19.5, 29.5, 11.5, 22.6, -0.1, -0.5],
    atMinutes: 86.3,
    summary: "Cite a help-centre article; reply in the ticket's language",
    description:
      "Told the model to name a matching help-centre article in the reply and to answer in the ticket's language. Judge scores for helpfulness rose, most of all on German and Spanish tickets.",
  },
  {
    status: 'discard',
    values: [19.5, 29.0, 11.5, 21.4, -0.1, -0.2],
    atMinutes: 93.6,
    summary: 'Temperature 0, no delay between retries',
    description:
      'Set the temperature to 0 and removed the delay between retries. Runs became more consistent, but the replies turned terse and the judge marked them down on tone.',
  },
];

const TRIAGE_SPECS = evolve(TRIAGE_BASE, TRIAGE_PLANS, [
  { prompt: 'rules' },
  { reasoning: true, temperature: 0.7 },
  { retry: true },
  { orderRule: true },
  { fewShot: 'long' },
  { validate: true },
  { kbQuery: 'subject+body' },
  { fewShot: 'short' },
  { escalation: true },
  { confidence: true },
  { prompt: 'rules+cite' },
  { temperature: 0, retryDelay: false },
]);

// ---------------------------------------------------------------------------------------------
// Job 1: the completed prompt-tuning run, the showcase.

function tuningReport(r: {
  slug: string;
  agentPath: string;
  analyzer: string;
  candidates: number;
  baseline: number;
  best: number;
  plans: readonly Plan[];
  backtests: readonly [model: string, score: number][];
}): string {
  const f = (n: number) => n.toFixed(1);
  const signed = (n: number) => (round1(n) === 0 ? '±0.0' : `${n > 0 ? '+' : '−'}${f(Math.abs(n))}`);
  const improvement = r.best - r.baseline;
  const pct = (improvement / r.baseline) * 100;
  const log = r.plans.map((p, i) => {
    const name = `iter_${String(i + 1).padStart(3, '0')}`;
    return `| ${name} | ${f(round1(sum(p.values)))} | ${p.status} | ${p.summary} |`;
  });
  const current = r.backtests[0]?.[1] ?? r.best;
  const backtests = r.backtests.map(
    ([model, score], i) =>
      `| ${model}${i === 0 ? ' (current)' : ''} | ${f(score)} | ${signed(score - current)} |`,
  );
  return [
    `# ${r.slug} Optimization Report`,
    '',
    `**Agent:** \`${r.agentPath}\``,
    `**Iterations:** ${r.plans.length}`,
    `**Candidates per iteration:** ${r.candidates}`,
    `**Analyzer model:** ${r.analyzer}`,
    '',
    '## Results',
    '',
    '| Baseline | Best | Improvement |',
    '|---:|---:|---:|',
    `| ${f(r.baseline)} | ${f(r.best)} | ${signed(improvement)} (${signed(pct)}%) |`,
    '',
    '## Iteration Log',
    '',
    '| Iteration | Score | Status | Change |',
    '|---|---:|---|---|',
    `| baseline | ${f(r.baseline)} | — | Original agent |`,
    ...log,
    '',
    '## Model Backtesting',
    '',
    'The best agent was re-run on the holdout split with each model below.',
    '',
    '| Model | Score | vs. current |',
    '|---|---:|---:|',
    ...backtests,
    '',
  ].join('\n');
}

const TRIAGE_BEST_INDEX = bestKept(TRIAGE_PLANS);
const TRIAGE_BEST = round1(sum(TRIAGE_PLANS[TRIAGE_BEST_INDEX]!.values));
const TRIAGE_HOLDOUT = { score: 77.9, baseline: 57.6, weight: 0.4 };

const tuningDone = (): RawJob => {
  const createdAt = '2026-11-03T09:14:22.481Z';
  const improvement = round1(TRIAGE_BEST - TRIAGE_BASELINE);
  const holdoutImprovement = round1(TRIAGE_HOLDOUT.score - TRIAGE_HOLDOUT.baseline);
  return {
    id: ID.tuningDone,
    created_at: createdAt,
    iterations: buildIterations(TRIAGE_PLANS, {
      jobId: ID.tuningDone,
      jobCreatedAt: createdAt,
      dimNames: TRIAGE_DIMS,
      code: (i) => triageAgent(TRIAGE_SPECS[i]!),
      extras: { candidates: 4 },
    }),
    updated_at: isoAt(createdAt, 101.5 * 60),
    agent: AGENT.triage,
    agent_display_name: 'Support Triage Agent',
    analyzer_model: 'claude-sonnet-4-5',
    backtest_results: {
      holdout: {
        train_improvement: improvement,
        holdout_improvement: holdoutImprovement,
        blended_improvement: round1(
          (1 - TRIAGE_HOLDOUT.weight) * improvement + TRIAGE_HOLDOUT.weight * holdoutImprovement,
        ),
        holdout_score: TRIAGE_HOLDOUT.score,
        baseline_holdout_score: TRIAGE_HOLDOUT.baseline,
        overfit_gap: round1(improvement - holdoutImprovement),
        holdout_weight: TRIAGE_HOLDOUT.weight,
        reverted: false,
        rollback_iteration: null,
      },
    },
    baseline_score: TRIAGE_BASELINE,
    best_agent_code: triageAgent(TRIAGE_SPECS[TRIAGE_BEST_INDEX]!),
    best_score: TRIAGE_BEST,
    candidates_per_iteration: 4,
    celery_task_id: '37b53123-6d4e-43e8-805d-52b921b138f3',
    data_source: 'dataset',
    improvement,
    job_type: 'prompt_tuning',
    num_iterations: TRIAGE_PLANS.length,
    project: PROJECT.support,
    prompt_slug: 'support-triage-agent',
    report_markdown: tuningReport({
      slug: 'support-triage-agent',
      agentPath: 'agents/support_triage/agent.py',
      analyzer: 'claude-sonnet-4-5',
      candidates: 4,
      baseline: TRIAGE_BASELINE,
      best: TRIAGE_BEST,
      plans: TRIAGE_PLANS,
      backtests: [
        ['gpt-4o-mini', TRIAGE_HOLDOUT.score],
        ['gpt-5-mini', 80.6],
        ['claude-haiku-4-5', 76.2],
      ],
    }),
    result: null,
    status: 'completed',
    triggered_by: 42,
  };
};

// ---------------------------------------------------------------------------------------------
// Job 2: the same agent backtested across models; the per-model shape of backtest_results.

// Deviations of single rows from a model's mean; they sum to zero so the mean is exact.
const ROW_OFFSETS = [4.5, -3.0, 1.5, -6.0, 2.0, 0.5, -1.5, 3.5, -2.5, 1.0, -0.5, 0.5];

function modelResult(values: readonly number[], shift: number, confidence: number): { [key: string]: Json } {
  const { dims: d, total } = dims(TRIAGE_DIMS, values);
  const individual = ROW_OFFSETS.map((_, i) =>
    round1(total + ROW_OFFSETS[(i + shift) % ROW_OFFSETS.length]!),
  );
  return {
    avg_total: total,
    ...d,
    count: individual.length,
    individual_scores: individual,
    _avg_confidence: confidence,
    _source_summary: { dataset: individual.length, traces: 0 },
  };
}

const BACKTEST_MODELS: [string, { [key: string]: Json }][] = [
  ['gpt-4o-mini', modelResult([19.5, 29.0, 11.0, 22.9, -0.2, -0.3], 0, 0.86)],
  ['gpt-5-mini', modelResult([19.8, 30.5, 12.0, 24.1, -0.1, -0.4], 3, 0.89)],
  ['claude-sonnet-4-5', modelResult([20.0, 31.0, 12.5, 24.6, 0.0, -0.3], 5, 0.91)],
  ['claude-haiku-4-5', modelResult([19.0, 28.5, 11.5, 22.0, -0.4, -0.5], 8, 0.84)],
  [
    'gemini-2.5-flash',
    {
      avg_total: 0,
      error: 'google: 429 RESOURCE_EXHAUSTED: quota exceeded for generate_content requests per minute',
    },
  ],
];

const backtest = (): RawJob => {
  const createdAt = '2026-11-05T14:02:51.207Z';
  const scores = BACKTEST_MODELS.map(([m, r]) => [m, r.avg_total as number] as const);
  const baseline = scores[0]![1];
  const [bestModel, best] = scores.reduce((a, b) => (b[1] > a[1] ? b : a));
  const rows = BACKTEST_MODELS.map(([model, r]) =>
    'error' in r
      ? `| ${model} | — | failed |`
      : `| ${model} | ${(r.avg_total as number).toFixed(1)} | ${r.count} |`,
  );
  const errors = BACKTEST_MODELS.flatMap(([model, r]) =>
    'error' in r ? [`- ${model}: ${String(r.error)}`] : [],
  );
  return {
    id: ID.backtest,
    created_at: createdAt,
    iterations: [],
    updated_at: isoAt(createdAt, 26 * 60 + 13.6),
    agent: AGENT.triage,
    agent_display_name: 'Support Triage Agent',
    analyzer_model: null,
    backtest_results: Object.fromEntries(BACKTEST_MODELS),
    baseline_score: baseline,
    best_agent_code: null,
    best_score: best,
    candidates_per_iteration: null,
    celery_task_id: 'fa39efc3-a1d9-4e86-b506-e8d34c6a465f',
    data_source: 'dataset',
    improvement: round1(best - baseline),
    job_type: 'model_backtesting',
    num_iterations: null,
    project: PROJECT.support,
    prompt_slug: 'support-triage-agent',
    report_markdown: [
      '# support-triage-agent Model Backtesting Report',
      '',
      '**Agent:** `agents/support_triage/agent.py`',
      `**Models:** ${BACKTEST_MODELS.length}`,
      `**Best model:** ${bestModel}`,
      '',
      '| Model | Score | Rows |',
      '|---|---:|---:|',
      ...rows,
      '',
      '## Errors',
      '',
      ...errors,
      '',
    ].join('\n'),
    result: null,
    status: 'completed',
    triggered_by: 42,
  };
};

// ---------------------------------------------------------------------------------------------
// Agent 2: SQL analyst, tuned part-way (running).

interface SqlSpec {
  pruneSchema: boolean;
  forceLimit: boolean;
  retry: boolean;
  reasoning: boolean;
  fiscalCalendar: boolean;
  sampleRows: boolean;
  centsInSummary: boolean;
  twoCandidates: boolean;
  columnNotes: boolean;
}

function sqlAgent(s: SqlSpec): string {
  const L: string[] = [
    '"""SQL analyst agent: answers finance questions by writing and running warehouse SQL."""',
    '',
    'import json',
    '',
    'from anthropic import Anthropic',
    '',
    'from warehouse import QueryError, describe_tables, run_query',
    '',
    'client = Anthropic()',
    'MODEL = "claude-haiku-4-5"',
    'MAX_ROWS = 200',
    '',
    'SQL_PROMPT = """You are a senior data analyst on the finance team.',
    'Write one Snowflake SQL query that answers the question using only the tables given.',
    'Amounts are stored in cents; fiscal years start on February 1.',
  ];
  if (s.fiscalCalendar) {
    L.push(
      'Fiscal quarters run Feb-Apr, May-Jul, Aug-Oct and Nov-Jan: join fiscal_calendar on the date to get them.',
    );
  }
  if (s.forceLimit) L.push('Always end the query with LIMIT 50.');
  L.push(
    s.reasoning
      ? 'Return only JSON: {"reasoning": str, "sql": str}."""'
      : 'Return only JSON: {"sql": str}."""',
  );
  L.push(
    '',
    'SUMMARY_PROMPT = """Answer the question from the query result in one or two sentences.',
    'Quote exact figures with their units, and say so plainly when the result is empty.',
    ...(s.centsInSummary
      ? ['Amounts in the rows are cents: divide by 100 and write dollars with two decimals.']
      : []),
    'Return only JSON: {"answer": str}."""',
    '',
    '',
    'def ask(system: str, content: str) -> dict:',
    '    resp = client.messages.create(',
    '        model=MODEL,',
    '        max_tokens=1500,',
    '        system=system,',
    '        messages=[{"role": "user", "content": content}],',
    '    )',
    '    return json.loads(resp.content[0].text)',
    '',
    '',
  );
  if (s.sampleRows) {
    L.push(
      'def with_samples(name: str, ddl: str) -> str:',
      '    # Three real rows show the model how status codes and dates are actually spelt.',
      '    rows = run_query(f"SELECT * FROM {name} LIMIT 3", max_rows=3)',
      String.raw`    return ddl + "\n-- sample rows: " + json.dumps(rows, default=str)`,
      '',
      '',
    );
  }
  if (s.pruneSchema) {
    L.push(
      'def relevant_tables(question: str, tables: dict[str, str]) -> str:',
      '    # Given all 140 tables the model kept choosing look-alikes (orders_v1 over orders).',
      '    words = set(question.lower().replace("?", " ").split())',
      '    ranked = sorted(tables.items(), key=lambda kv: -len(words & set(kv[0].lower().split("_"))))',
      s.sampleRows
        ? String.raw`    return "\n\n".join(with_samples(name, ddl) for name, ddl in ranked[:8])`
        : String.raw`    return "\n\n".join(ddl for _, ddl in ranked[:8])`,
      '',
      '',
    );
  }
  L.push(
    'def generate_and_run(question: str, schema: str) -> tuple[str, list[dict]]:',
    String.raw`    prompt = f"Tables:\n{schema}\n\nQuestion: {question}"`,
  );
  if (s.twoCandidates) {
    L.push(
      '    # Two drafts at once; the first that runs wins, and its error feeds the retry otherwise.',
      '    drafts = [ask(SQL_PROMPT, prompt)["sql"] for _ in range(2)]',
      '    for sql in drafts:',
      '        try:',
      '            return sql, run_query(sql, max_rows=MAX_ROWS)',
      '        except QueryError as err:',
      String.raw`            prompt += f"\n\nThis query failed:\n{sql}\nError: {err}"`,
    );
  }
  if (s.retry) {
    L.push(
      '    for _ in range(3):',
      '        sql = ask(SQL_PROMPT, prompt)["sql"]',
      '        try:',
      '            return sql, run_query(sql, max_rows=MAX_ROWS)',
      '        except QueryError as err:',
      '            # The warehouse error names the bad column or GROUP BY; the model fixes most on sight.',
      String.raw`            prompt += f"\n\nThis query failed:\n{sql}\nError: {err}\nWrite a corrected query."`,
      '    raise QueryError(f"no runnable query after 3 attempts: {question}")',
    );
  } else {
    L.push('    sql = ask(SQL_PROMPT, prompt)["sql"]', '    return sql, run_query(sql, max_rows=MAX_ROWS)');
  }
  L.push(
    '',
    '',
    'def answer(question: str) -> dict:',
    s.pruneSchema
      ? `    schema = relevant_tables(question, describe_tables(${s.columnNotes ? 'with_comments=True' : ''}))`
      : String.raw`    schema = "\n\n".join(describe_tables().values())`,
    '    sql, rows = generate_and_run(question, schema)',
    '    payload = json.dumps({"question": question, "rows": rows[:50]}, default=str)',
    '    summary = ask(SUMMARY_PROMPT, payload)',
    '    return {"sql": sql, "answer": summary["answer"], "row_count": len(rows)}',
  );
  return L.join('\n') + '\n';
}

const SQL_DIMS = [
  'avg_sql',
  'avg_answer',
  'avg_llm_judge',
  'avg_type_correctness_penalty',
  'avg_consistency_penalty',
] as const;

const SQL_PLANS: readonly Plan[] = [
  {
    status: 'keep',
    values: [22.0, 14.5, 19.0, -1.2, -0.5],
    atMinutes: 14.1,
    summary: 'Only the eight most relevant tables in the prompt',
    description:
      'Pass only the eight tables whose names share words with the question instead of the whole 140-table catalogue. Wrong-table joins (orders_v1, orders_archive) were the most common failure.',
  },
  {
    status: 'discard',
    values: [21.5, 12.0, 18.9, -0.9, -0.5],
    atMinutes: 27.6,
    summary: 'LIMIT 50 on every query',
    description:
      'Told the model to end every query with LIMIT 50 to keep results small. Grouped queries lost rows, so totals quoted in the answers were wrong for 7 of the 30 questions.',
  },
  {
    status: 'keep',
    values: [26.5, 15.5, 18.3, -0.9, -0.5],
    atMinutes: 41.3,
    summary: 'Retry with the warehouse error',
    description:
      'When a query fails, send the warehouse error back and ask for a corrected query, up to three attempts. Most failures were misspelt columns and non-aggregated columns missing from GROUP BY.',
  },
  {
    status: 'discard',
    values: [26.0, 15.0, 18.0, -1.1, -0.6],
    atMinutes: 55.0,
    summary: 'Reasoning field before the SQL',
    description:
      'Asked for a "reasoning" field before the SQL so the model plans its joins. Token use doubled and answers did not improve; two reasoning texts contained unescaped quotes that broke the JSON.',
  },
  {
    status: 'keep',
    values: [28.0, 16.5, 19.2, -0.8, -0.4],
    atMinutes: 68.7,
    summary: 'Fiscal quarters from the calendar table',
    description:
      'Spell out the February fiscal year and point quarter questions at fiscal_calendar. Quarter totals were off by one month in 6 of the 30 questions, all from calendar-quarter date arithmetic.',
  },
  {
    status: 'discard',
    values: [27.0, 16.0, 18.8, -1.4, -0.7],
    atMinutes: 82.4,
    summary: 'Three sample rows per table',
    description:
      'Add three real rows under each table definition so the model sees how status codes and dates are spelt. Prompts grew by 40% and two sample rows held customer names, which the judge marked down.',
  },
  {
    status: 'keep',
    values: [28.5, 18.5, 19.6, -0.6, -0.4],
    atMinutes: 96.0,
    summary: 'Cents turned into dollars in the answer',
    description:
      'Tell the summary step that amounts are cents and to write dollars with two decimals. Answers quoting "48213900" instead of "$482,139.00" were the largest remaining answer-score loss.',
  },
  {
    status: 'discard',
    values: [28.0, 18.0, 19.4, -0.9, -0.6],
    atMinutes: 109.9,
    summary: 'Two drafts, keep the first that runs',
    description:
      'Draft two queries at once and keep the first that runs before falling back to the retry loop. Cost doubled for a gain inside the noise, and the two drafts disagreed on totals 4 times.',
  },
  {
    status: 'keep',
    values: [29.5, 19.0, 20.1, -0.5, -0.3],
    atMinutes: 123.5,
    summary: 'Column comments from the catalogue',
    description:
      'Include the catalogue comments on each column of the selected tables. The model stopped summing gross_amount where net_amount was asked for, the last common wrong-column error.',
  },
];

const SQL_SPECS = evolve<SqlSpec>(
  {
    pruneSchema: false,
    forceLimit: false,
    retry: false,
    reasoning: false,
    fiscalCalendar: false,
    sampleRows: false,
    centsInSummary: false,
    twoCandidates: false,
    columnNotes: false,
  },
  SQL_PLANS,
  [
    { pruneSchema: true },
    { forceLimit: true },
    { retry: true },
    { reasoning: true },
    { fiscalCalendar: true },
    { sampleRows: true },
    { centsInSummary: true },
    { twoCandidates: true },
    { columnNotes: true },
  ],
);

/** Iterations of the running demo job as it appears in the static set (the upstream mid-run). */
const RUNNING_SNAPSHOT_ITERATIONS = 4;

/**
 * The running SQL-analyst job with its first `shown` iterations. Without `clock` it is the fixed
 * snapshot of the static set; with one, its times are laid out from `clock.createdAt` and
 * iteration i was recorded `clock.stepSeconds · i` seconds after `clock.firstAt`.
 */
function sqlRunning(
  shown: number,
  clock?: { createdAt: string; firstAt: string; stepSeconds: number },
): RawJob {
  const createdAt = clock?.createdAt ?? '2026-11-17T08:40:03.912Z';
  const firstOffset = clock ? (Date.parse(clock.firstAt) - Date.parse(clock.createdAt)) / 1000 : 0;
  const iterations = buildIterations(SQL_PLANS.slice(0, shown), {
    jobId: ID.tuningRunning,
    jobCreatedAt: createdAt,
    dimNames: SQL_DIMS,
    code: (i) => sqlAgent(SQL_SPECS[i]!),
    ...(clock ? { atSeconds: (i: number) => firstOffset + i * clock.stepSeconds } : {}),
  });
  const last = String(iterations[iterations.length - 1]!.created_at);
  return {
    id: ID.tuningRunning,
    created_at: createdAt,
    iterations,
    // The upstream touches the job when it records an iteration; the snapshot saw a later write too.
    updated_at: clock ? last : isoAt(last, 9.8),
    agent: AGENT.sql,
    analyzer_model: 'gpt-5',
    backtest_results: null,
    baseline_score: 46.2,
    best_agent_code: null,
    best_score: null,
    candidates_per_iteration: 3,
    celery_task_id: '37c50064-680f-4c4d-bf3c-455518735f2e',
    data_source: 'dataset',
    improvement: null,
    job_type: 'prompt_tuning',
    num_iterations: 10,
    project: PROJECT.finance,
    prompt_slug: 'sql-analyst',
    report_markdown: null,
    result: null,
    status: 'running',
    triggered_by: 17,
  };
}

const tuningRunning = (): RawJob => sqlRunning(RUNNING_SNAPSHOT_ITERATIONS);

// ---------------------------------------------------------------------------------------------
// Agent 3: invoice extractor, a run that failed on its third round.

interface InvoiceSpec {
  normalise: boolean;
  totalsCheck: boolean;
}

function invoiceAgent(s: InvoiceSpec): string {
  const L: string[] = [
    '"""Invoice extractor: turns supplier invoice text (OCR output) into a structured record."""',
    '',
    'import json',
    'from datetime import date',
    'from decimal import Decimal',
    '',
    'from openai import OpenAI',
    'from pydantic import BaseModel',
    '',
    'client = OpenAI()',
    'MODEL = "gpt-4.1-mini"',
    '',
    '',
    'class LineItem(BaseModel):',
    '    description: str',
    '    quantity: Decimal',
    '    unit_price: Decimal',
    '    amount: Decimal',
    '',
    '',
    'class Invoice(BaseModel):',
    '    supplier: str',
    '    invoice_number: str',
    '    issue_date: date',
    '    currency: str',
    '    line_items: list[LineItem]',
    '    total: Decimal',
    '',
    '',
    'SYSTEM_PROMPT = """Extract the invoice fields from the text as JSON matching this schema:',
    '{schema}',
  ];
  if (s.normalise) {
    L.push(
      'Dates are ISO 8601 (YYYY-MM-DD); European invoices write the day before the month.',
      'Currency is the ISO 4217 code (EUR, not €). Amounts are plain numbers without thousands separators.',
    );
  }
  L.push(
    'Use null for a field that is not on the invoice; never guess."""',
    '',
    '',
    'def extract(text: str) -> dict:',
    '    prompt = SYSTEM_PROMPT.format(schema=json.dumps(Invoice.model_json_schema()))',
    '    resp = client.chat.completions.create(',
    '        model=MODEL,',
    '        temperature=0,',
    '        response_format={"type": "json_object"},',
    '        messages=[{"role": "system", "content": prompt}, {"role": "user", "content": text}],',
    '    )',
    '    invoice = Invoice.model_validate_json(resp.choices[0].message.content)',
  );
  if (s.totalsCheck) {
    L.push(
      '    line_sum = sum(item.amount for item in invoice.line_items)',
      '    if invoice.line_items and abs(line_sum - invoice.total) > Decimal("0.05"):',
      '        # OCR often drops a line; flag the record rather than return totals that do not add up.',
      '        return {**invoice.model_dump(mode="json"), "needs_review": True}',
    );
  }
  L.push('    return invoice.model_dump(mode="json")');
  return L.join('\n') + '\n';
}

const INVOICE_PLANS: readonly Plan[] = [
  {
    status: 'keep',
    values: [9.5, 9.8, 17.2, 19.0, 20.0, -1.1, -0.4],
    atMinutes: 12.7,
    summary: 'Normalise dates, currency codes and amounts',
    description:
      'Spelled out the output formats: ISO dates with day-before-month for European invoices, ISO 4217 currency codes, and amounts without thousands separators. Most issue_date errors were 03/04 read as March 4.',
  },
  {
    status: 'discard',
    values: [9.5, 9.8, 17.0, 18.1, 19.8, -1.2, -0.4],
    atMinutes: 25.9,
    summary: 'Flag invoices whose lines do not add up',
    description:
      'Compare the sum of the line items with the total and flag the record for review when they differ by more than 5 cents. Correct but rare, and the extra field cost points on type correctness.',
  },
];

const tuningFailed = (): RawJob => {
  const createdAt = '2026-10-28T16:20:44.330Z';
  return {
    id: ID.tuningFailed,
    created_at: createdAt,
    iterations: buildIterations(INVOICE_PLANS, {
      jobId: ID.tuningFailed,
      jobCreatedAt: createdAt,
      dimNames: [
        'avg_supplier',
        'avg_invoice_number',
        'avg_issue_date',
        'avg_total',
        'avg_line_items',
        'avg_type_correctness_penalty',
        'avg_consistency_penalty',
      ],
      code: (i) =>
        invoiceAgent(
          i === 0 ? { normalise: true, totalsCheck: false } : { normalise: true, totalsCheck: true },
        ),
      // The upstream wrote this round before the scorer had finished, then the run died.
      unordered: new Set([1]),
    }),
    updated_at: isoAt(createdAt, 41 * 60 + 7.2),
    agent: AGENT.invoice,
    analyzer_model: 'claude-sonnet-4-5',
    backtest_results: null,
    baseline_score: 71.3,
    best_agent_code: null,
    best_score: null,
    candidates_per_iteration: 3,
    celery_task_id: '03307063-d5f1-47a9-a7d6-5ad50d8fc43c',
    data_source: 'dataset',
    improvement: null,
    job_type: 'prompt_tuning',
    num_iterations: 8,
    project: PROJECT.finance,
    prompt_slug: 'invoice-extractor',
    report_markdown:
      'Run failed: the LLM judge (claude-sonnet-4-5) returned 529 overloaded_error on 5 consecutive attempts while scoring iter_003; no candidate could be scored.',
    result: null,
    status: 'failed',
    triggered_by: 17,
  };
};

// ---------------------------------------------------------------------------------------------
// Job 5: queued, nothing has happened yet.

const tuningPending = (): RawJob => {
  const createdAt = '2026-11-17T09:02:10.118Z';
  return {
    id: ID.tuningPending,
    created_at: createdAt,
    iterations: [],
    updated_at: createdAt,
    agent: AGENT.refundQa,
    analyzer_model: 'gpt-5',
    backtest_results: null,
    baseline_score: null,
    best_agent_code: null,
    best_score: null,
    candidates_per_iteration: 5,
    celery_task_id: 'd4040c02-68d8-417f-8912-ecef47e7526e',
    data_source: 'dataset',
    improvement: null,
    job_type: 'prompt_tuning',
    num_iterations: 15,
    project: PROJECT.support,
    prompt_slug: 'refund-policy-qa',
    report_markdown: null,
    result: null,
    status: 'pending',
    triggered_by: 42,
  };
};

// ---------------------------------------------------------------------------------------------
// Older-style jobs: parameters and outcome live in free-form `result`, most typed fields are null.

const olderJob = (
  id: string,
  createdAt: string,
  durationSeconds: number,
  fields: { [key: string]: Json },
): RawJob => ({
  id,
  created_at: createdAt,
  iterations: [],
  updated_at: isoAt(createdAt, durationSeconds),
  agent: null,
  analyzer_model: null,
  backtest_results: null,
  baseline_score: null,
  best_agent_code: null,
  best_score: null,
  candidates_per_iteration: null,
  data_source: null,
  improvement: null,
  num_iterations: null,
  report_markdown: null,
  ...fields,
});

const judgeScoring = (): RawJob =>
  olderJob(ID.judge, '2026-10-06T11:31:07.554Z', 1043.8, {
    celery_task_id: 'fddae070-ea47-4ee0-bbe4-d5ea7bf52c50',
    data_source: 'traces',
    job_type: 'judge_scoring',
    // Scored before the account had projects. Named in Japanese, as teams name their prompts:
    // the demo's card shows a script beyond Latin, and an emoji.
    project: null,
    prompt_slug: '📬 オンボーディングメール作成',
    result: {
      judge_model: 'gpt-4.1',
      rubric: 'onboarding-email-v2',
      criteria: ['personalisation', 'clarity', 'call_to_action', 'tone'],
      traces_scored: 312,
      traces_failed: 3,
      avg_score: 71.4,
      dimension_averages: { personalisation: 16.2, clarity: 21.5, call_to_action: 17.9, tone: 15.8 },
      score_histogram: { '0-20': 4, '20-40': 11, '40-60': 47, '60-80': 139, '80-100': 111 },
      duration_seconds: 1043,
    },
    status: 'completed',
    triggered_by: null,
  });

const uploadSetup = (): RawJob =>
  olderJob(ID.upload, '2026-10-21T13:45:30.002Z', 131.4, {
    celery_task_id: '44a412d5-8084-405c-b510-faa8e11fb5c3',
    data_source: 'upload',
    job_type: 'uploaded_outputs_setup',
    project: PROJECT.legal,
    prompt_slug: 'contract-clause-extractor',
    result: {
      filename: 'clause_extractor_outputs_2026-10-20.jsonl',
      format: 'jsonl',
      rows_total: 1250,
      rows_imported: 1238,
      rows_rejected: 12,
      field_mapping: { input: 'contract_text', output: 'model_output', expected: 'reviewed_clauses' },
      rejected_examples: [
        { line: 88, reason: "missing field 'model_output'" },
        { line: 412, reason: 'invalid JSON: unterminated string' },
        { line: 977, reason: 'contract_text longer than 200000 characters' },
      ],
      dataset_id: '46a21bbb-9909-4e1a-b64d-04626f19d595',
    },
    status: 'completed',
    triggered_by: 23,
  });

const inferenceCancelled = (): RawJob => {
  const createdAt = '2026-11-12T19:08:55.640Z';
  return olderJob(ID.inference, createdAt, 30 * 60 + 46.1, {
    agent: AGENT.triage,
    celery_task_id: 'ade333a5-73cd-43f6-8c29-dee34b34f3af',
    data_source: 'dataset',
    job_type: 'inference',
    project: PROJECT.support,
    prompt_slug: null,
    result: {
      model: 'gpt-4o-mini',
      dataset: 'support-tickets-2026-10',
      params: { temperature: 0.2, max_tokens: 800, concurrency: 8 },
      requested: 500,
      completed: 183,
      failed: 2,
      cancelled_by: 'user',
      cancelled_at: isoAt(createdAt, 30 * 60 + 45.4),
    },
    status: 'cancelled',
    triggered_by: 19,
  });
};

// ---------------------------------------------------------------------------------------------

const JOBS: readonly RawJob[] = deepFreeze([
  tuningDone(),
  tuningRunning(),
  backtest(),
  tuningFailed(),
  tuningPending(),
  judgeScoring(),
  uploadSetup(),
  inferenceCancelled(),
]);

/** The demo jobs as the upstream would send them, in display order (the most interesting first). */
export const DEMO_JOBS: readonly unknown[] = JOBS;

/** The demo jobs' ids, in display order. */
export const DEMO_JOB_IDS: readonly string[] = Object.freeze(JOBS.map((j) => j.id));

// ---------------------------------------------------------------------------------------------
// The running job, live: `npm start` shows it advance. It replays its run on a loop of
// DEMO_LIVE.cycleSeconds: iteration i appears DEMO_LIVE.stepSeconds · i seconds into the cycle
// (one new version every step, so every TTL_ACTIVE_SECONDS period may bring one), the last one
// stays up for a step, and then the cycle starts again from one iteration. The job never
// finishes: a finished copy would be cached for an hour and then go back to running.
// Everything is a function of the clock alone, so every isolate serves the same bytes.

const LIVE_STEP_SECONDS = 20;

export const DEMO_LIVE = Object.freeze({
  id: ID.tuningRunning,
  stepSeconds: LIVE_STEP_SECONDS,
  /** Iterations shown at most; the job plans more (num_iterations), so it stays running. */
  maxIterations: SQL_PLANS.length,
  cycleSeconds: LIVE_STEP_SECONDS * SQL_PLANS.length,
});

/** Where the live job is at `nowMs`: the cycle's start and how many iterations it shows. */
export function demoLivePhase(nowMs: number): { cycleStart: number; shown: number } {
  const cycleMs = DEMO_LIVE.cycleSeconds * 1000;
  const cycleStart = Math.floor(nowMs / cycleMs) * cycleMs;
  const step = Math.floor((nowMs - cycleStart) / (DEMO_LIVE.stepSeconds * 1000));
  return { cycleStart, shown: Math.min(DEMO_LIVE.maxIterations, 1 + step) };
}

/**
 * The live running job at `nowMs`, shaped as the upstream sends it (like every DEMO_JOBS
 * entry, to be validated by the caller). The job was created 45 s before its cycle began.
 */
export function demoLiveJob(nowMs: number): unknown {
  const { cycleStart, shown } = demoLivePhase(nowMs);
  return deepFreeze(
    sqlRunning(shown, {
      createdAt: new Date(cycleStart - 45_000).toISOString(),
      firstAt: new Date(cycleStart).toISOString(),
      stepSeconds: DEMO_LIVE.stepSeconds,
    }),
  );
}
