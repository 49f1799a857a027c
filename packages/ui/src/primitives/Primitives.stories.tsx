import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, within } from 'storybook/test';
import { AlertDialog, Badge, Button, Callout, CodeBlock, Field, Meter, Select, TextInput } from '.';

function Gallery() {
  const [value, setValue] = useState('');
  const [open, setOpen] = useState(false);
  return (
    <div className="swk-root swk-stack" style={{ maxWidth: 520 }}>
      <div className="swk-row">
        <Button variant="primary">Primary</Button>
        <Button>Secondary</Button>
        <Button variant="ghost">Ghost</Button>
        <Button variant="danger">Danger</Button>
        <Button loading disabled>
          Loading
        </Button>
      </div>
      <div className="swk-row">
        <Badge tone="success">Active</Badge>
        <Badge tone="warning">Needs attention</Badge>
        <Badge tone="danger">Failed</Badge>
        <Badge tone="info">Retrying</Badge>
        <Badge>Archived</Badge>
      </div>
      <Field label="Name" hint="A hint under the label" error="An error beside the field">
        {(control) => <TextInput {...control} defaultValue="Orders" />}
      </Field>
      <Field label="Region">
        {(control) => (
          <Select
            {...control}
            value={value}
            onValueChange={setValue}
            placeholder="Choose"
            options={[
              { value: 'us', label: 'US' },
              { value: 'eu', label: 'EU' },
            ]}
          />
        )}
      </Field>
      <Meter value={4} max={5} aria-label="Streams" valueText="4 of 5 used" />
      <Callout tone="warning" title="Heads up">
        <p>Segment answers 200 even for an unknown write key.</p>
      </Callout>
      <CodeBlock label="Example" code={JSON.stringify({ type: 'track', event: 'Order placed' }, null, 2)} />
      <Button onClick={() => setOpen(true)}>Open alert dialog</Button>
      <AlertDialog
        open={open}
        onOpenChange={setOpen}
        title="Disconnect Orders?"
        description="Nothing new will be sent to Segment until you reconnect."
        confirmLabel="Disconnect"
        onConfirm={() => setOpen(false)}
      />
    </div>
  );
}

const meta = {
  title: 'Primitives/Gallery',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          'The building blocks the components share: buttons, badges, callouts, fields, selects and dialogs. Use them inside the kit, or to build host screens that match it.',
      },
    },
  },
  component: Gallery,
} satisfies Meta<typeof Gallery>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Every primitive in its default state. */
export const Default: Story = {};

/** The alert dialog focuses Cancel and closes with it. */
export const AlertDialogFocus: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Open alert dialog' }));
    const dialog = await within(document.body).findByRole('alertdialog', { name: 'Disconnect Orders?' });
    await expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await expect(within(document.body).queryByRole('alertdialog')).toBeNull();
  },
};
