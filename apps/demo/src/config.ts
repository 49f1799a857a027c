/** Where the demo server mounts the kit's REST router. */
export const API_BASE = '/api/segment-webhooks';
/** The demo server's own routes (debugger feed, server info). */
export const DEMO_API = '/api/demo';
