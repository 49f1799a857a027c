import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SegmentWebhookProvider } from '../../provider';
import { allowedLifecycleActions, LifecycleDialog, type LifecycleDialogAction } from './LifecycleDialogs';

function Harness({
  action,
  onConfirm,
  skipped,
}: {
  action: LifecycleDialogAction;
  onConfirm: (choice: { backfill: boolean }) => Promise<unknown>;
  skipped?: number;
}) {
  const [open, setOpen] = useState(true);
  return (
    // The dialog makes no request: its onConfirm does.
    <SegmentWebhookProvider baseUrl="/api/segment-webhooks">
      <p>Outside</p>
      <LifecycleDialog
        action={action}
        webhookName="Orders"
        open={open}
        onOpenChange={setOpen}
        onConfirm={onConfirm}
        {...(skipped !== undefined ? { skippedSinceDisconnect: skipped } : {})}
      />
    </SegmentWebhookProvider>
  );
}

describe('LifecycleDialog', () => {
  it('focuses Cancel, says what will happen and ignores outside clicks', async () => {
    // The modal makes the page inert (pointer-events: none); click through to it anyway.
    const user = userEvent.setup({ pointerEventsCheck: 0 });
    render(<Harness action="disconnect" onConfirm={vi.fn(async () => {})} />);
    const dialog = await screen.findByRole('alertdialog', { name: 'Disconnect Orders?' });
    expect(dialog).toHaveAccessibleDescription(/Nothing more is sent to Segment/);
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await user.click(screen.getByText('Outside'));
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
  });

  it('disables Confirm while pending, then closes on success', async () => {
    const user = userEvent.setup();
    let resolve: () => void = () => {};
    const onConfirm = vi.fn(() => new Promise<void>((r) => (resolve = r)));
    render(<Harness action="archive" onConfirm={onConfirm} />);
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog).toHaveTextContent(/releases its outbound activity streams/);
    await user.click(within(dialog).getByRole('button', { name: 'Archive' }));
    expect(within(dialog).getByRole('button', { name: 'Archive' })).toBeDisabled();
    await user.click(within(dialog).getByRole('button', { name: 'Archive' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    resolve();
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
  });

  it('shows an error inline with role="alert" and stays open', async () => {
    const user = userEvent.setup();
    render(
      <Harness
        action="reconnect"
        onConfirm={async () => {
          throw new Error('Segment is unreachable.');
        }}
      />,
    );
    const dialog = await screen.findByRole('alertdialog');
    await user.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Segment is unreachable.');
    expect(within(dialog).getByRole('button', { name: 'Reconnect' })).toBeEnabled();
  });

  it('asks for the exact name before deleting; Enter confirms once it matches', async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn(async () => {});
    render(<Harness action="delete" onConfirm={onConfirm} />);
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete Orders?' });
    const input = within(dialog).getByRole('textbox', { name: 'Type the name to confirm' });
    await user.type(input, 'Order{Enter}');
    expect(onConfirm).not.toHaveBeenCalled();
    expect(within(dialog).getByRole('button', { name: 'Delete' })).toBeDisabled();
    await user.type(input, 's{Enter}');
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});

describe('LifecycleDialog reconnect with skipped events', () => {
  it('shows how many were skipped and sends them by default', async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn(async () => {});
    render(<Harness action="reconnect" skipped={1234} onConfirm={onConfirm} />);
    const dialog = await screen.findByRole('alertdialog', { name: 'Reconnect Orders?' });
    const group = within(dialog).getByRole('group', { name: '1,234 events were recorded while disconnected' });
    expect(within(group).getByRole('radio', { name: 'Send them now' })).toBeChecked();
    expect(within(group).getByRole('radio', { name: 'Send them now' })).toHaveAccessibleDescription(
      /original times and message ids/,
    );
    await user.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    expect(onConfirm).toHaveBeenCalledWith({ backfill: true });
  });

  it('reconnects without them when asked', async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn(async () => {});
    render(<Harness action="reconnect" skipped={1} onConfirm={onConfirm} />);
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByRole('group')).toHaveAccessibleName('1 event was recorded while disconnected');
    await user.click(within(dialog).getByRole('radio', { name: 'Reconnect without them' }));
    expect(within(dialog).getByRole('radio', { name: 'Send them now' })).not.toBeChecked();
    await user.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    expect(onConfirm).toHaveBeenCalledWith({ backfill: false });
  });

  it('offers no choice when nothing was skipped, nor for other actions', async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn(async () => {});
    const { unmount } = render(<Harness action="reconnect" skipped={0} onConfirm={onConfirm} />);
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).queryByRole('radio')).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    expect(onConfirm).toHaveBeenCalledWith({ backfill: false });
    unmount();
    render(<Harness action="archive" skipped={5} onConfirm={onConfirm} />);
    expect(within(await screen.findByRole('alertdialog')).queryByRole('radio')).not.toBeInTheDocument();
  });
});

describe('allowedLifecycleActions', () => {
  it('follows active ⇄ disconnected ⇄ archived, delete only when archived', () => {
    expect(allowedLifecycleActions('active')).toEqual(['disconnect']);
    expect(allowedLifecycleActions('disconnected')).toEqual(['reconnect', 'archive']);
    expect(allowedLifecycleActions('archived')).toEqual(['unarchive', 'delete']);
  });
});
