import type { Decorator } from '@storybook/react-vite';
import { expect, waitFor } from 'storybook/test';

/** The width of a host's side panel the kit must fit: 360 px. */
export const NARROW_WIDTH = 360;

/** Puts the story in a 360 px side panel (stories only). */
export const narrowPanel: Decorator = (Story) => (
  <div data-narrow-panel="" style={{ width: NARROW_WIDTH }}>
    <Story />
  </div>
);

/**
 * Waits until the component in the panel is `ready` (its root's `data-state`), then checks that nothing
 * sticks out of the panel sideways: the panel does not scroll horizontally and no element's box ends
 * beyond its right edge (content inside a box that scrolls or clips sideways, like a code block, is fine).
 */
export async function expectFitsNarrowPanel(canvasElement: HTMLElement, readyState = 'ready'): Promise<void> {
  const panel = canvasElement.querySelector<HTMLElement>('[data-narrow-panel]');
  if (!panel) throw new Error('The story has no narrow panel (use the narrowPanel decorator).');
  await waitFor(() => expect(panel.querySelector(`[data-state="${readyState}"]`)).not.toBeNull(), { timeout: 5_000 });
  const right = panel.getBoundingClientRect().right;
  // Inside a box that scrolls or clips sideways (a code block), content may be wider than the panel.
  const inScrollingBox = (element: HTMLElement) => {
    for (let box = element.parentElement; box && box !== panel; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') return true;
    }
    return false;
  };
  const outside = [...panel.querySelectorAll<HTMLElement>('*')]
    .filter((element) => element.getBoundingClientRect().right > right + 1 && !inScrollingBox(element))
    .map((element) => `${element.tagName.toLowerCase()}.${element.className} “${element.textContent?.slice(0, 40)}”`);
  await expect(outside).toEqual([]);
  await expect(panel.scrollWidth).toBeLessThanOrEqual(panel.clientWidth);
}
