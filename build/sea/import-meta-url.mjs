// Injected into the CommonJS server bundle, which has no import.meta of its own.
// In a SEA, __filename is the executable, so relative URLs resolve next to it.
import {pathToFileURL} from 'node:url';

export const importMetaUrl = /* @__PURE__ */ (() => pathToFileURL(__filename).href)();
