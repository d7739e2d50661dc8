import type { Plugin, Rolldown } from 'vite';

/**
 * The UI's script and stylesheet written into index.html, so the desktop window's
 * first page is one request to the shell instead of three (each goes from WebKit to
 * the shell's main thread, a task and back, while the window starts). Only for a
 * bundle of one script and at most one stylesheet; otherwise the build stays as Vite
 * made it.
 *
 * Inside the script, `<script` and `</script` (in the code's strings and regular
 * expressions) are written `\x3Cscript`: the same text to JavaScript, and nothing the
 * HTML parser reads as a tag.
 */
export function inlineBundle(): Plugin {
  return {
    name: 'outpost-inline-bundle',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const outputs = Object.values(bundle);
      const html = outputs.find((o): o is Rolldown.OutputAsset => o.type === 'asset' && o.fileName === 'index.html');
      const chunks = outputs.filter((o): o is Rolldown.OutputChunk => o.type === 'chunk');
      const styles = outputs.filter((o): o is Rolldown.OutputAsset => o.type === 'asset' && o.fileName.endsWith('.css'));
      const [chunk] = chunks;
      if (!html || !chunk || chunks.length > 1 || styles.length > 1) return;
      if (styles.some((s) => /<\/style/i.test(text(s)))) return;

      let page = text(html);
      for (const style of styles) {
        page = replaceTag(page, styleTag(style.fileName), `<style>${text(style)}</style>`);
      }
      // The script goes at the end of the body (a module runs after parsing wherever it
      // is), so the head holds no code and its first `</head>` is its end: the shell
      // puts the start-up answer there (src-tauri/src/first_page.rs).
      page = replaceTag(page, scriptTag(chunk.fileName), '');
      page = replaceTag(page, /<\/body>/i, `<script type="module">${scriptText(chunk.code)}</script></body>`);
      html.source = page;
      for (const output of [chunk, ...styles]) delete bundle[output.fileName];
    },
  };
}

/** `code` as the text of an inline `<script>`: see {@link inlineBundle}. */
export function scriptText(code: string): string {
  return code.replace(/<(\/?script)/gi, '\\x3C$1');
}

function text(asset: Rolldown.OutputAsset): string {
  return typeof asset.source === 'string' ? asset.source : new TextDecoder().decode(asset.source);
}

function scriptTag(file: string): RegExp {
  return new RegExp(`<script type="module"[^>]*src="[^"]*${literal(file)}"[^>]*></script>`);
}

function styleTag(file: string): RegExp {
  return new RegExp(`<link rel="stylesheet"[^>]*href="[^"]*${literal(file)}"[^>]*>`);
}

function replaceTag(page: string, tag: RegExp, element: string): string {
  if (!tag.test(page)) throw new Error(`index.html has no ${tag.source}`);
  // A function, so a `$` in the code is not read as a replacement pattern.
  return page.replace(tag, () => element);
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
