export {
  DeliveryDetailPanel,
  type DeliveryDetailPanelProps,
  isOutsideDeduplicationWindow,
} from './DeliveryDetailPanel';
export { DELIVERY_ROW_HEIGHT, DeliveryList, type DeliveryListProps } from './DeliveryList';
export { applyDeliveryChange, DeliveryLogs, type DeliveryLogsProps, type DeliverySearchField } from './DeliveryLogs';
