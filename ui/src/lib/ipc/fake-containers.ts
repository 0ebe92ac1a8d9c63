// The Containers screen's part of the test double (FakeApi): containers, their files as a
// flat map of paths, and the diff against the image they were made from, kept in memory.
import type { CommitPreview, ContainerListing, ContainerRow, DiffRow, FileRow, TextFile } from '../bindings.gen';
import { ProblemError } from './problem';

/** What the engine lists but never opens: device nodes, FIFOs, sockets. */
export type SpecialKind = 'char' | 'block' | 'fifo' | 'socket';

interface FakeFile {
  kind: 'file' | 'dir' | SpecialKind;
  text: string;
  mode: number;
}

/** One container: its row, its files now, and the image's files it started from. */
export interface FakeContainer {
  row: ContainerRow;
  files: Map<string, FakeFile>;
  base: Map<string, FakeFile>;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The engine's words for what a path is instead of a regular file (fs::NotRegular::what). */
const WHAT: Record<FakeFile['kind'], string> = {
  file: 'a regular file',
  dir: 'a folder',
  char: 'a character device',
  block: 'a block device',
  fifo: 'a FIFO (named pipe)',
  socket: 'a socket',
};

function normalise(dir: string): string {
  const parts = dir.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}

/** A small busybox-like tree. */
export function fakeRootfs(): Map<string, FakeFile> {
  const files = new Map<string, FakeFile>();
  const dir = (p: string) => files.set(p, { kind: 'dir', text: '', mode: 0o755 });
  const file = (p: string, text: string) => files.set(p, { kind: 'file', text, mode: 0o644 });
  for (const d of ['/bin', '/etc', '/root', '/tmp']) dir(d);
  files.set('/bin/busybox', { kind: 'file', text: 'ELF', mode: 0o755 });
  file('/etc/motd', 'hello\n');
  file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  return files;
}

export function fakeContainerRow(name: string, over: Partial<ContainerRow> = {}): ContainerRow {
  const id = (name.replace(/[^a-f0-9]/g, '') + 'c0ffee0123456789').repeat(8).slice(0, 64);
  return {
    id,
    short_id: id.slice(0, 12),
    name,
    image: 'busybox:latest',
    image_reference: 'docker.io/library/busybox:latest',
    created: '2026-01-01T00:00:00Z',
    mode: 'overlay',
    size: 0,
    changes: 0,
    ...over,
  };
}

export class FakeContainers {
  items: FakeContainer[] = [];

  add(name: string, over: Partial<ContainerRow> = {}): FakeContainer {
    const base = fakeRootfs();
    const c: FakeContainer = { row: fakeContainerRow(name, over), files: new Map(base), base };
    this.items.push(c);
    return c;
  }

  get(name: string): FakeContainer {
    const c = this.items.find((x) => x.row.name === name || x.row.id === name);
    if (!c) {
      throw new ProblemError({
        code: 'container.not_found',
        message: `no container "${name}"`,
        hint: { key: 'container.list', args: {} },
      });
    }
    return c;
  }

  diff(c: FakeContainer): DiffRow[] {
    const out: DiffRow[] = [];
    for (const [path, f] of c.files) {
      const was = c.base.get(path);
      if (!was) out.push({ path, change: 'A', kind: f.kind, size: f.kind === 'file' ? f.text.length : 0 });
      else if (was.text !== f.text || was.mode !== f.mode) out.push({ path, change: 'C', kind: f.kind, size: f.kind === 'file' ? f.text.length : 0 });
    }
    for (const [path, f] of c.base) {
      if (!c.files.has(path)) out.push({ path, change: 'D', kind: f.kind, size: f.text.length });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  row(c: FakeContainer): ContainerRow {
    const diff = this.diff(c);
    const size = diff.filter((d) => d.change !== 'D' && d.kind === 'file').reduce((n, d) => n + d.size, 0);
    return { ...c.row, size, changes: diff.length };
  }

  listing(c: FakeContainer, dir: string): ContainerListing {
    const at = normalise(dir);
    const diff = this.diff(c);
    const badge = new Map(diff.map((d) => [d.path, d.change] as const));
    const entries: FileRow[] = [...c.files]
      .filter(([path]) => path !== '/' && parentOf(path) === at)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, f]) => ({
        name: path.slice(path.lastIndexOf('/') + 1),
        path,
        kind: f.kind,
        size: f.kind === 'file' ? f.text.length : 0,
        mode: f.mode,
        mtime: 0,
        link_target: null,
        change: badge.get(path) ?? null,
        changed_inside: f.kind === 'dir' && diff.some((d) => d.path.startsWith(`${path}/`)),
      }));
    for (const d of diff) {
      if (d.change === 'D' && parentOf(d.path) === at) {
        entries.push({ name: d.path.slice(d.path.lastIndexOf('/') + 1), path: d.path, kind: d.kind, size: d.size, mode: 0, mtime: 0, link_target: null, change: 'D', changed_inside: false });
      }
    }
    return { dir: at, entries };
  }

  /** Puts a device node, FIFO or socket at `path`, as `mknod` / `mkfifo` in the container would. */
  special(c: FakeContainer, path: string, kind: SpecialKind): void {
    c.files.set(normalise(path), { kind, text: '', mode: 0o644 });
  }

  /** The engine's refusal to open what is not a regular file (container.not_regular_file). */
  private refuse(path: string, f: FakeFile): ProblemError {
    return new ProblemError({
      code: 'container.not_regular_file',
      message: `cannot open "${normalise(path)}" in the container: it is ${WHAT[f.kind]}, not a regular file`,
      hint: { key: 'container.regular_files_only', args: {} },
    });
  }

  read(c: FakeContainer, path: string): TextFile {
    const f = c.files.get(normalise(path));
    if (!f) {
      throw new ProblemError({
        code: 'container.invalid_path',
        message: `cannot use the path "${normalise(path)}" in the container: no such file or folder`,
      });
    }
    if (f.kind !== 'file') throw this.refuse(path, f);
    return { path: normalise(path), text: f.text, mode: f.mode };
  }

  /** Saves a text file from the editor: refused, as the engine does, on anything but a file. */
  writeText(c: FakeContainer, path: string, text: string): void {
    const f = c.files.get(normalise(path));
    if (f && f.kind !== 'file') throw this.refuse(path, f);
    this.write(c, path, text);
  }

  write(c: FakeContainer, path: string, text: string): void {
    const p = normalise(path);
    const was = c.files.get(p);
    c.files.set(p, { kind: 'file', text, mode: was?.mode ?? 0o644 });
  }

  remove(c: FakeContainer, path: string): void {
    const p = normalise(path);
    for (const key of [...c.files.keys()]) {
      if (key === p || key.startsWith(`${p}/`)) c.files.delete(key);
    }
  }

  preview(c: FakeContainer): CommitPreview {
    const changes = this.diff(c);
    return {
      changes,
      bytes: changes.filter((d) => d.change !== 'D' && d.kind === 'file').reduce((n, d) => n + d.size, 0),
      base_layers: 1,
      image: c.row.image,
    };
  }
}
