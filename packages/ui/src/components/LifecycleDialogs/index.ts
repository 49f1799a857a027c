export {
  allowedLifecycleActions,
  ConfirmDialog,
  type ConfirmDialogProps,
  LifecycleDialog,
  type LifecycleDialogAction,
  type LifecycleDialogChoice,
  type LifecycleDialogProps,
} from './LifecycleDialogs';
