import { describe, expect, it } from 'vitest';
import type { Rolldown } from 'vite';
import { inlineBundle, scriptText } from '../../build/inlineBundle';

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Outpost</title>
    <script type="module" crossorigin src="./assets/index-abc.js"></script>
    <link rel="stylesheet" crossorigin href="./assets/index-def.css">
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`;
const CODE = 'const doc = `<html><head></head><body>${x}</body></html>`; const end = "</script>"; const re = /<\\/SCRIPT>/i;';

function bundle(code = CODE, css = 'body{margin:0}'): Record<string, unknown> {
  return {
    'index.html': { type: 'asset', fileName: 'index.html', source: PAGE },
    'assets/index-abc.js': { type: 'chunk', fileName: 'assets/index-abc.js', code },
    'assets/index-def.css': { type: 'asset', fileName: 'assets/index-def.css', source: css },
  };
}

function build(outputs: Record<string, unknown>): Record<string, unknown> {
  const hook = inlineBundle().generateBundle as (o: unknown, b: Rolldown.OutputBundle) => void;
  hook.call({}, {}, outputs as unknown as Rolldown.OutputBundle);
  return outputs;
}

const page = (outputs: Record<string, unknown>) => (outputs['index.html'] as { source: string }).source;

describe('inlineBundle', () => {
  it('writes the stylesheet into the head and the script at the end of the body', () => {
    const out = build(bundle());
    expect(Object.keys(out)).toEqual(['index.html']);
    const html = page(out);
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head).toContain('<style>body{margin:0}</style>');
    expect(head).not.toContain('<script');
    expect(html).toMatch(/<div id="app"><\/div>\s*<script type="module">const doc = /);
    expect(html.trimEnd().endsWith('</script></body>\n</html>')).toBe(true);
  });

  it('leaves nothing in the code the HTML parser would read as the end of the script', () => {
    const html = page(build(bundle()));
    const code = html.slice(html.indexOf('<script type="module">') + '<script type="module">'.length, html.lastIndexOf('</script>'));
    expect(code).not.toMatch(/<\/?script/i);
    // The same program: each escaped string reads back as written.
    const read = (js: string) => new Function('x', `${js}; return [doc, end, re.source];`)('X');
    expect(read(code)).toEqual(read(CODE));
  });

  it('leaves a bundle of more than one script as Vite made it', () => {
    const outputs = { ...bundle(), 'assets/lazy.js': { type: 'chunk', fileName: 'assets/lazy.js', code: '' } };
    const out = build(outputs);
    expect(page(out)).toBe(PAGE);
    expect(Object.keys(out)).toHaveLength(4);
  });

  it('leaves a stylesheet that would end its element where it is', () => {
    const out = build(bundle(CODE, 'a::after{content:"</style>"}'));
    expect(page(out)).toBe(PAGE);
  });

  it('reads a stylesheet given as bytes', () => {
    const outputs = bundle();
    (outputs['assets/index-def.css'] as { source: unknown }).source = new TextEncoder().encode('p{color:red}');
    expect(page(build(outputs))).toContain('<style>p{color:red}</style>');
  });

  it('keeps a $ in the code as it is', () => {
    expect(scriptText('a.replace(/x/, "$&$1")')).toBe('a.replace(/x/, "$&$1")');
    expect(page(build(bundle('const p = "$&$`";')))).toContain('const p = "$&$`";');
  });
});
