// Renders a BenchReport as the table printed on stdout (plain text) or as Markdown for
// docs/BENCHMARKS.md (`npm run bench -- --quick --markdown`).

import type { BenchReport, MetricRow } from './runner.ts'

export const TABLE_COLUMNS = [
  'metric',
  'value',
  'unit',
  'baseline',
  'ratio',
  'goal',
  'status',
] as const

function cells(row: MetricRow): string[] {
  const status = row.note === undefined ? row.status : `${row.status || '-'} (${row.note})`
  return [
    row.name,
    row.value === undefined ? '-' : String(row.value),
    row.unit ?? '',
    row.baseline ?? '',
    row.ratio === undefined ? '' : String(row.ratio),
    row.goal ?? '',
    status,
  ]
}

function suiteLines(report: BenchReport): string[] {
  return report.suites.map(
    (suite) =>
      `suite ${suite.name}: ${suite.status} in ${suite.seconds} s` +
      (suite.error === undefined ? '' : ` (${suite.error})`) +
      suite.warnings.map((warning) => `\n  warning: ${warning}`).join(''),
  )
}

function machineLine(report: BenchReport): string {
  const { date, machine } = report.results
  const load = `load ${report.load.before.toFixed(1)} → ${report.load.after.toFixed(1)}`
  return `${date} · ${machine.cpus} CPUs · ${load} · Node ${machine.node} · Chromium ${machine.chromium}`
}

/** Fixed-width text table followed by one line per suite. */
export function formatTable(report: BenchReport): string {
  const rows = report.rows.map(cells)
  const header = [...TABLE_COLUMNS] as string[]
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()
  return [
    machineLine(report),
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    ...suiteLines(report),
    '',
  ].join('\n')
}

function escapeCell(cell: string): string {
  return cell.replace(/\|/g, '\\|')
}

/** The same table as Markdown, with the machine line above it. */
export function formatMarkdown(report: BenchReport): string {
  const row = (cellsOfRow: readonly string[]) => `| ${cellsOfRow.map(escapeCell).join(' | ')} |`
  return [
    `Machine: ${machineLine(report)}`,
    '',
    row(TABLE_COLUMNS.map((title) => title)),
    row(TABLE_COLUMNS.map(() => '---')),
    ...report.rows.map((metricRow) =>
      row(cells(metricRow).map((cell, i) => (i === 0 ? `\`${cell}\`` : cell))),
    ),
    '',
    ...report.suites.map(
      (suite) =>
        `- suite \`${suite.name}\`: ${suite.status} in ${suite.seconds} s` +
        (suite.error === undefined ? '' : ` (${suite.error})`),
    ),
    '',
  ].join('\n')
}
