// Names the README snippets leave to the reader's own code.
declare const token: string;
declare const writeKey: string;
declare function go(path: string): void;
declare function navigate(path: string): void;
