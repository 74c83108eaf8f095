import fs from 'fs';
import path from 'path';

import manifest, {PLUGIN_ID} from './manifest';

describe('manifest', () => {
    test('has an id and a version', () => {
        expect(manifest.id).toBe('hookbridge');
        expect(PLUGIN_ID).toBe(manifest.id);
        expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    });

    test('id matches the root plugin.json when present', () => {
        const rootManifest = path.resolve(__dirname, '../../plugin.json');
        if (!fs.existsSync(rootManifest)) {
            return;
        }
        const parsed = JSON.parse(fs.readFileSync(rootManifest, 'utf8')) as {id?: string};
        expect(parsed.id).toBe(manifest.id);
    });
});
