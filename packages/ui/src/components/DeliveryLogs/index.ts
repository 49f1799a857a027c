export {
  DeliveryDetailPanel,
  type DeliveryDetailPanelProps,
  isOutsideDeduplicationWindow,
} from './DeliveryDetailPanel';
export { DELIVERY_ROW_HEIGHT, DeliveryList, type DeliveryListProps } from './DeliveryList';
export { applyDeliveryChange, DeliveryLogs, type DeliveryLogsProps, type DeliverySearchField } from './DeliveryLogs';
export { ExportMenu, type ExportMenuProps } from './ExportMenu';
export { ReplayDialog, type ReplayDialogProps } from './ReplayDialog';
export { TIME_RANGE_PRESETS, type TimeRange, type TimeRangePreset } from './time-range';
