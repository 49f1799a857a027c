export {
  DEFAULT_COVERAGE_THRESHOLD,
  FieldCoveragePanel,
  type FieldCoveragePanelProps,
  lowCoverage,
} from './FieldCoverage';
export { OverviewPanel, type OverviewPanelProps, WebhookOverview, type WebhookOverviewProps } from './Overview';
export { OverviewChart, type OverviewChartProps } from './OverviewChart';
