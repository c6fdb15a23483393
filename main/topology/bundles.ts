// Capture bundles of other tools, opened as a capture set:
// - Kubeshark's PCAP export: a .tar.gz holding one PCAP per node plus name_resolution_history.json
//   (per node when exported from several), node folders named '<node>' or '<node>_<node IP>'.
// - Microsoft Retina captures: one tarball per node named '<capture>-<hostname>-<YYYYmmddHHMMSS><TZ>.tar.gz'
//   holding '<same name>.pcap', ip-resources.txt, iptables-rules.txt, proc-net/..., tcpdump.log;
//   the node name is the hostname in the tarball name (the capture name is the folder the tarballs
//   were written to, or Retina's default 'retina-capture-xxxxx').
// Archives are unpacked (streaming, bounded) into a cache folder keyed by the archive's path, size
// and time, and kept there: the analysis reads packets back from the files later.

import {
  createReadStream,
  readFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';

export interface BundleSource {
  readonly path: string;
  readonly node?: string;
  readonly interface?: string;
  readonly kind?: 'veth' | 'bridge' | 'vtep' | 'tun' | 'underlay' | 'loopback' | 'any' | 'unknown';
  /** Interface names by ifindex (Retina's ip-resources.txt), for the SLL/SLL2 points of an `-i any` capture. */
  readonly ifnames?: ReadonlyMap<number, string>;
}

/**
 * Interface names by ifindex from Retina's ip-resources.txt: the JSON that follows the
 * '... ip -d -j addr show' command line in its 'Execute:' section (`ip -j addr` output).
 */
export function parseIpResources(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const exec = text.indexOf('\nExecute:');
  const lines = text.slice(exec >= 0 ? exec : 0).split('\n');
  const at = lines.findIndex((l) => /\bip (-d )?-j addr show\s*$/.test(l.trim()));
  if (at < 0) return out;
  for (let i = at + 1; i < lines.length && i < at + 4; i++) {
    const l = lines[i].trim();
    if (!l.startsWith('[')) continue;
    try {
      for (const e of JSON.parse(l) as { ifindex?: unknown; ifname?: unknown }[]) {
        if (typeof e.ifindex === 'number' && typeof e.ifname === 'string') out.set(e.ifindex, e.ifname);
      }
    } catch {
      // not the JSON line: nothing named
    }
    break;
  }
  return out;
}

const ARCHIVE_RE = /\.(tar\.gz|tgz|tar)$/i;
const CAPTURE_RE = /\.(pcap|pcapng|cap)(\.gz)?$/i;
const RETINA_RE = /^(.+)-(\d{14})([A-Z]{1,5})$/;
const MAX_ENTRIES = 10000;
const MAX_TOTAL = 64 * 1024 ** 3;

/** Where a file extracted from a bundle came from: node name of its bundle/folder (null when unknown). */
const nodeOfFile = new Map<string, string | null>();
export function nodeOfBundleFile(path: string): string | null {
  return nodeOfFile.get(path) ?? null;
}

function cacheDir(archive: string): string {
  const st = statSync(archive);
  const key = createHash('sha1').update(`${archive}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16);
  return join(tmpdir(), 'tunnelvision-bundles', key);
}

/** Unpacks a (gzipped) ustar/GNU tar archive into `dest` without holding it in memory. Rejects unsafe paths. */
export async function extractTar(archive: string, dest: string): Promise<void> {
  const tmp = `${dest}.part-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const gz = /\.(tar\.gz|tgz)$/i.test(archive);
  const input = createReadStream(archive);
  const stream = gz ? input.pipe(createGunzip()) : input;
  let buf: Buffer = Buffer.alloc(0);
  let fd = -1,
    remaining = 0,
    pad = 0,
    entries = 0,
    total = 0,
    longName: string | null = null,
    collectLong = false,
    longParts: Buffer[] = [];
  const fail = (m: string) => {
    throw new Error(`${basename(archive)}: ${m}`);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let off = 0;
      for (;;) {
        if (remaining > 0) {
          const n = Math.min(remaining, buf.length - off);
          if (n <= 0) break;
          if (collectLong) longParts.push(Buffer.from(buf.subarray(off, off + n)));
          else if (fd >= 0) writeSync(fd, buf, off, n);
          off += n;
          remaining -= n;
          if (remaining > 0) break;
          if (fd >= 0) {
            closeSync(fd);
            fd = -1;
          }
          if (collectLong) {
            longName = Buffer.concat(longParts).toString('utf8').replace(/\0+$/, '');
            collectLong = false;
            longParts = [];
          }
          continue;
        }
        if (pad > 0) {
          const n = Math.min(pad, buf.length - off);
          off += n;
          pad -= n;
          if (pad > 0) break;
          continue;
        }
        if (buf.length - off < 512) break;
        const h = buf.subarray(off, off + 512);
        off += 512;
        if (h.every((b) => b === 0)) continue; // end-of-archive blocks
        const str = (a: number, n: number) =>
          h
            .subarray(a, a + n)
            .toString('utf8')
            .replace(/\0.*$/s, '');
        const size = parseInt(str(124, 12).trim() || '0', 8);
        if (!Number.isFinite(size) || size < 0) fail('bad tar header (size)');
        const type = String.fromCharCode(h[156] || 48);
        const prefix = str(345, 155);
        let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
        longName = null;
        remaining = size;
        pad = (512 - (size % 512)) % 512;
        if (type === 'L') {
          collectLong = true;
          continue;
        }
        if (++entries > MAX_ENTRIES) fail(`more than ${MAX_ENTRIES} entries`);
        total += size;
        if (total > MAX_TOTAL) fail('archive expands beyond the size limit');
        name = name.replace(/^\.\/+/, '');
        if (name === '' || name.startsWith('/') || name.split('/').includes('..')) {
          fd = -1;
          continue;
        } // unsafe or empty: skipped
        const target = join(tmp, ...name.split('/'));
        if (type === '5') {
          mkdirSync(target, { recursive: true });
          continue;
        }
        if (type !== '0' && type !== '7') {
          fd = -1;
          continue;
        } // links, devices, pax headers: skipped
        mkdirSync(dirname(target), { recursive: true });
        fd = openSync(target, 'w');
        if (size === 0) {
          closeSync(fd);
          fd = -1;
        }
      }
      buf = buf.subarray(off);
    }
    if (remaining > 0 || fd >= 0) fail('archive ends inside a file (truncated)');
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
    const m = (e as Error).message;
    throw new Error(m.startsWith(`${basename(archive)}: `) ? m : `${basename(archive)}: ${m}`, { cause: e });
  }
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  writeFileSync(join(dest, '.tunnelvision-complete'), '');
}

function walk(dir: string, out: string[], depth = 0): void {
  if (depth > 8 || out.length > MAX_ENTRIES) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out, depth + 1);
    else if (e.isFile()) out.push(p);
  }
}

/** Hostname from a Retina bundle name, given the folder it sits in. */
export function retinaHost(bundleStem: string, parentName: string): string | null {
  const m = RETINA_RE.exec(bundleStem);
  if (!m) return null;
  const captureAndHost = m[1];
  if (parentName && captureAndHost.startsWith(`${parentName}-`) && captureAndHost.length > parentName.length + 1)
    return captureAndHost.slice(parentName.length + 1);
  const def = /^retina-capture-[a-z0-9]{5}-(.+)$/.exec(captureAndHost);
  if (def) return def[1];
  return captureAndHost;
}

/** Node name of a Kubeshark per-node folder: '<node>_<IPv4>' or '<node>'. */
function kubesharkNode(folder: string): string {
  const m = /^(.+)_(\d{1,3}(?:\.\d{1,3}){3})$/.exec(folder);
  return m ? m[1] : folder;
}

/**
 * Replaces bundle archives and folders among `sources` by the captures and enrichment files inside,
 * with node names taken from the bundle. Other sources pass through unchanged.
 */
export async function expandBundles(sources: readonly BundleSource[]): Promise<{ sources: BundleSource[]; errors: string[] }> {
  const out: BundleSource[] = [];
  const errors: string[] = [];
  for (const s of sources) {
    let dir: string | null = null;
    let stem = basename(s.path);
    try {
      if (existsSync(s.path) && statSync(s.path).isDirectory()) dir = s.path;
      else if (ARCHIVE_RE.test(s.path)) {
        stem = stem.replace(ARCHIVE_RE, '');
        const d = cacheDir(s.path);
        if (!existsSync(join(d, '.tunnelvision-complete'))) await extractTar(s.path, d);
        dir = d;
      }
    } catch (e) {
      errors.push(`${basename(s.path)}: ${(e as Error).message}`);
      continue;
    }
    if (!dir) {
      out.push(s);
      continue;
    }
    const files: string[] = [];
    walk(dir, files);
    const retina = retinaHost(stem, basename(dirname(s.path)));
    const isRetina =
      retina !== null && files.some((f) => basename(f) === 'ip-resources.txt' || basename(f).replace(CAPTURE_RE, '') === stem);
    let found = 0;
    // Several folders holding captures = one folder per node (Kubeshark's multi-node export).
    const captureFolders = new Set(files.filter((f) => CAPTURE_RE.test(f)).map((f) => dirname(f)));
    for (const f of files) {
      const name = basename(f);
      const rel = relative(dir, f).split(sep);
      // Kubeshark: a per-node folder right above the file (the archive's single top folder is not a node).
      const folders = rel.slice(0, -1);
      const parent = folders.length ? folders[folders.length - 1] : null;
      const nodeFolder = parent && (/_\d{1,3}(\.\d{1,3}){3}$/.test(parent) || captureFolders.size > 1) ? parent : null;
      const node = s.node ?? (isRetina ? retina : nodeFolder ? kubesharkNode(nodeFolder) : null);
      if (CAPTURE_RE.test(name)) {
        nodeOfFile.set(f, node);
        const res = isRetina ? files.find((g) => basename(g) === 'ip-resources.txt' && dirname(g) === dirname(f)) : undefined;
        const ifnames = res ? parseIpResources(readFileSync(res, 'utf8')) : undefined;
        out.push({
          path: f,
          ...(node ? { node } : {}),
          ...(s.interface ? { interface: s.interface } : {}),
          ...(s.kind ? { kind: s.kind } : {}),
          ...(ifnames?.size ? { ifnames } : {}),
        });
        found++;
      } else if (/name_resolution_history.*\.json$/i.test(name)) {
        nodeOfFile.set(f, node);
        out.push({ path: f });
      }
    }
    if (found === 0) errors.push(`${basename(s.path)}: no capture file inside`);
  }
  return { sources: out, errors };
}
