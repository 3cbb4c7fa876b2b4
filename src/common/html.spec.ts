import { describe, expect, it } from '@jest/globals';
import { escapeHtml, htmlPage } from './html';

describe(htmlPage.name, () => {
  it('wraps the body in the one page shell, with the title escaped', () => {
    const page = htmlPage('<Sign-in> & "more"', '<h1>kept as HTML</h1>');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`<title>${escapeHtml('<Sign-in> & "more"')}</title>`);
    expect(page).toContain('<h1>kept as HTML</h1>');
    expect(page).toContain('max-width:36rem');
    expect(htmlPage('Report', '', { wide: true })).toContain('max-width:44rem');
  });
});
