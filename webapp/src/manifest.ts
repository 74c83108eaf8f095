// The root plugin.json is generated and owned by the server build, so the id is
// pinned here and a test keeps the two in step.
const manifest = {
    id: 'hookbridge',
    version: '0.1.0',
} as const;

export default manifest;
export const PLUGIN_ID = manifest.id;
