export {
  allowedLifecycleActions,
  ConfirmDialog,
  type ConfirmDialogProps,
  LifecycleDialog,
  type LifecycleDialogAction,
  type LifecycleDialogProps,
} from './LifecycleDialogs';
