export { OverviewPanel, type OverviewPanelProps, WebhookOverview, type WebhookOverviewProps } from './Overview';
export { OverviewChart, type OverviewChartProps } from './OverviewChart';
