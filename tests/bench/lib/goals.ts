// The performance goals of issue #9, in one place. The runner attaches each goal string and
// baseline name to the metric of the same name, evaluates the goal, and lists every metric of
// this table that no suite produced as pending.
//
// Goal grammar (what parseGoal accepts):  [ratio] <op> <number> [unit]
//   op: <=, <, >=, >     number: digits with optional `,` or `_` separators and a decimal point
//   "ratio" compares `<name>.ratio` (measured / baseline) instead of the value itself; a unit,
//   when given, must equal the metric's unit.

/** A goal string that parseGoal cannot read; fix the string in goals.ts or in the suite. */
export class BenchGoalError extends Error {
  override readonly name = 'BenchGoalError'
  readonly code = 'bench_goal_invalid'
}

export interface GoalEntry {
  /** Metric name, fixed by issue #9. */
  metric: string
  /** Goal string, e.g. "ratio <= 1.5" or "<= 50 ms". */
  goal: string
  /**
   * Name of the baseline metric measured in the same run: a "ratio" goal is judged on measured ÷
   * baseline; with an absolute goal the ratio is only shown beside the value.
   */
  baseline?: string
  /** What is measured, for the table in docs/BENCHMARKS.md. */
  description: string
}

export const GOALS: readonly GoalEntry[] = [
  {
    // Issue #21 restated the goal against the same path with none of our stack on it (two
    // page↔host ports and a data channel between the hosts); msg.raw.rtt_p50_ms is still measured.
    metric: 'msg.direct.rtt_p50_ms',
    baseline: 'msg.hops.rtt_p50_ms',
    goal: 'ratio <= 3',
    description: 'extension↔extension round trip (send → delivered), E2EE, direct WebRTC',
  },
  {
    metric: 'msg.direct.shown_p50_ms',
    goal: '<= 20 ms',
    description: 'Enter in A’s chat view → message painted in B’s, direct WebRTC, loopback',
  },
  {
    metric: 'restart.mailbox_read_ms',
    goal: '<= 5000 ms',
    description:
      'browser relaunched with its profile → a text that waited in its mailbox readable in its page (ADR 0775)',
  },
  {
    metric: 'msg.mailbox.delivery_p50_ms',
    goal: '<= 50 ms',
    description: 'mailbox delivery to an online recipient via relay push',
  },
  {
    metric: 'connect.webrtc_dial_p50_ms',
    goal: '<= 300 ms',
    description: 'browser↔browser WebRTC dial via relay',
  },
  {
    metric: 'connect.webrtc_dial_failed_pct',
    goal: '<= 1',
    description: 'browser↔browser WebRTC dial attempts that failed (issue #21, ADR 0907)',
  },
  {
    metric: 'file.direct.MBps',
    baseline: 'file.raw.MBps',
    goal: 'ratio >= 0.9',
    description: 'extension↔extension encrypted file transfer',
  },
  {
    metric: 'file.receiver_heap_peak_MiB',
    goal: '<= 150',
    description: 'receiver heap peak while receiving a 1 GiB file',
  },
  {
    metric: 'relay.deposit.per_s',
    baseline: 'relay.sqlite_raw.per_s',
    goal: 'ratio >= 0.5',
    description: 'durable mailbox deposits, 1,000 mailboxes',
  },
  { metric: 'relay.fetch.p99_ms', goal: '<= 20 ms', description: 'mailbox fetch latency, p99' },
  {
    metric: 'relay.pg.deposit.per_s',
    baseline: 'relay.pg_raw.per_s',
    goal: 'ratio >= 0.5',
    description: 'durable mailbox deposits, relay on PostgreSQL (issue 22)',
  },
  {
    metric: 'relay.pg.fetch.p99_ms',
    goal: '<= 20 ms',
    description: 'mailbox fetch latency, p99, relay on PostgreSQL',
  },
  {
    metric: 'relay.pg2.deposit.per_s',
    baseline: 'relay.pg2_raw.per_s',
    goal: 'ratio >= 0.5',
    description: 'durable mailbox deposits, two relay instances on one PostgreSQL',
  },
  {
    metric: 'relay.pg2.fetch.p99_ms',
    goal: '<= 20 ms',
    description: 'mailbox fetch latency, p99, second of two relay instances',
  },
  {
    metric: 'relay.pg2.fetch_loaded.p99_ms',
    goal: '<= 20 ms',
    description:
      'mailbox fetch latency, p99, second of two relay instances, first under deposit load',
  },
  {
    metric: 'relay.rss_per_client_MiB',
    goal: '<= 0.2',
    description: 'relay RSS per client, 1,000 clients with reservations',
  },
  {
    metric: 'crypto.ratchet.msgs_per_s',
    goal: '>= 5,000',
    description: 'double ratchet encrypt + decrypt',
  },
  {
    metric: 'crypto.file_encrypt.MBps',
    baseline: 'crypto.webcrypto_aesgcm.MBps',
    goal: 'ratio >= 0.8',
    description: 'Cobblestone file encryption',
  },
  {
    metric: 'ui.popup_interactive_ms',
    // The goal is absolute; the baseline (the same DOM as a static page, no script, no host)
    // shows in the same run what of the figure is the browser's floor (ADR 0921).
    baseline: 'ui.static_list_ms',
    goal: '<= 150',
    description: 'popup interactive with 100 conversations stored',
  },
  {
    metric: 'store.unlock_ms',
    goal: '<= 1000 ms',
    description:
      'unlock: Argon2id in its worker at the calibrated parameters + data key unwrap, Chromium (issue 17, ADR 0120)',
  },
  {
    metric: 'store.encrypted_read.ratio',
    goal: '<= 1.3',
    description:
      '100 conversations + a 1,000-message chat read from the sealed vs the plaintext store, interleaved (issue 17)',
  },
  {
    metric: 'idle.direct_KB_per_min_per_contact',
    goal: '<= 6 KB/min',
    description: 'idle extension: wire bytes per minute per online contact (issue #24, ADR 0910)',
  },
  {
    metric: 'idle.direct_packets_per_min_per_contact',
    goal: '<= 60 packets/min',
    description: 'idle extension: packets per minute per online contact',
  },
  {
    metric: 'idle.relay_KB_per_min',
    goal: '<= 10 KB/min',
    description: 'idle extension: wire bytes per minute on the relay connection',
  },
  {
    metric: 'idle.offscreen_heap_MiB',
    goal: '<= 12 MiB',
    description: 'idle extension: offscreen document JS heap, median',
  },
  {
    metric: 'idle.cpu_pct_of_core',
    goal: '<= 1 %',
    description: 'idle extension: CPU of the browser over a bare Chromium in the same run',
  },
  {
    metric: 'idle.heap_growth_MiB',
    goal: '<= 1 MiB',
    description: 'offscreen heap after GC, after 5 popup opens and a 200-message chat',
  },
  {
    metric: 'msg.after_idle_p50_ms',
    goal: '<= 1000 ms',
    description: 'a message after an idle window: send → delivery receipt, loopback',
  },
  {
    // Issue 20 names no figure; ADR 0776: what the group layer adds on top of the 1:1 path it
    // rides on (catch-up, MLS), measured on the same pair and connection in the same run.
    metric: 'group.delivery_p50_ms',
    baseline: 'group.delivery_baseline_1to1_p50_ms',
    goal: 'ratio <= 3',
    description: 'group text: send in A → B has it, direct, Node messengers + relay, loopback',
  },
  {
    // Issue 20's "3 browsers, direct" (ADR 0776): the same goal, three extensions in Chromium, the
    // baseline 1:1 texts between the same browsers over the same connections in the same run.
    metric: 'group.delivery_browser_p50_ms',
    baseline: 'group.delivery_browser_baseline_1to1_p50_ms',
    goal: 'ratio <= 3',
    description: 'group text: send in A’s page → B’s and C’s pages have it, 3 extensions, direct',
  },
]

export const GoalStatus = {
  met: 'met',
  missed: 'missed',
  /** The metric (or, for a ratio goal, its baseline) was not produced in this run. */
  pending: 'pending',
  /** Measured, no goal attached (baselines and extra figures). */
  none: '',
} as const
export type GoalStatus = (typeof GoalStatus)[keyof typeof GoalStatus]

export interface ParsedGoal {
  /** Compare the ratio to the baseline rather than the value. */
  ratio: boolean
  op: '<=' | '<' | '>=' | '>'
  threshold: number
  /** Unit written in the goal, if any ("ms", "MiB"). */
  unit?: string
}

const GOAL_PATTERN = /^\s*(ratio\s+)?(<=|>=|<|>)\s*(\d[\d,_]*(?:\.\d+)?)\s*(\S+)?\s*$/

export function parseGoal(goal: string): ParsedGoal {
  const match = GOAL_PATTERN.exec(goal)
  if (!match) {
    throw new BenchGoalError(
      `cannot read goal "${goal}": write it as "[ratio] <op> <number> [unit]", e.g. "<= 50 ms"`,
    )
  }
  const [, ratio, op, number, unit] = match
  const parsed: ParsedGoal = {
    ratio: ratio !== undefined,
    op: op as ParsedGoal['op'],
    threshold: Number((number as string).replace(/[,_]/g, '')),
  }
  if (unit !== undefined) parsed.unit = unit
  return parsed
}

/**
 * Evaluates one goal against the metric's value and (for ratio goals) its ratio. A missing
 * figure gives `pending`; a unit that differs from the metric's unit is a suite bug and throws.
 */
export function evaluateGoal(
  goal: string,
  figure: { value?: number; unit?: string; ratio?: number },
): GoalStatus {
  const parsed = parseGoal(goal)
  const compared = parsed.ratio ? figure.ratio : figure.value
  if (compared === undefined) return GoalStatus.pending
  if (!parsed.ratio && parsed.unit !== undefined && figure.unit !== undefined) {
    if (parsed.unit !== figure.unit) {
      throw new BenchGoalError(
        `goal "${goal}" is in ${parsed.unit} but the metric is in ${figure.unit}: make them match`,
      )
    }
  }
  const met =
    parsed.op === '<='
      ? compared <= parsed.threshold
      : parsed.op === '<'
        ? compared < parsed.threshold
        : parsed.op === '>='
          ? compared >= parsed.threshold
          : compared > parsed.threshold
  return met ? GoalStatus.met : GoalStatus.missed
}

/** The goals table keyed by metric name; throws at load if a goal string is unreadable. */
export function goalsByMetric(goals: readonly GoalEntry[] = GOALS): Map<string, GoalEntry> {
  const byMetric = new Map<string, GoalEntry>()
  for (const entry of goals) {
    parseGoal(entry.goal)
    byMetric.set(entry.metric, entry)
  }
  return byMetric
}
