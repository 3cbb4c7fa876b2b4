/** Text made safe to place in HTML, including attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;margin:4rem auto;padding:0 1rem;color:#1f2328}' +
  'th{text-align:left;padding-right:1rem;vertical-align:top}code{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px}';

/**
 * A whole page in the service's one plain look, for the few pages people see (sign-in errors,
 * test sign-in reports). `title` is text; `body` is HTML whose every value the caller escaped.
 */
export function htmlPage(title: string, body: string, options: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}body{max-width:${options.wide ? '44rem' : '36rem'}}</style>
</head><body>
${body}
</body></html>`;
}
