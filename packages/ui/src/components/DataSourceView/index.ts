export { DataSourceView, type DataSourceViewProps, type DataSourceViewTab } from './DataSourceView';
export {
  describeHistoryChange,
  describeHistoryValue,
  WebhookHistory,
  type WebhookHistoryProps,
} from './WebhookHistory';
export { WebhookName, type WebhookNameProps } from './WebhookName';
export { WebhookSettings, type WebhookSettingsProps, type WebhookSettingsValues } from './WebhookSettings';
