// Every ```mermaid block of the Markdown files given parses with mermaid's
// own parser: what GitHub, GitLab and Gitea render on the forge. A block
// that does not parse shows there as an error box instead of a picture.
//
// Usage: node check_mermaid.mjs FILE.md...   (scripts/sanity.sh diagrams)
// Runs from a directory holding node_modules with the versions pinned in
// tests/diagrams/package.json; jsdom gives mermaid the DOM its label
// sanitizer (DOMPurify) needs.  Parsing checks syntax and the diagram type,
// not layout: rendering needs a browser.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

// The diagram types used here, which every forge's mermaid renders.
const KNOWN_TYPES = new Set(['flowchart-v2', 'sequence']);

function blocks(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const found = [];
  let current = null;
  lines.forEach((line, index) => {
    if (current === null && /^```mermaid\s*$/.test(line)) {
      current = { path, line: index + 1, text: [] };
    } else if (current !== null && /^```\s*$/.test(line)) {
      found.push({ ...current, text: current.text.join('\n') });
      current = null;
    } else if (current !== null) {
      current.text.push(line);
    }
  });
  if (current !== null) {
    found.push({ ...current, text: null });
  }
  return found;
}

let passed = 0;
let failed = 0;
for (const path of process.argv.slice(2)) {
  for (const block of blocks(path)) {
    const where = `${block.path}:${block.line}`;
    try {
      if (block.text === null) {
        throw new Error('the block is never closed');
      }
      const { diagramType } = await mermaid.parse(block.text);
      if (!KNOWN_TYPES.has(diagramType)) {
        throw new Error(`diagram type ${diagramType}: use one of ${[...KNOWN_TYPES].join(', ')} ` +
                        '(or add it to KNOWN_TYPES once the forges render it)');
      }
      console.log(`[diagrams] ok ${where} (${diagramType})`);
      passed += 1;
    } catch (error) {
      console.error(`[diagrams] FAIL ${where}: ${String(error.message || error).split('\n').slice(0, 4).join(' | ')}`);
      failed += 1;
    }
  }
}
console.log(`diagrams: ${passed} passed, ${failed} failed`);
if (passed + failed === 0) {
  console.error('[diagrams] no mermaid block found');
  process.exit(1);
}
process.exit(failed ? 1 : 0);
