export { DataSourceView, type DataSourceViewProps, type DataSourceViewTab } from './DataSourceView';
export { WebhookName, type WebhookNameProps } from './WebhookName';
export { WebhookSettings, type WebhookSettingsProps, type WebhookSettingsValues } from './WebhookSettings';
