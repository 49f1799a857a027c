import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { ColourTokens, designTokens, EffectTokens, RadiusTokens, SpacingTokens, TypeTokens } from './DesignTokens';

/** The design tokens of `styles.css`, read from the stylesheet itself: light and dark side by side. */
const meta = {
  title: 'Foundations',
  parameters: { layout: 'padded' },
} satisfies Meta;
export default meta;
type Story = StoryObj<typeof meta>;

/** Every token row of a table, and the token names it shows. */
const rowsOf = (canvasElement: HTMLElement, caption: string) => {
  const table = within(canvasElement).getByRole('table', { name: caption });
  return within(table)
    .getAllByRole('rowheader')
    .map((cell) => cell.textContent);
};

/** Text and surfaces, accents and states: every colour token as a swatch in both themes. */
export const Colours: Story = {
  render: () => <ColourTokens />,
  play: async ({ canvasElement }) => {
    const names = designTokens.filter((t) => t.group === 'colour').map((t) => t.name);
    await expect(rowsOf(canvasElement, 'Colours')).toEqual(names);
    // Every swatch resolves to a colour of the live stylesheet (an unknown token would be transparent).
    for (const swatch of canvasElement.querySelectorAll<HTMLElement>('.sb-tokens__swatch')) {
      await expect(getComputedStyle(swatch).backgroundColor).not.toBe('rgba(0, 0, 0, 0)');
    }
    // Two swatches per row: light, then dark.
    const accent =
      canvasElement.querySelectorAll<HTMLElement>('.sb-tokens__swatch')[names.indexOf('--swk-accent') * 2]!;
    await expect(getComputedStyle(accent).backgroundColor).toBe('rgb(36, 87, 214)');
  },
};

/** The spacing unit (and its multiples) and fixed sizes. */
export const Spacing: Story = {
  render: () => <SpacingTokens />,
  play: async ({ canvasElement }) => {
    await expect(rowsOf(canvasElement, 'Spacing (layouts use multiples of the unit)')).toContain('--swk-space');
  },
};

/** Font families, size and line height. */
export const Typography: Story = {
  render: () => <TypeTokens />,
  play: async ({ canvasElement }) => {
    await expect(rowsOf(canvasElement, 'Type')).toContain('--swk-font-size');
  },
};

/** Corner radii. */
export const Radii: Story = {
  render: () => <RadiusTokens />,
  play: async ({ canvasElement }) => {
    await expect(rowsOf(canvasElement, 'Radii')).toEqual(['--swk-radius', '--swk-radius-sm']);
  },
};

/** Shadows and the dialog overlay. */
export const Effects: Story = {
  render: () => <EffectTokens />,
};
