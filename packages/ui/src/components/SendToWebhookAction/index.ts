export { SendToWebhookAction, type SendToWebhookActionProps } from './SendToWebhookAction';
