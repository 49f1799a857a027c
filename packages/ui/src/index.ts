/**
 * `@segment-webhook/ui`: embeddable React components for the Segment webhook data source.
 * Import the default stylesheet once: `import '@segment-webhook/ui/styles.css'`.
 */

export {
  createSegmentWebhookApi,
  type DeliveriesExport,
  type DeliveriesExportQuery,
  type DeliveriesQuery,
  type DeliveryStreamHandlers,
  type DeliveryStreamOptions,
  type HeadersOption,
  type RequestOptions,
  type SegmentWebhookApi,
  type SegmentWebhookApiOptions,
  type WebhookHistoryQuery,
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
  recentActivityEventsKey,
  recentActivityEventsQueryOptions,
  replayDeliveriesMutationOptions,
  retryDeliveryMutationOptions,
  retryFailedMutationOptions,
  segmentWebhookKeys,
  sendToWebhookMutationOptions,
  setDestinationMutationOptions,
  testConfigurationMutationOptions,
  testWebhookMutationOptions,
  updateWebhookMutationOptions,
  usageQueryOptions,
  webhookHistoryInfiniteQueryOptions,
  webhookHistoryKey,
  webhookHistoryQueryOptions,
  webhookQueryOptions,
  webhooksQueryOptions,
} from './api/queries';
export {
  ActivityDestinations,
  type ActivityDestinationsProps,
} from './components/ActivityDestinations';
export { DataSourceList, type DataSourceListProps } from './components/DataSourceList';
export {
  DataSourceView,
  type DataSourceViewProps,
  type DataSourceViewTab,
  describeHistoryChange,
  describeHistoryValue,
  WebhookHistory,
  type WebhookHistoryProps,
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
  ExportMenu,
  type ExportMenuProps,
  isOutsideDeduplicationWindow,
  ReplayDialog,
  type ReplayDialogProps,
  TIME_RANGE_PRESETS,
  type TimeRange,
  type TimeRangePreset,
} from './components/DeliveryLogs';
export {
  type FieldRowErrors,
  FieldsEditor,
  type FieldsEditorFormProps,
  type FieldsEditorProps,
  type FieldsEditorStandaloneProps,
} from './components/FieldsEditor';
export {
  allowedLifecycleActions,
  ConfirmDialog,
  type ConfirmDialogProps,
  LifecycleDialog,
  type LifecycleDialogAction,
  type LifecycleDialogChoice,
  type LifecycleDialogProps,
} from './components/LifecycleDialogs';
export {
  DEFAULT_COVERAGE_THRESHOLD,
  FieldCoveragePanel,
  type FieldCoveragePanelProps,
  lowCoverage,
  OverviewChart,
  type OverviewChartProps,
  OverviewPanel,
  type OverviewPanelProps,
  WebhookOverview,
  type WebhookOverviewProps,
} from './components/Overview';
export {
  type PayloadConfig,
  PayloadPreview,
  type PayloadPreviewProps,
  SegmentWebhookSetup,
  type SegmentWebhookSetupProps,
  type TestPanelState,
  TestResultPanel,
  type TestResultPanelProps,
  TestWithSelect,
  type TestWithSelectProps,
  useRecentActivityEvents,
} from './components/SegmentWebhookSetup';
export { SendToWebhookAction, type SendToWebhookActionProps } from './components/SendToWebhookAction';
export { defaultMessages, type SegmentWebhookMessages } from './messages';
export {
  type SegmentWebhookMessagesOverride,
  SegmentWebhookProvider,
  type SegmentWebhookProviderProps,
  type SegmentWebhookTheme,
  useMessages,
  useSegmentWebhookApi,
} from './provider';
