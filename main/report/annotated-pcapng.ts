// Annotated pcapng: the packets of the session (all, only annotated ones, or a chosen set such as a
// filter's result) with the annotations as packet comments and every interface named after the node
// and interface it was captured on, so Wireshark and tshark show both. Streams capture by capture
// through a small write buffer: memory stays bounded whatever the capture sizes.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readCapture } from '../engine/readers/read';
import { writeError } from '../session/atomic';
import { PcapngEncoder } from '../engine/writers/pcapng';
import type { Annotation } from '../session/types';
import type { CaptureFile, CapturePoint, Journey } from '../topology';
import type { ReportSessionInput } from './build';
import { visibleText } from './escape';

export type PacketSelection = 'all' | 'annotated' | ReadonlyMap<string, ReadonlySet<number>>;

export interface AnnotatedExportOptions {
  /** Which packets (default 'all'). A map is capture id -> 0-based packet numbers. */
  packets?: PacketSelection;
  signal?: AbortSignal;
}

export interface AnnotatedExportResult {
  packets: number;
  comments: number;
  interfaces: number;
  errors: string[];
}

/** What the export needs of an analysis (an Analysis has it; so does a bare list of files). */
export interface ExportAnalysis {
  readonly captures: readonly Pick<CaptureFile, 'id' | 'path'>[];
  readonly points: readonly Pick<CapturePoint, 'capture' | 'iface' | 'node' | 'interface' | 'kind'>[];
  journeysForFlow?(flow: string): readonly Journey[];
}

/**
 * The comment text for an annotation: severity and tag first, so a list of comments reads well. Control
 * characters are spelled out (tshark stops a comment at NUL; escape sequences would reach terminals).
 */
export function annotationComment(a: Pick<Annotation, 'severity' | 'tag' | 'text'>): string {
  return visibleText(`[${a.severity}]${a.tag ? ` ${a.tag}:` : ''} ${a.text}`);
}

class SyncSink {
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  constructor(private readonly fd: number) {}
  write(chunk: Uint8Array): void {
    if (chunk.length > this.buf.length - this.used) this.flush();
    if (chunk.length > this.buf.length) {
      writeSync(this.fd, chunk);
      return;
    }
    this.buf.set(chunk, this.used);
    this.used += chunk.length;
  }
  flush(): void {
    let o = 0;
    while (o < this.used) o += writeSync(this.fd, this.buf, o, this.used - o);
    this.used = 0;
  }
}

export async function writeAnnotatedPcapng(
  analysis: ExportAnalysis,
  session: Pick<ReportSessionInput, 'annotations' | 'isAttached' | 'captures' | 'capturePath'> | null,
  out: string,
  opts: AnnotatedExportOptions = {},
): Promise<AnnotatedExportResult> {
  const selection = opts.packets ?? 'all';
  // Session capture ids -> analysis capture ids (by file path, as in the report).
  const toAnalysis = new Map<string, string>();
  for (const c of session?.captures ?? []) {
    const abs = session?.capturePath?.(c.id);
    toAnalysis.set(c.id, analysis.captures.find((x) => abs && x.path === abs)?.id ?? c.id);
  }
  // capture id -> packet number -> comments
  const comments = new Map<string, Map<number, string[]>>();
  const add = (capture: string, index: number, text: string) => {
    const m = comments.get(capture) ?? new Map<number, string[]>();
    comments.set(capture, m);
    m.set(index, [...(m.get(index) ?? []), text]);
  };
  const sectionComments = [`Tunnelvision annotated export of ${analysis.captures.length} capture(s)`];
  for (const a of session?.annotations ?? []) {
    if (a.source !== 'user' || !(session?.isAttached(a) ?? true)) continue;
    const t = a.target;
    if (t.kind === 'packet') add(toAnalysis.get(t.capture) ?? t.capture, t.packet, annotationComment(a));
    else if (t.kind === 'hop' && t.capture !== undefined && t.packet !== undefined)
      add(toAnalysis.get(t.capture) ?? t.capture, t.packet, annotationComment(a));
    else if (t.kind === 'flow') {
      const first = analysis.journeysForFlow?.(t.flow)[0]?.hops[0]?.packet;
      if (first) add(first.capture, first.index, `flow ${visibleText(t.flow)}: ${annotationComment(a)}`);
      else sectionComments.push(`flow ${visibleText(t.flow)}: ${annotationComment(a)}`);
    } else if (t.kind === 'element') sectionComments.push(`${visibleText(t.element)}: ${annotationComment(a)}`);
    else sectionComments.push(annotationComment(a));
  }

  const result: AnnotatedExportResult = { packets: 0, comments: 0, interfaces: 0, errors: [] };
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'w');
  } catch (e) {
    throw writeError(out, e);
  }
  try {
    const sink = new SyncSink(fd);
    const enc = new PcapngEncoder({ comments: sectionComments, application: 'Tunnelvision' });
    sink.write(enc.header());
    for (const cap of analysis.captures) {
      const ids = new Map<number, number>(); // CaptureInterface.key -> interface id in the output
      const names = new Map<number, { name?: string; description?: string; snaplen: number; tsresolExp?: number }>();
      const points = analysis.points.filter((p) => p.capture === cap.id);
      const notes = comments.get(cap.id);
      const chosen = selection === 'all' || selection === 'annotated' ? null : (selection.get(cap.id) ?? new Set<number>());
      const info = await readCapture(
        cap.path,
        {
          onInterface(i) {
            names.set(i.key, { name: i.name, description: i.description, snaplen: i.snaplen, tsresolExp: i.tsresolExp });
          },
          onPacket(p) {
            const extra = notes?.get(p.index);
            if (selection === 'annotated' ? !extra && !p.comments?.length : chosen !== null && !chosen.has(p.index)) return;
            let id = ids.get(p.iface);
            if (id === undefined) {
              const orig = names.get(p.iface);
              const pt = points.find((x) => x.iface === p.iface) ?? points.find((x) => x.iface === null) ?? points[0];
              const node = pt?.node ?? null;
              const iface = pt?.interface ?? orig?.name ?? null;
              const name = node && iface ? `${node}/${iface}` : (iface ?? orig?.name ?? cap.id);
              const description = [
                `capture ${cap.id}`,
                orig?.name ? `if_name ${orig.name}` : '',
                pt?.kind ? `kind ${pt.kind}` : '',
                orig?.description ?? '',
              ]
                .filter(Boolean)
                .join('; ');
              const [newId, block] = enc.addInterface({
                linktype: p.linktype,
                name: visibleText(name),
                description: visibleText(description),
                snaplen: orig?.snaplen,
                tsresolExp: 9,
              });
              sink.write(block);
              ids.set(p.iface, newId);
              id = newId;
              result.interfaces++;
            }
            const all = p.comments || extra ? [...(p.comments ?? []).map((x) => visibleText(x)), ...(extra ?? [])] : undefined;
            result.comments += all?.length ?? 0;
            result.packets++;
            sink.write(enc.packet({ iface: id, tsSec: p.tsSec, tsNsec: p.tsNsec, data: p.data, origLen: p.origLen, comments: all }));
          },
        },
        { signal: opts.signal },
      );
      for (const e of info.errors) result.errors.push(`${cap.id}: ${e.code} at byte ${e.offset}: ${e.message}`);
      if (opts.signal?.aborted) throw new Error('export cancelled');
    }
    sink.flush();
    fsyncSync(fd);
    closeSync(fd);
    try {
      renameSync(temp, out);
    } catch (e) {
      throw writeError(out, e);
    }
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(temp);
    } catch {
      // nothing to remove
    }
    throw e;
  }
  return result;
}
