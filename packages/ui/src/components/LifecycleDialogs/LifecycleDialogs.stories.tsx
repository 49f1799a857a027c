import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, fn, screen, userEvent, waitFor, within } from 'storybook/test';
import { Button } from '../../primitives';
import { LifecycleDialog, type LifecycleDialogProps } from './LifecycleDialogs';

/** The dialog with a button that reopens it. */
function Harness(props: Omit<LifecycleDialogProps, 'open' | 'onOpenChange'>) {
  const [open, setOpen] = useState(true);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Open</Button>
      <LifecycleDialog {...props} open={open} onOpenChange={setOpen} />
    </>
  );
}

const meta = {
  title: 'Components/LifecycleDialogs',
  tags: ['autodocs'],
  parameters: {
    docs: {
      story: { height: '420px' },
      propsOf: LifecycleDialog,
      description: {
        component:
          "The confirmation of a lifecycle step (disconnect, reconnect, archive, unarchive, delete) as an alert dialog that focuses Cancel. Use it whenever a user changes a webhook's status; DataSourceView opens it from its Actions menu.",
      },
    },
  },
  component: Harness,
  args: { action: 'disconnect', webhookName: 'Orders to Segment', onConfirm: fn(async () => {}) },
} satisfies Meta<typeof Harness>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Disconnect: nothing more is sent, queued deliveries are held. Cancel has focus. */
export const Disconnect: Story = {
  play: async ({ args }) => {
    const dialog = await screen.findByRole('alertdialog', { name: 'Disconnect Orders to Segment?' });
    await expect(within(dialog).getByText(/held, not lost/)).toBeVisible();
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await userEvent.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    await expect(args.onConfirm).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
  },
};

/** Reconnect: held deliveries go out. */
export const Reconnect: Story = { args: { action: 'reconnect' } };

/** Archive: releases the outbound activity streams. */
export const Archive: Story = {
  args: { action: 'archive' },
  play: async () => {
    const dialog = await screen.findByRole('alertdialog', { name: 'Archive Orders to Segment?' });
    await expect(within(dialog).getByText(/releases its outbound activity streams/)).toBeVisible();
  },
};

/** Unarchive. */
export const Unarchive: Story = { args: { action: 'unarchive' } };

/** Delete asks for the webhook's name to be typed. */
export const Delete: Story = {
  args: { action: 'delete' },
  play: async ({ args }) => {
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete Orders to Segment?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete' });
    await expect(confirm).toBeDisabled();
    const input = within(dialog).getByRole('textbox', { name: 'Type the name to confirm' });
    await userEvent.type(input, 'Orders to');
    await expect(confirm).toBeDisabled();
    await userEvent.type(input, ' Segment{Enter}');
    await expect(args.onConfirm).toHaveBeenCalledTimes(1);
  },
};

/** Confirm is disabled while the request runs. */
export const Pending: Story = {
  args: { onConfirm: fn(() => new Promise<void>(() => {})) },
  play: async () => {
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    await expect(within(dialog).getByRole('button', { name: 'Disconnect' })).toBeDisabled();
  },
};

/** A failed request: the error shows inline and the dialog stays open. */
export const ServerError: Story = {
  args: {
    action: 'delete',
    onConfirm: fn(async () => {
      throw new Error('Archive the webhook before deleting it.');
    }),
  },
  play: async () => {
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Type the name to confirm' }),
      'Orders to Segment',
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await expect(await within(dialog).findByRole('alert')).toHaveTextContent('Archive the webhook before deleting it.');
    await expect(within(dialog).getByRole('button', { name: 'Delete' })).toBeEnabled();
  },
};

/**
 * Reconnect after events were recorded while disconnected: the dialog shows how many and offers to send them
 * now (with their original times and message ids) or to reconnect without them.
 */
export const ReconnectWithSkippedEvents: Story = {
  args: { action: 'reconnect', skippedSinceDisconnect: 42 },
  play: async ({ args }) => {
    const dialog = await screen.findByRole('alertdialog', { name: 'Reconnect Orders to Segment?' });
    const group = within(dialog).getByRole('group', { name: '42 events were recorded while disconnected' });
    await expect(within(group).getByRole('radio', { name: 'Send them now' })).toBeChecked();
    await userEvent.click(within(group).getByRole('radio', { name: 'Reconnect without them' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    await expect(args.onConfirm).toHaveBeenCalledWith({ backfill: false });
  },
};

/** Reconnect with one skipped event, sent now (the default choice). */
export const ReconnectSendingSkippedEvent: Story = {
  args: { action: 'reconnect', skippedSinceDisconnect: 1 },
  play: async ({ args }) => {
    const dialog = await screen.findByRole('alertdialog');
    await expect(within(dialog).getByRole('group')).toHaveAccessibleName('1 event was recorded while disconnected');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    await expect(args.onConfirm).toHaveBeenCalledWith({ backfill: true });
  },
};
