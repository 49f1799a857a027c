import type { FieldMapping } from '@segment-webhook/core/contract';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { type ComponentProps, useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import type { KitBackendParameters } from '../../test/backend';
import { FieldsEditor } from './FieldsEditor';

type Props = Omit<ComponentProps<typeof FieldsEditor>, 'value' | 'onChange' | 'control' | 'name'> & {
  initial?: FieldMapping[];
};

/** Standalone use: the story holds the value. */
function Standalone({ initial = [], ...props }: Props) {
  const [fields, setFields] = useState<FieldMapping[]>(initial);
  return (
    <div style={{ maxWidth: 720 }}>
      <FieldsEditor {...props} aria-label="Fields" value={fields} onChange={setFields} />
      <output data-testid="value" style={{ display: 'none' }}>
        {JSON.stringify(fields)}
      </output>
    </div>
  );
}

const meta = {
  title: 'Components/FieldsEditor',
  tags: ['autodocs'],
  parameters: {
    docs: {
      propsOf: FieldsEditor,
      description: {
        component:
          'Edits the extra fields of a Segment message (a key with a constant or a person or activity attribute) inside a react-hook-form form. Use it inside a form that configures a webhook; SegmentWebhookSetup and the Settings tab embed it.',
      },
    },
  },
  component: Standalone,
} satisfies Meta<typeof Standalone>;
export default meta;
type Story = StoryObj<typeof meta>;

const populated: FieldMapping[] = [
  { key: 'email', from: 'person.email' },
  { key: 'order_total', from: 'activity.total' },
  { key: 'source', value: 'ortto' },
];

const keys = (canvas: { getAllByLabelText: (text: string) => HTMLElement[] }) =>
  canvas.getAllByLabelText('Property name').map((input) => (input as HTMLInputElement).value);

/** No fields yet. */
export const Empty: Story = {};

/** A person field, an activity field and a constant. */
export const Populated: Story = { args: { initial: populated } };

/** Invalid and duplicate property names are flagged beside the field once left. */
export const InvalidKeys: Story = {
  args: {
    initial: [
      { key: 'email', from: 'person.email' },
      { key: 'email', from: 'person.first_name' },
      { key: '1st', value: 'x' },
    ],
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    for (const input of canvas.getAllByLabelText('Property name')) {
      await userEvent.click(input);
    }
    await userEvent.tab();
    await expect(await canvas.findByText('This property name is already used')).toBeVisible();
    await expect(canvas.getByText(/Start with a letter or _/)).toBeVisible();
    await expect(canvas.getAllByLabelText('Property name')[1]).toHaveAttribute('aria-invalid', 'true');
  },
};

/** Every control disabled. */
export const Disabled: Story = { args: { initial: populated, disabled: true } };

/** The catalog is loading. */
export const CatalogLoading: Story = {
  args: { initial: [{ key: 'email', from: '' }] },
  parameters: { backend: { setup: (backend) => backend.hang('GET /fields') } satisfies KitBackendParameters },
};

/** The catalog could not be loaded. */
export const CatalogError: Story = {
  args: { initial: [{ key: 'email', from: 'person.email' }] },
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /fields', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent(
      'The list of available fields could not be loaded.',
    );
  },
};

/** Add a field, choose its source, move it up with the keyboard, and remove another. */
export const AddReorderRemove: Story = {
  args: { initial: populated.slice(0, 2) },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const body = within(canvasElement.ownerDocument.body);

    await step('Add a field', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Add field' }));
      const newKey = canvas.getAllByLabelText('Property name')[2]!;
      await waitFor(() => expect(newKey).toHaveFocus());
      await userEvent.type(newKey, 'first_name');
      await userEvent.click(canvas.getAllByLabelText('Source')[2]!);
      await userEvent.click(await body.findByRole('option', { name: 'First name' }));
      await expect(canvas.getAllByLabelText('Source')[2]).toHaveTextContent('First name');
    });

    await step('Move it to the top with the keyboard', async () => {
      const up = canvas.getByRole('button', { name: 'Move first_name up' });
      up.focus();
      await userEvent.keyboard('{Enter}');
      await waitFor(() => expect(canvas.getByRole('button', { name: 'Move first_name up' })).toHaveFocus());
      await userEvent.keyboard('{Enter}');
      await expect(keys(canvas)).toEqual(['first_name', 'email', 'order_total']);
      await expect(canvas.getByRole('status')).toHaveTextContent('first_name moved to position 1');
    });

    await step('Remove a field', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Remove email' }));
      await expect(keys(canvas)).toEqual(['first_name', 'order_total']);
      await expect(JSON.parse(canvas.getByTestId('value').textContent ?? '[]')).toEqual([
        { key: 'first_name', from: 'person.first_name' },
        { key: 'order_total', from: 'activity.total' },
      ]);
    });
  },
};
