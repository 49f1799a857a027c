export {
  type FieldRowErrors,
  FieldsEditor,
  type FieldsEditorFormProps,
  type FieldsEditorProps,
  type FieldsEditorStandaloneProps,
} from './FieldsEditor';
