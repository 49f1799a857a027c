/**
 * Segment's documented limits and hosts (see ../shared/SEGMENT.md in the project notes).
 * Shared by the browser (payload preview) and the server (delivery).
 */

/** Largest accepted message, in UTF-8 bytes of its JSON: 32 KB. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
/** Largest accepted batch request body, in UTF-8 bytes: 500 KB. */
export const MAX_BATCH_BYTES = 500 * 1024;
/** Most messages per `/v1/batch` request; above it Segment answers 200 and drops the events. */
export const MAX_BATCH_MESSAGES = 2500;
/** Longest `messageId` Segment accepts. */
export const MAX_MESSAGE_ID_LENGTH = 100;
/** Segment de-duplicates on messageId over at least this window. */
export const DEDUPLICATION_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Segment's tracking API hosts per data ingestion region. */
export const SEGMENT_HOSTS = {
  us: 'https://api.segment.io',
  eu: 'https://events.eu1.segmentapis.com',
} as const;

/** Most events one ingest call accepts. */
export const MAX_INGEST_EVENTS = 1000;
/** Most additional fields on one webhook. */
export const MAX_FIELDS = 50;

/** UTF-8 byte length of a string, in the browser and in Node alike. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3; // lone high surrogate: JSON.stringify escapes it, TextEncoder writes U+FFFD (3 bytes)
    } else bytes += 3;
  }
  return bytes;
}
