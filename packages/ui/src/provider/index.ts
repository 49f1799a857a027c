export {
  type SegmentWebhookMessagesOverride,
  SegmentWebhookProvider,
  type SegmentWebhookProviderProps,
  type SegmentWebhookTheme,
  useMessages,
  useSegmentWebhookApi,
  useSegmentWebhookTheme,
} from './SegmentWebhookProvider';
