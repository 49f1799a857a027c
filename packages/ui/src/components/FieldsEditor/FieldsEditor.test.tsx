import { zodResolver } from '@hookform/resolvers/zod';
import { type FieldMapping, webhookConfigSchema } from '@segment-webhook/core/contract';
import { screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { describe, expect, it, vi } from 'vitest';
import { renderWithKit } from '../../test/render';
import { FieldsEditor } from './FieldsEditor';

function Standalone({ initial, onChange }: { initial: FieldMapping[]; onChange?: (f: FieldMapping[]) => void }) {
  const [value, setValue] = useState(initial);
  return (
    <FieldsEditor
      aria-label="Fields"
      value={value}
      onChange={(next) => {
        setValue(next);
        onChange?.(next);
      }}
    />
  );
}

const keys = () => screen.getAllByLabelText('Property name').map((el) => (el as HTMLInputElement).value);

describe('FieldsEditor (standalone)', () => {
  it('adds a row, focuses its name, and fills it from the catalog', async () => {
    const onChange = vi.fn();
    const { user } = await renderWithKit(<Standalone initial={[]} onChange={onChange} />);
    expect(screen.getByText(/No additional fields/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Add field' }));
    const key = screen.getByLabelText('Property name');
    await waitFor(() => expect(key).toHaveFocus());
    await user.type(key, 'plan');
    await user.click(screen.getByRole('combobox', { name: 'Source' }));
    await user.click(await screen.findByRole('option', { name: 'Company' }));
    expect(onChange).toHaveBeenLastCalledWith([{ key: 'plan', from: 'person.company' }]);
  });

  it('focuses a new row even when an animation frame runs before React commits', async () => {
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
      callback(performance.now());
      return 0;
    });
    try {
      const { user } = await renderWithKit(<Standalone initial={[]} />);
      await user.click(screen.getByRole('button', { name: 'Add field' }));
      await waitFor(() => expect(screen.getByLabelText('Property name')).toHaveFocus());
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('switches a row to a constant value', async () => {
    const onChange = vi.fn();
    const { user } = await renderWithKit(
      <Standalone initial={[{ key: 'src', from: 'person.email' }]} onChange={onChange} />,
    );
    await user.click(screen.getByRole('combobox', { name: 'Source' }));
    await user.click(await screen.findByRole('option', { name: 'Constant' }));
    await user.type(screen.getByLabelText('Value'), 'ortto');
    expect(onChange).toHaveBeenLastCalledWith([{ key: 'src', value: 'ortto' }]);
  });

  it('reorders with the move buttons and keeps focus on the moved row', async () => {
    const { user } = await renderWithKit(
      <Standalone
        initial={[
          { key: 'a', from: 'person.email' },
          { key: 'b', from: 'person.city' },
          { key: 'c', value: '1' },
        ]}
      />,
    );
    expect(screen.getByRole('button', { name: 'Move a up' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Move c down' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Move c up' }));
    expect(keys()).toEqual(['a', 'c', 'b']);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Move c up' })).toHaveFocus());
    await user.keyboard('{Enter}');
    expect(keys()).toEqual(['c', 'a', 'b']);
    // At the top, focus falls back to the row's other move button.
    await waitFor(() => expect(screen.getByRole('button', { name: 'Move c down' })).toHaveFocus());
    expect(screen.getByRole('status')).toHaveTextContent('c moved to position 1');
    await user.click(screen.getByRole('button', { name: 'Move a down' }));
    expect(keys()).toEqual(['c', 'b', 'a']);
  });

  it('removes a row and moves focus to the next one', async () => {
    const { user } = await renderWithKit(
      <Standalone
        initial={[
          { key: 'a', from: 'person.email' },
          { key: 'b', from: 'person.city' },
        ]}
      />,
    );
    await user.click(screen.getByRole('button', { name: 'Remove a' }));
    expect(keys()).toEqual(['b']);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Remove b' })).toHaveFocus());
  });

  it('flags invalid and duplicate names once the field is left', async () => {
    const { user } = await renderWithKit(
      <Standalone
        initial={[
          { key: 'email', from: 'person.email' },
          { key: 'email', from: 'person.city' },
        ]}
      />,
    );
    const [first, second] = screen.getAllByLabelText('Property name') as [HTMLInputElement, HTMLInputElement];
    expect(screen.queryByText('This property name is already used')).not.toBeInTheDocument();
    await user.click(second);
    await user.tab();
    expect(second).toHaveAttribute('aria-invalid', 'true');
    expect(second).toHaveAccessibleDescription('This property name is already used');
    await user.clear(first);
    await user.type(first, '9lives');
    await user.tab();
    expect(first).toHaveAccessibleDescription(/Start with a letter or _/);
    // The duplicate is gone once the first name changed.
    expect(second).not.toHaveAttribute('aria-invalid');
  });

  it('uses a catalog passed as a prop without calling GET /fields', async () => {
    const { user, backend } = await renderWithKit(
      <FieldsEditor
        value={[{ key: 'x', from: '' }]}
        onChange={() => {}}
        catalog={{ person: [{ key: 'person.tier', label: 'Tier' }], activity: [] }}
      />,
    );
    await user.click(screen.getByRole('combobox', { name: 'Source' }));
    expect(await screen.findByRole('option', { name: 'Tier' })).toBeInTheDocument();
    expect(backend.requestsTo('GET /fields')).toHaveLength(0);
  });
});

const formSchema = webhookConfigSchema.pick({ fields: true });

function Form({ onSubmit }: { onSubmit: (values: { fields: FieldMapping[] }) => void }) {
  const form = useForm<{ fields: FieldMapping[] }>({
    resolver: zodResolver(formSchema),
    defaultValues: { fields: [{ key: 'email', from: 'person.email' }] },
  });
  return (
    <form onSubmit={form.handleSubmit(onSubmit)}>
      <FieldsEditor control={form.control} name="fields" aria-label="Fields" />
      <button type="submit">Save</button>
    </form>
  );
}

describe('FieldsEditor (in a react-hook-form form)', () => {
  it('submits the edited array and shows the resolver’s row errors', async () => {
    const onSubmit = vi.fn();
    const { user } = await renderWithKit(<Form onSubmit={onSubmit} />);
    await user.click(screen.getByRole('button', { name: 'Add field' }));
    await user.type(screen.getAllByLabelText('Property name')[1]!, 'email');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(onSubmit).not.toHaveBeenCalled();
    const rows = screen.getAllByRole('listitem');
    // The resolver's errors render as the validation settles: wait for both.
    await waitFor(() =>
      expect(within(rows[1]!).getByLabelText('Property name')).toHaveAccessibleDescription(
        'This property name is already used',
      ),
    );
    expect(await within(rows[1]!).findByText('Choose a person or activity field')).toBeInTheDocument();

    await user.clear(within(rows[1]!).getByLabelText('Property name'));
    await user.type(within(rows[1]!).getByLabelText('Property name'), 'city');
    await user.click(within(rows[1]!).getByRole('combobox', { name: 'Source' }));
    await user.click(await screen.findByRole('option', { name: 'City' }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(onSubmit).toHaveBeenCalledWith(
        {
          fields: [
            { key: 'email', from: 'person.email' },
            { key: 'city', from: 'person.city' },
          ],
        },
        expect.anything(),
      ),
    );
  });
});
