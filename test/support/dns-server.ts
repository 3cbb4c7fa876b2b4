import { createServer, Packet } from 'dns2';

/** dns2's Packet.RCODE, which its type declarations leave out. */
const { RCODE } = Packet as unknown as { RCODE: { SERVFAIL: number; NXDOMAIN: number } };

/** How the server treats every query: answer, say nothing (a down or slow server), or fail. */
export type DnsServerMode = 'answer' | 'silent' | 'servfail';

/**
 * A real DNS server (dns2) on a UDP port of 127.0.0.1, for the service to resolve through
 * (DNS_SERVERS=`address`). It knows the zones it is told about and the TXT records published
 * in them: a known name answers its TXT records (none: NODATA), any other name NXDOMAIN.
 */
export class TestDnsServer {
  private readonly names = new Set<string>();
  private readonly txt = new Map<string, string[][]>();
  private mode: DnsServerMode = 'answer';
  /** Questions received, by lower-case name, so a test can await a background check. */
  readonly queries = new Map<string, number>();

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    readonly address: string,
  ) {}

  static async start(): Promise<TestDnsServer> {
    // eslint-disable-next-line prefer-const -- the handler reads it before it is assigned
    let instance: TestDnsServer | undefined;
    const server = createServer({
      udp: true,
      handle: (request, send) => instance?.handle(request, send),
    });
    const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    const udp = addresses.udp as { address: string; port: number };
    instance = new TestDnsServer(server, `${udp.address}:${udp.port}`);
    return instance;
  }

  /** Makes a domain exist (answers NODATA for TXT until a record is published). */
  addZone(domain: string): void {
    this.names.add(domain.toLowerCase());
  }

  /** Publishes TXT records at a name, replacing any there; a value given as several strings is one record in chunks. */
  publishTxt(name: string, ...values: (string | string[])[]): void {
    this.txt.set(
      name.toLowerCase(),
      values.map((value) => (Array.isArray(value) ? value : [value])),
    );
  }

  withdrawTxt(name: string): void {
    this.txt.delete(name.toLowerCase());
  }

  setMode(mode: DnsServerMode): void {
    this.mode = mode;
  }

  queriesFor(name: string): number {
    return this.queries.get(name.toLowerCase()) ?? 0;
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private handle(request: InstanceType<typeof Packet>, send: (response: InstanceType<typeof Packet>) => unknown): void {
    const [question] = request.questions;
    const name = question.name.toLowerCase();
    this.queries.set(name, (this.queries.get(name) ?? 0) + 1);
    if (this.mode === 'silent') return;
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    if (this.mode === 'servfail') {
      response.header.rcode = RCODE.SERVFAIL;
    } else if (!this.names.has(name) && !this.txt.has(name)) {
      response.header.rcode = RCODE.NXDOMAIN;
    } else if (question.type === Packet.TYPE.TXT) {
      for (const chunks of this.txt.get(name) ?? []) {
        response.answers.push({ name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data: chunks } as never);
      }
    }
    void send(response);
  }
}
