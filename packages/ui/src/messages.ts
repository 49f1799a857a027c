import type { DeliveryStatus, WebhookStatus } from '@segment-webhook/core/contract';
import { supportMessages } from './messages-support';
import { viewMessages } from './messages-view';

/**
 * Every user-facing string of the kit, in English. Override any of them through
 * `<SegmentWebhookProvider messages={{…}}>`; messages with values are functions.
 */
export const defaultMessages = {
  // Common ------------------------------------------------------------------------------------
  loading: 'Loading…',
  retry: 'Try again',
  cancel: 'Cancel',
  close: 'Close',
  save: 'Save',
  genericError: 'Something went wrong. Please try again.',
  opensInNewTab: '(opens in a new tab)',
  networkError: 'Could not reach the server. Check your connection and try again.',
  webhookStatus: {
    active: 'Active',
    disconnected: 'Disconnected',
    archived: 'Archived',
  } satisfies Record<WebhookStatus, string>,
  healthHealthy: 'Healthy',
  healthNeedsAttention: 'Needs attention',
  deliveryStatus: {
    pending: 'Pending',
    retrying: 'Retrying',
    delivered: 'Delivered',
    failed: 'Failed',
    skipped: 'Skipped',
  } satisfies Record<DeliveryStatus, string>,
  regionUs: 'US',
  regionEu: 'EU',

  // Setup -------------------------------------------------------------------------------------
  setupTitle: 'Segment webhook setup',
  /** `productName` is the provider's (the host product's name), if it gave one. */
  setupIntro: (productName: string | undefined) =>
    `Send ${productName ? `${productName} ` : ''}activity events to Segment as track events. You need an HTTP API source in Segment and its write key.`,
  webhookNameLabel: 'Webhook name',
  webhookNameHint: 'You can change it later in the data source view.',
  trackEventNameLabel: 'Track event name',
  trackEventNameHint: 'The name of the track event in Segment, e.g. Order placed or Email sent.',
  writeKeyLabel: 'Write key',
  writeKeyHint: 'The write key of the HTTP API source in Segment that will receive the events.',
  writeKeyShow: 'Show write key',
  writeKeyHide: 'Hide write key',
  sendActivityPayloadLabel: 'Send activity payload',
  sendActivityPayloadHint: 'Include the data of the activity that triggers the webhook in each request.',
  regionLabel: 'Data ingestion region',
  regionHint: 'Where your Segment workspace processes and stores data.',
  fieldsLabel: 'Fields',
  fieldsHint: 'Additional attributes sent as properties of each track event.',
  testButton: 'Test',
  testing: 'Testing…',
  createButton: 'Create',
  creating: 'Creating…',
  formInvalid: 'Check the highlighted fields.',
  createFailed: 'The webhook could not be created.',

  // Test result -------------------------------------------------------------------------------
  testResultTitle: 'Test result',
  testOk: 'Segment accepted the test event',
  testSegmentError: 'Segment refused the test event',
  testNetworkError: 'Segment could not be reached',
  testHttpStatus: 'HTTP status',
  testLatency: 'Latency',
  testNoResponse: 'No response',
  testPayload: 'Payload sent',
  testResponse: 'Response',
  testError: 'Error',
  testTip:
    'Segment answers 200 even for an unknown write key or the wrong region, so a 200 does not prove the event arrived. Check the source debugger in Segment to confirm.',
  testTipLink: 'Open the Segment source debugger',
  segmentDebuggerUrl: 'https://segment.com/docs/connections/sources/debugger/',
  testFailed: 'The test could not be run.',
  latencyMs: (ms: number) => `${Math.round(ms)} ms`,

  // Payload preview ---------------------------------------------------------------------------
  previewTitle: 'Payload preview',
  previewIntro: 'The track event sent to Segment for a sample activity.',
  previewCodeLabel: 'Track event JSON',
  previewSize: (bytes: string, limit: string) => `${bytes} of ${limit}`,
  previewTooLarge: 'This payload is over Segment’s 32 KB limit; Segment would reject it.',
  previewSizeLabel: 'Message size',

  // Fields editor -----------------------------------------------------------------------------
  fieldsEmpty: 'No additional fields. The track event carries the activity payload only.',
  fieldAdd: 'Add field',
  fieldKeyLabel: 'Property name',
  fieldSourceLabel: 'Source',
  fieldValueLabel: 'Value',
  fieldKindLabel: 'Type',
  fieldKindPerson: 'Person field',
  fieldKindActivity: 'Activity field',
  fieldKindConstant: 'Constant',
  fieldChoose: 'Choose a field',
  fieldMoveUp: (key: string) => `Move ${key || 'field'} up`,
  fieldMoveDown: (key: string) => `Move ${key || 'field'} down`,
  fieldRemove: (key: string) => `Remove ${key || 'field'}`,
  fieldRow: (index: number) => `Field ${index}`,
  fieldDuplicate: 'This property name is already used',
  fieldsMax: (max: number) => `At most ${max} fields`,
  fieldsCatalogError: 'The list of available fields could not be loaded.',
  fieldMoved: (key: string, position: number) => `${key || 'Field'} moved to position ${position}`,

  // Data source list --------------------------------------------------------------------------
  dataSourcesTitle: 'Segment webhooks',
  newDataSource: 'New data source',
  dataSourcesEmpty: 'No Segment webhooks yet.',
  dataSourcesEmptyHint: 'Create one to send activity events to your Segment workspace.',
  dataSourcesError: 'The data sources could not be loaded.',
  dataSourceTrackEvent: (event: string) => `Track event: ${event}`,
  dataSourceRegion: (region: string) => `Region: ${region}`,

  // Activity destinations ---------------------------------------------------------------------
  activitiesTitle: 'Activity destinations',
  activityColumn: 'Activity',
  destinationColumn: 'Data destination',
  destinationLabel: (activity: string) => `Data destination for ${activity}`,
  destinationNone: 'None',
  activitiesEmpty: 'There are no activities to route yet.',
  activitiesError: 'The activities could not be loaded.',
  usageLabel: 'Outbound activity streams',
  usageValue: (used: number, included: number) => `${used} of ${included} used`,
  usageAtLimit:
    'You have used every outbound activity stream in your plan. Remove a destination or upgrade your plan to add another.',
  streamLimitReached: 'This activity could not be routed: your plan’s outbound activity streams are all in use.',
  destinationFailed: 'The data destination could not be changed.',
  destinationSaved: (activity: string) => `Data destination of ${activity} saved`,

  // Send to webhook action --------------------------------------------------------------------
  sendActionTitle: 'Send to webhook',
  sendActionIntro: 'Send a track event to Segment when a person reaches this step.',
  sendActionWebhookLabel: 'Segment webhook',
  sendActionChoose: 'Choose a webhook',
  sendActionNoWebhooks: 'There are no active Segment webhooks. Create one on the Data sources page.',
  sendActionError: 'The webhooks could not be loaded.',
  sendActionPreview: 'What will be sent (sample person)',
  sendActionInactive: (name: string, status: string) =>
    `${name} is ${status.toLowerCase()}: nothing is sent until it is active again. Choose another webhook or reconnect it.`,

  ...viewMessages,

  ...supportMessages,
};

/** Every overridable message. */
export type SegmentWebhookMessages = typeof defaultMessages;
