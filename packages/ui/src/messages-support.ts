import type { HistoryField } from '@segment-webhook/core/contract';

/**
 * Messages of the support tools on the Settings, Overview, Reconnect and Test parts (issue 15), merged into
 * `defaultMessages` in ./messages.ts, so they are overridable through the provider too.
 */
export const supportMessages = {
  // Reconnect with backfill -------------------------------------------------------------------
  reconnectSkipped: (count: string, one: boolean) =>
    `${count} ${one ? 'event was' : 'events were'} recorded while disconnected`,
  reconnectSkippedHint: 'They were not sent to Segment. Choose what happens to them when you reconnect.',
  reconnectBackfill: 'Send them now',
  reconnectBackfillHint:
    'They are sent with their original times and message ids, so Segment places them when they happened.',
  reconnectWithout: 'Reconnect without them',
  reconnectWithoutHint: 'They stay in the logs as skipped and are never sent.',
  reconnectBackfilled: (count: string, one: boolean) =>
    `Reconnected. ${count} skipped ${one ? 'event was' : 'events were'} queued to send, with their original times.`,
  reconnectDone: 'Reconnected. Sending to Segment resumes.',

  // Settings history --------------------------------------------------------------------------
  historyTitle: 'History',
  historyIntro: 'Every change to these settings, newest first.',
  historyLoading: 'Loading the history…',
  historyError: 'The history could not be loaded.',
  historyEmpty: 'No changes yet.',
  historyVersion: (version: number) => `Version ${version}`,
  historyUnknownActor: 'Unknown',
  historyCreated: 'Created',
  historyNoChanges: 'No setting changed.',
  historyField: {
    name: 'Webhook name',
    trackEventName: 'Track event name',
    writeKey: 'Write key',
    region: 'Data ingestion region',
    sendActivityPayload: 'Send activity payload',
    fields: 'Fields',
  } satisfies Record<HistoryField, string>,
  historyWriteKeyChanged: 'Write key changed',
  historyNone: 'none',
  historyYes: 'on',
  historyNo: 'off',
  historyFieldCount: (count: number) => `${count} ${count === 1 ? 'field' : 'fields'}`,
  historyShowMore: 'Show older changes',
  settingsVersion: (version: number) => `Settings version ${version}`,

  overviewSkipped: 'Skipped while disconnected',

  // Field coverage ----------------------------------------------------------------------------
  coverageTitle: 'Field coverage',
  coverageIntro: 'How often each field had a value in the events of this range.',
  coverageSampled: 'Based on a sample of the latest events in this range.',
  coverageEmpty: 'No events in this range yet.',
  coverageValue: (percent: string, present: string, total: string) => `${percent} (${present} of ${total} events)`,
  coverageFieldLabel: (key: string) => `Coverage of ${key}`,
  coverageWarning: (key: string, emptyPercent: string) =>
    `${key} was empty in ${emptyPercent} of events: check that your people have a value for ${key}, or that the field is mapped to the right source.`,

  // Test with a real activity -----------------------------------------------------------------
  testWithLabel: 'Test with',
  testWithSample: 'Sample activity',
  testWithHint:
    'Send one of your recent activity events instead of the sample. Segment does not forward test events to your destinations.',
  previewIntroEvent: 'The track event sent to Segment for the chosen activity event.',
  testWithEvent: (activity: string, person: string, time: string) => `${activity} · ${person} · ${time}`,
};
