export { Badge, type BadgeProps, type BadgeTone } from './Badge';
export { Button, type ButtonProps } from './Button';
export { Callout, type CalloutProps } from './Callout';
export { CodeBlock, type CodeBlockProps } from './CodeBlock';
export { cx } from './cx';
export { AlertDialog, type AlertDialogProps, Dialog, type DialogProps } from './Dialog';
export { Field, type FieldControlProps, FieldError, type FieldProps } from './Field';
export {
  AlertIcon,
  ArrowDownIcon,
  ArrowUpIcon,
  CheckIcon,
  ChevronDownIcon,
  ExternalLinkIcon,
  EyeIcon,
  EyeOffIcon,
  MoreIcon,
  PencilIcon,
  PlusIcon,
  TrashIcon,
} from './icons';
export { Menu, MenuContent, MenuItem, MenuSeparator, MenuTrigger } from './Menu';
export { Meter, type MeterProps } from './Meter';
export { Select, type SelectGroup, type SelectOption, type SelectProps } from './Select';
export { Skeleton } from './Skeleton';
export { Spinner } from './Spinner';
export { Tabs, TabsContent, TabsList, TabsTrigger } from './Tabs';
export { TextInput, type TextInputProps } from './TextInput';
export { usePortalThemeProps } from './theme';
export { type FocusTarget, useFocusAfterRender } from './use-focus-after-render';
export { VisuallyHidden } from './VisuallyHidden';
