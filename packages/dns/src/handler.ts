/**
 * QueryHandler: turns one raw query into one raw answer. Names in the cluster domain (and
 * reverse names of known addresses) are answered from the RecordIndex with the AA bit;
 * everything else is relayed upstream; SERVFAIL when no upstream answers.
 */
import type { Forwarder } from "./forwarder.js";
import type { RecordIndex } from "./records.js";
import { encodeMessage, parseMessage, peekId, Rcode, RRType, responseFor, udpLimit, type Message, type ResourceRecord } from "./wire.js";

/** Counters for /metrics. */
export interface HandlerStats {
  queries: number;
  local: number;
  forwarded: number;
  nxdomain: number;
  servfail: number;
  formerr: number;
}

export class QueryHandler {
  readonly stats: HandlerStats = { queries: 0, local: 0, forwarded: 0, nxdomain: 0, servfail: 0, formerr: 0 };

  constructor(
    /** Returns the index, rebuilt first if the caches changed. */
    private readonly index: () => RecordIndex,
    private readonly forwarder: Forwarder,
  ) {}

  /** The answer to `raw`, or undefined for input not worth answering (no header). */
  async handle(raw: Buffer, tcp: boolean): Promise<Buffer | undefined> {
    this.stats.queries++;
    let query: Message;
    try {
      query = parseMessage(raw);
    } catch {
      this.stats.formerr++;
      const id = peekId(raw);
      if (id === undefined || (raw[2]! & 0x80) !== 0) return undefined;
      return encodeMessage({ ...responseFor({ ...emptyQuery(), id, rd: (raw[2]! & 0x01) !== 0 }), rcode: Rcode.FORMERR });
    }
    if (query.qr) return undefined; // never answer answers
    const limit = tcp ? 65535 : udpLimit(query);
    const q = query.questions[0];
    if (query.opcode !== 0) return encodeMessage(responseFor(query, Rcode.NOTIMP), limit);
    if (query.questions.length !== 1 || !q) return encodeMessage(responseFor(query, Rcode.FORMERR), limit);
    if (query.edns && query.edns.version > 0) return encodeMessage(responseFor(query, Rcode.BADVERS), limit);
    const index = this.index();
    if (index.inDomain(q.name) || (q.type === RRType.PTR && index.knowsReverse(q.name))) {
      this.stats.local++;
      return encodeMessage(await this.answerLocal(query, index, tcp), limit);
    }
    this.stats.forwarded++;
    const answer = await this.forwarder.forward(raw, tcp);
    if (answer) return answer;
    this.stats.servfail++;
    return encodeMessage(responseFor(query, Rcode.SERVFAIL), limit);
  }

  private async answerLocal(query: Message, index: RecordIndex, tcp: boolean): Promise<Message> {
    const q = query.questions[0]!;
    const res = responseFor(query);
    const found = index.lookup(q.name, q.type);
    res.aa = true;
    res.rcode = found.rcode;
    res.answers = found.answers;
    res.authorities = found.authorities;
    res.additionals = found.additionals;
    if (found.rcode === Rcode.NXDOMAIN) this.stats.nxdomain++;
    if (found.chase && (q.type === RRType.A || q.type === RRType.AAAA || q.type === RRType.ANY)) res.answers.push(...(await this.chase(found.chase, q.type, tcp)));
    return res;
  }

  /** Resolves an ExternalName's target upstream; only address and CNAME records are kept. */
  private async chase(target: string, qtype: number, tcp: boolean): Promise<ResourceRecord[]> {
    const sub: Message = { ...emptyQuery(), id: 0, rd: true, questions: [{ name: target, type: qtype, class: 1 }] };
    const raw = await this.forwarder.forward(encodeMessage(sub), tcp);
    if (!raw) return [];
    try {
      return parseMessage(raw).answers.filter((r) => r.type === RRType.A || r.type === RRType.AAAA || r.type === RRType.CNAME);
    } catch {
      return [];
    }
  }
}

function emptyQuery(): Message {
  return { id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, rcode: 0, questions: [], answers: [], authorities: [], additionals: [] };
}
