import { createHash } from 'node:crypto';

/** Text made safe to place in HTML, including attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;margin:4rem auto;padding:0 1rem;color:#1f2328}' +
  'th{text-align:left;padding-right:1rem;vertical-align:top}code{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px}';
const PAGE_STYLES = {
  narrow: `${PAGE_STYLE}body{max-width:36rem}`,
  wide: `${PAGE_STYLE}body{max-width:44rem}`,
};

/**
 * The Content-Security-Policy sources of the pages' only inline content, their two style
 * blocks, by hash: no 'unsafe-inline', and no script at all.
 */
export const PAGE_STYLE_SOURCES: string[] = Object.values(PAGE_STYLES).map(
  (style) => `'sha256-${createHash('sha256').update(style).digest('base64')}'`,
);

/**
 * A whole page in the service's one plain look, for the few pages people see (sign-in errors,
 * test sign-in reports). `title` is text; `body` is HTML whose every value the caller escaped.
 */
export function htmlPage(title: string, body: string, options: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${options.wide ? PAGE_STYLES.wide : PAGE_STYLES.narrow}</style>
</head><body>
${body}
</body></html>`;
}
