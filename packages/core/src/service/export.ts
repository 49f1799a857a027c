/**
 * The delivery export's formats: CSV (RFC 4180 quoting, and formula escaping so that a spreadsheet never runs
 * an id as a formula) and NDJSON (one JSON object per line, with the Segment message). Browser-safe: plain
 * string work, no Node global (csv-stringify's ESM entry reached for `Buffer` at import and broke the
 * in-browser backend of Storybook and the docs).
 */
import { EXPORT_COLUMNS, type ExportFormat } from '../contract/index';
import type { DeliveryRecord, DeliveryWithMessage } from '../store/types';
import { iso } from './mappers';

/** What an export is sent as. */
export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/**
 * A field starting with `=`, `+`, `-`, `@`, a tab or a carriage return (or their full-width forms) gets a
 * leading `'` (OWASP's CSV-injection advice): event, person and message ids come from the host and its
 * customers, and the file is meant to be opened in a spreadsheet.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** One CSV cell: empty for null; quoted (quotes doubled) when it holds a comma, a quote or a line break. */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV records with CRLF line ends (RFC 4180), each ended by one. */
function csvRecords(rows: readonly (readonly (string | number | null)[])[]): string {
  let out = '';
  for (const row of rows) out += `${row.map(csvCell).join(',')}\r\n`;
  return out;
}

/** The columns of one delivery, in {@link EXPORT_COLUMNS} order. */
function columnsOf(delivery: DeliveryRecord): (string | number | null)[] {
  return [
    delivery.id,
    delivery.status,
    delivery.eventId,
    delivery.personId,
    delivery.messageId,
    iso(delivery.createdAt),
    delivery.deliveredAt === null ? null : iso(delivery.deliveredAt),
    delivery.attemptCount,
    delivery.lastHttpStatus,
  ];
}

/** The CSV header line. */
export function csvHeader(): string {
  return csvRecords([EXPORT_COLUMNS]);
}

/** CSV lines of a page of deliveries (empty cells for nulls). */
export function csvLines(deliveries: readonly DeliveryRecord[]): string {
  if (deliveries.length === 0) return '';
  return csvRecords(deliveries.map(columnsOf));
}

/**
 * NDJSON lines of a page of deliveries: the export's columns, then `message`, the Segment message as stored
 * (its JSON text is spliced in, not parsed and serialized again).
 */
export function ndjsonLines(deliveries: readonly DeliveryWithMessage[]): string {
  let out = '';
  for (const delivery of deliveries) {
    const values = columnsOf(delivery);
    const record: Record<string, string | number | null> = {};
    EXPORT_COLUMNS.forEach((column, index) => {
      record[column] = values[index]!;
    });
    // The stored text is compact JSON; anything with a line break (not written by the kit) is re-serialized
    // so that every record stays on one line.
    const message = /[\n\r]/.test(delivery.messageJson)
      ? JSON.stringify(JSON.parse(delivery.messageJson))
      : delivery.messageJson;
    out += `${JSON.stringify(record).slice(0, -1)},"message":${message}}\n`;
  }
  return out;
}

/** A file name for an export: ASCII letters, digits, `-`, `_` and `.` only (it goes into a header). */
export function exportFilename(webhookId: string, format: ExportFormat, at: number): string {
  const safeId = webhookId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  const stamp = iso(at)
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `segment-deliveries-${safeId}-${stamp}.${format}`;
}
