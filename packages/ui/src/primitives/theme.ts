import { useSegmentWebhookTheme } from '../provider/SegmentWebhookProvider';

/**
 * Props that carry the kit's theme onto content Radix renders in a portal (outside the provider's
 * element): dialogs, selects, menus.
 */
export function usePortalThemeProps(): { 'data-swk-theme': string } {
  return { 'data-swk-theme': useSegmentWebhookTheme() };
}
