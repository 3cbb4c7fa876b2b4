/**
 * A minimal browser for the service's side of a login: it keeps cookies per origin+path
 * prefix and never follows redirects, so tests see every hop.
 */
export class TestBrowser {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(url, { headers });
  }

  async head(url: string): Promise<Response> {
    return this.send(url, { method: 'HEAD' });
  }

  /** A POST, with `form` sent as a form would send it (application/x-www-form-urlencoded). */
  async post(url: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(url, {
      method: 'POST',
      headers: form ? { ...headers, 'content-type': 'application/x-www-form-urlencoded' } : headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
  }

  private async send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response> {
    const target = new URL(url);
    const cookieHeader = [...this.cookies.entries()]
      .filter(([, cookie]) => target.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, ...(cookieHeader ? { cookie: cookieHeader } : {}) },
    });
    this.store(response);
    return response;
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  private store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator);
      const value = decodeURIComponent(pair.slice(separator + 1));
      const path = attributes.find((attribute) => attribute.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attributes.some((attribute) => /^expires=Thu, 01 Jan 1970/i.test(attribute)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }
}
