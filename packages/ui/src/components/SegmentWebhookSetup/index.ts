export { formatBytes, type PayloadConfig, PayloadPreview, type PayloadPreviewProps } from './PayloadPreview';
export { formPathOf, SegmentWebhookSetup, type SegmentWebhookSetupProps } from './SegmentWebhookSetup';
export { type TestPanelState, TestResultPanel, type TestResultPanelProps, testOutcome } from './TestResultPanel';
export { TestWithSelect, type TestWithSelectProps, useRecentActivityEvents } from './TestWithSelect';
