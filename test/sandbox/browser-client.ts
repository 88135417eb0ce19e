/** The scripted browser lives with the sandbox (src/sandbox/browser.ts); tests import it from here. */
export * from '../../src/sandbox/browser.js';
