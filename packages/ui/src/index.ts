/**
 * `@segment-webhook/ui`: embeddable React components for the Segment webhook data source.
 * Import the default stylesheet once: `import '@segment-webhook/ui/styles.css'`.
 */

// API client, errors, queries and mutations
export {
  createSegmentWebhookApi,
  type DeliveriesQuery,
  type DeliveryStreamHandlers,
  type HeadersOption,
  type RequestOptions,
  type SegmentWebhookApi,
  type SegmentWebhookApiOptions,
} from './api/client';
export { ApiError, type ApiErrorCode, isApiError } from './api/errors';
export {
  activitiesQueryOptions,
  createWebhookMutationOptions,
  type DeliveryFilters,
  deleteWebhookMutationOptions,
  deliveriesInfiniteQueryOptions,
  deliveryQueryOptions,
  fieldCatalogQueryOptions,
  type LifecycleAction,
  lifecycleMutationOptions,
  overviewQueryOptions,
  retryDeliveryMutationOptions,
  retryFailedMutationOptions,
  segmentWebhookKeys,
  sendToWebhookMutationOptions,
  setDestinationMutationOptions,
  testConfigurationMutationOptions,
  testWebhookMutationOptions,
  updateWebhookMutationOptions,
  usageQueryOptions,
  webhookQueryOptions,
  webhooksQueryOptions,
} from './api/queries';
// Data source view, delivery logs, overview and lifecycle dialogs
export {
  DataSourceView,
  type DataSourceViewProps,
  type DataSourceViewTab,
  WebhookName,
  type WebhookNameProps,
  WebhookSettings,
  type WebhookSettingsProps,
  type WebhookSettingsValues,
} from './components/DataSourceView';
export {
  applyDeliveryChange,
  DELIVERY_ROW_HEIGHT,
  DeliveryDetailPanel,
  type DeliveryDetailPanelProps,
  DeliveryList,
  type DeliveryListProps,
  DeliveryLogs,
  type DeliveryLogsProps,
  type DeliverySearchField,
  isOutsideDeduplicationWindow,
} from './components/DeliveryLogs';
export {
  allowedLifecycleActions,
  ConfirmDialog,
  type ConfirmDialogProps,
  LifecycleDialog,
  type LifecycleDialogAction,
  type LifecycleDialogProps,
} from './components/LifecycleDialogs';
export {
  OverviewChart,
  type OverviewChartProps,
  OverviewPanel,
  type OverviewPanelProps,
  WebhookOverview,
  type WebhookOverviewProps,
} from './components/Overview';
export { defaultMessages, type SegmentWebhookMessages } from './messages';
// Provider and hooks
export {
  type SegmentWebhookMessagesOverride,
  SegmentWebhookProvider,
  type SegmentWebhookProviderProps,
  type SegmentWebhookTheme,
  useMessages,
  useSegmentWebhookApi,
} from './provider';
