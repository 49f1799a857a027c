/** Test helpers shared by the engine's suites, the demo's tests and the benchmarks (not published). */
export * from './cluster';
export * from './held-segment';
export * from './logs';
export * from './postgres';
export * from './processes';
export * from './small-filesystem';
export * from './stores';
