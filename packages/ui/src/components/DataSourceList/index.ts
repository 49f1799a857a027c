export { DataSourceList, type DataSourceListProps, STATUS_TONE } from './DataSourceList';
