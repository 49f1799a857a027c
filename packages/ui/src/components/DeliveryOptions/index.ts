export { RegionFieldset, SendActivityPayloadField } from './DeliveryOptions';
