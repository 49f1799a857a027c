export { accountOf, resolveAccount } from './account';
export { catalog, plan } from './catalog';
export { type ExampleEnv, readEnv } from './env';
export { type RunningKit, startKit } from './kit';
