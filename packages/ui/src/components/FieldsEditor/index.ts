export {
  FieldsEditor,
  type FieldRowErrors,
  type FieldsEditorFormProps,
  type FieldsEditorProps,
  type FieldsEditorStandaloneProps,
} from './FieldsEditor';
