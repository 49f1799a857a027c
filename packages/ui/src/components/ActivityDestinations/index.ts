export { ActivityDestinations, type ActivityDestinationsProps } from './ActivityDestinations';
