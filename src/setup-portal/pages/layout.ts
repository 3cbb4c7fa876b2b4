import { escapeHtml } from '../../common/html';

export type SetupStep = 'summary' | 'domains' | 'identity-provider' | 'test' | 'roles' | 'require-sso';

const STEPS: readonly { step: SetupStep; label: string }[] = [
  { step: 'summary', label: 'Overview' },
  { step: 'domains', label: '1. Domains' },
  { step: 'identity-provider', label: '2. Identity provider' },
  { step: 'test', label: '3. Test sign-in' },
  { step: 'roles', label: '4. Groups and roles' },
  { step: 'require-sso', label: '5. Require SSO' },
];

export function stepPath(step: SetupStep): string {
  return step === 'summary' ? '/setup' : `/setup/${step}`;
}

/** The portal's stylesheet, served as a file (/setup/assets/portal.css) so the pages carry no inline style. */
export const PORTAL_STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#f6f8fa}
a{color:#0b57d0}header{background:#1f2328;color:#fff;padding:.9rem 1.5rem}header p{margin:0;opacity:.8;font-size:.9rem}
header h1{margin:0;font-size:1.15rem}.shell{display:flex;gap:1.5rem;max-width:64rem;margin:1.5rem auto;padding:0 1rem}
nav ol{list-style:none;margin:0;padding:0;min-width:12rem}nav a{display:block;padding:.45rem .75rem;border-radius:6px;text-decoration:none;color:#1f2328}
nav a[aria-current=page]{background:#dde7fb;font-weight:600}nav .done::after{content:" ✓";color:#1a7f37}
main{flex:1;background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:1.5rem 2rem;min-width:0}
h2{margin-top:0}label{display:block;font-weight:600;margin:.9rem 0 .25rem}.help{color:#57606a;font-size:.9rem;margin:.15rem 0}
input[type=text],input[type=password],input[type=date],input[type=email],select{width:100%;max-width:32rem;padding:.5rem;border:1px solid #8c959f;border-radius:6px;font:inherit}
input[aria-invalid=true]{border-color:#cf222e}.error{color:#cf222e;font-weight:600;margin:.25rem 0}
button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;cursor:pointer;margin-top:1rem}
button.secondary{background:#fff;color:#1f6feb}button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #fb8c00;outline-offset:2px}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
code{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px;word-break:break-all}.status{font-weight:600}.status-VERIFIED,.ok{color:#1a7f37}
.status-FAILED,.bad{color:#cf222e}.status-PENDING{color:#9a6700}.notice{background:#ddf4ff;border:1px solid #54aeff;border-radius:6px;padding:.75rem 1rem}
.alert{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:.75rem 1rem}ol.guide li{margin:.4rem 0}.inline{display:inline}
.copy{margin:0 0 0 .5rem;padding:.1rem .5rem;font-size:.85rem}.visually-hidden{position:absolute;left:-9999px}
`;

export interface PortalFrame {
  organizationName: string;
  active: SetupStep;
  done: ReadonlySet<SetupStep>;
  /** A short message at the top of the page (after a change), announced to screen readers. */
  flash?: string;
}

/** A portal page: the organization, the steps, and the step's content (HTML the caller escaped). */
export function portalPage(frame: PortalFrame, title: string, body: string): string {
  const nav = STEPS.map(({ step, label }) => {
    const current = step === frame.active ? ' aria-current="page"' : '';
    const done = frame.done.has(step) ? ' class="done"' : '';
    const status = frame.done.has(step) ? '<span class="visually-hidden"> (done)</span>' : '';
    return `<li><a href="${stepPath(step)}"${current}${done}>${escapeHtml(label)}${status}</a></li>`;
  }).join('');
  const flash = frame.flash ? `<p class="notice" role="status">${escapeHtml(frame.flash)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · SSO setup for ${escapeHtml(frame.organizationName)}</title>
<link rel="stylesheet" href="/setup/assets/portal.css"><script src="/setup/assets/portal.js" defer></script>
</head><body>
<header><p>Single sign-on setup</p><h1>${escapeHtml(frame.organizationName)}</h1></header>
<div class="shell"><nav aria-label="Setup steps"><ol>${nav}</ol></nav>
<main id="main"><h2>${escapeHtml(title)}</h2>${flash}
${body}
</main></div></body></html>`;
}

/** A page outside a portal session (the link's landing page, a refused link). */
export function plainPortalPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/setup/assets/portal.css"></head><body>
<header><p>Single sign-on setup</p><h1>${escapeHtml(title)}</h1></header>
<div class="shell"><main id="main">${body}</main></div></body></html>`;
}

/** A form posting to `action` with the session's CSRF token. */
export function form(action: string, csrfToken: string, inner: string, options: { inline?: boolean } = {}): string {
  return `<form method="post" action="${escapeHtml(action)}"${options.inline ? ' class="inline"' : ''}>
<input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}">${inner}</form>`;
}

export interface FieldOptions {
  name: string;
  label: string;
  value?: string | null;
  type?: 'text' | 'password' | 'date' | 'email';
  help?: string;
  error?: string;
  required?: boolean;
  autocomplete?: string;
}

/** A labelled input, its help and its error tied to it for screen readers. */
export function field(options: FieldOptions): string {
  const id = `field-${options.name}`;
  const described = [options.help ? `${id}-help` : '', options.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return `<label for="${id}">${escapeHtml(options.label)}${options.required ? '' : ' <span class="help">(optional)</span>'}</label>
${options.help ? `<p class="help" id="${id}-help">${escapeHtml(options.help)}</p>` : ''}${options.error ? `<p class="error" id="${id}-error">${escapeHtml(options.error)}</p>` : ''}
<input type="${options.type ?? 'text'}" id="${id}" name="${escapeHtml(options.name)}" value="${escapeHtml(options.value ?? '')}"${options.required ? ' required' : ''}${described ? ` aria-describedby="${described}"` : ''}${options.error ? ' aria-invalid="true"' : ''} autocomplete="${options.autocomplete ?? 'off'}">`;
}

/** A value an IT admin copies into another console, with a copy button (works without it too). */
export function copyable(value: string, label: string): string {
  return `<code>${escapeHtml(value)}</code><button type="button" class="copy secondary" data-copy="${escapeHtml(value)}" aria-label="Copy ${escapeHtml(label)}">Copy</button>`;
}

/** The copy buttons' few lines, served as a file so the pages need no inline script. */
export const PORTAL_SCRIPT = `document.addEventListener('click', function (event) {
  var button = event.target.closest && event.target.closest('button[data-copy]');
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.getAttribute('data-copy')).then(function () {
    button.textContent = 'Copied';
    setTimeout(function () { button.textContent = 'Copy'; }, 2000);
  });
});
`;
