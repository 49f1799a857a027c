import { Select as RadixSelect } from 'radix-ui';
import type { Ref } from 'react';
import { cx } from './cx';
import { CheckIcon, ChevronDownIcon } from './icons';
import { usePortalThemeProps } from './theme';

/** One option of a {@link Select}. */
export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
}

/** A labelled group of options. */
export interface SelectGroup {
  label: string;
  options: SelectOption[];
}

/** Props of {@link Select}. */
export interface SelectProps {
  /** The trigger's id (for `<label htmlFor>`). */
  id?: string;
  /** Selected value; `''` shows the placeholder. */
  value: string;
  onValueChange: (value: string) => void;
  /** Flat options, or groups (e.g. Person fields / Activity fields). */
  options: Array<SelectOption | SelectGroup>;
  /** Shown when nothing is selected. */
  placeholder?: string;
  disabled?: boolean;
  /** Form field name (renders a hidden native select for form submission). */
  name?: string;
  className?: string;
  'aria-label'?: string;
  'aria-labelledby'?: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
  onBlur?: () => void;
  ref?: Ref<HTMLButtonElement>;
}

function isGroup(option: SelectOption | SelectGroup): option is SelectGroup {
  return 'options' in option;
}

function Item({ option }: { option: SelectOption }) {
  return (
    <RadixSelect.Item className="swk-select__item" value={option.value} disabled={option.disabled ?? false}>
      <RadixSelect.ItemText>{option.label}</RadixSelect.ItemText>
      <RadixSelect.ItemIndicator className="swk-select__indicator">
        <CheckIcon />
      </RadixSelect.ItemIndicator>
    </RadixSelect.Item>
  );
}

/** An accessible select on Radix Select (a combobox button and a listbox in a portal). */
export function Select({
  id,
  value,
  onValueChange,
  options,
  placeholder,
  disabled,
  name,
  className,
  onBlur,
  ref,
  ...aria
}: SelectProps) {
  const theme = usePortalThemeProps();
  return (
    <RadixSelect.Root value={value} onValueChange={onValueChange} disabled={disabled ?? false} name={name}>
      <RadixSelect.Trigger
        ref={ref}
        id={id}
        className={cx('swk-select', className)}
        onBlur={onBlur}
        aria-label={aria['aria-label']}
        aria-labelledby={aria['aria-labelledby']}
        aria-describedby={aria['aria-describedby']}
        aria-invalid={aria['aria-invalid']}
      >
        <RadixSelect.Value placeholder={placeholder} />
        <RadixSelect.Icon className="swk-select__icon">
          <ChevronDownIcon />
        </RadixSelect.Icon>
      </RadixSelect.Trigger>
      <RadixSelect.Portal>
        <RadixSelect.Content className="swk-theme swk-select__content" position="popper" sideOffset={4} {...theme}>
          <RadixSelect.Viewport className="swk-select__viewport">
            {options.map((option) =>
              isGroup(option) ? (
                <RadixSelect.Group key={option.label}>
                  <RadixSelect.Label className="swk-select__group-label">{option.label}</RadixSelect.Label>
                  {option.options.map((item) => (
                    <Item key={item.value} option={item} />
                  ))}
                </RadixSelect.Group>
              ) : (
                <Item key={option.value} option={option} />
              ),
            )}
          </RadixSelect.Viewport>
        </RadixSelect.Content>
      </RadixSelect.Portal>
    </RadixSelect.Root>
  );
}
