// Fixtures for the Images and Tasks screens' test double (FakeApi): rows, details, layers
// and folders that look like what the shell returns, built from a name and a few numbers.
import type {
  Analysis,
  Comparison,
  Packages,
  DiskSummary,
  FileEntry,
  ImageInfo,
  ImageRow,
  LayerView,
  TaskInfo,
} from '../bindings.gen';

let counter = 0;

/** A table row for `name` (`nginx:1.25`, `ghcr.io/o/app:1`; '' for an unnamed image). */
export function fakeRow(name: string, over: Partial<ImageRow> = {}): ImageRow {
  counter += 1;
  const hex = (counter.toString(16).padStart(4, '0') + 'abcdef0123456789').repeat(4).slice(0, 64);
  const at = name.lastIndexOf(':');
  const slash = name.lastIndexOf('/');
  const [repository, tag] =
    name === '' ? ['<none>', '<none>'] : at > slash ? [name.slice(0, at), name.slice(at + 1)] : [name, 'latest'];
  const full =
    name === ''
      ? ''
      : repository.includes('.') || repository.includes(':')
        ? `${repository}:${tag}`
        : `docker.io/${repository.includes('/') ? '' : 'library/'}${repository}:${tag}`;
  return {
    repository,
    tag,
    name: full,
    reference: full || `sha256:${hex}`,
    id: hex.slice(0, 12),
    digest: `sha256:${hex}`,
    created: '2026-01-01T00:00:00Z',
    size: 1_000_000,
    shared: 0,
    unique: 1_000_000,
    names: name === '' ? 0 : 1,
    platforms: [],
    containers: [],
    ...over,
  };
}

/** The disk usage the rows add up to (each row counted as one image). */
export function usageOf(rows: ImageRow[]): DiskSummary {
  const unique = rows.reduce((n, r) => n + r.unique, 0);
  const shared = rows.reduce((n, r) => Math.max(n, r.shared), 0);
  return {
    images: new Set(rows.map((r) => r.digest)).size,
    total: unique + shared,
    shared,
    unique,
    unused: 0,
    reclaimable: unique,
  };
}

export function fakeInfo(row: ImageRow): ImageInfo {
  return {
    reference: row.reference,
    names: row.name ? [row.name] : [],
    id: row.digest.replace(/.$/, '0'),
    manifest_digest: row.digest,
    media_type: 'application/vnd.oci.image.manifest.v1+json',
    index_digest: null,
    platforms: [],
    platform: 'linux/amd64',
    created: row.created,
    author: null,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    entrypoint: [],
    cmd: ['/bin/sh'],
    working_dir: '/app',
    user: null,
    labels: [['org.opencontainers.image.title', row.repository]],
    exposed_ports: [],
    volumes: [],
    layers: 2,
    size: row.size,
  };
}

/** Two layers: a base adding /etc, and one that changes hosts and deletes motd. */
export function fakeLayers(): LayerView[] {
  return [
    {
      index: 0,
      digest: 'sha256:' + 'a'.repeat(64),
      diff_id: 'sha256:' + 'b'.repeat(64),
      media_type: 'application/vnd.oci.image.layer.v1.tar+gzip',
      size: 900_000,
      created_by: 'ADD rootfs.tar /',
      added: 3,
      changed: 0,
      deleted: 0,
      opaque: 0,
      changes: [
        { path: 'etc', change: 'added', kind: 'dir', size: 0 },
        { path: 'etc/hosts', change: 'added', kind: 'file', size: 10 },
        { path: 'etc/motd', change: 'added', kind: 'file', size: 2 },
      ],
      more: 0,
    },
    {
      index: 1,
      digest: 'sha256:' + 'c'.repeat(64),
      diff_id: 'sha256:' + 'd'.repeat(64),
      media_type: 'application/vnd.oci.image.layer.v1.tar+gzip',
      size: 100_000,
      created_by: 'RUN rm /etc/motd',
      added: 1,
      changed: 1,
      deleted: 1,
      opaque: 0,
      changes: [
        { path: 'etc/hosts', change: 'changed', kind: 'file', size: 20 },
        { path: 'etc/app.conf', change: 'added', kind: 'file', size: 3 },
        { path: 'etc/motd', change: 'whitedout', kind: 'file', size: 2 },
      ],
      more: 0,
    },
  ];
}

/** The Analysis tab of fakeLayers(): layer 1 overwrites etc/hosts and deletes etc/motd. */
export function fakeAnalysis(): Analysis {
  return {
    manifest: 'sha256:' + 'e'.repeat(64),
    dive: {
      efficiency: 0.75,
      wasted_bytes: 300_000,
      user_wasted_percent: 1.5,
      version_bytes: 1_200_000,
      minimum_bytes: 900_000,
    },
    stored_bytes: 1_100_000,
    visible_bytes: 800_000,
    hidden_bytes: 300_000,
    layers: [
      {
        index: 0,
        digest: 'sha256:' + 'a'.repeat(64),
        created_by: 'ADD rootfs.tar /',
        bytes: 900_000,
        visible_bytes: 600_000,
        hidden_bytes: 300_000,
        overwritten_bytes: 100_000,
        deleted_bytes: 200_000,
        files: 3,
      },
      {
        index: 1,
        digest: 'sha256:' + 'c'.repeat(64),
        created_by: 'RUN rm /etc/motd',
        bytes: 200_000,
        visible_bytes: 200_000,
        hidden_bytes: 0,
        overwritten_bytes: 0,
        deleted_bytes: 0,
        files: 2,
      },
    ],
    wasted: [
      { path: '/etc/motd', bytes: 200_000, layers: [0, 1] },
      { path: '/etc/hosts', bytes: 100_000, layers: [0, 1] },
    ],
    wasted_count: 2,
    hidden: [
      { path: '/etc/motd', bytes: 200_000, layers: [0], visible: false },
      { path: '/etc/hosts', bytes: 100_000, layers: [0], visible: true },
    ],
    hidden_count: 2,
    deleted: [{ path: '/etc/motd', size: 200_000, layer: 0, hidden_by: 1, why: 'deleted' }],
    deleted_count: 1,
    largest: [{ path: '/etc/app.conf', size: 150_000, layer: 1 }],
  };
}

/** `b` is `a` plus one committed layer: app.conf rewritten, motd deleted, MODE set. */
export function fakeComparison(a: string, b: string): Comparison {
  const file = (size: number, layer: number) => ({ kind: 'file' as const, size, mode: 0o644, uid: 0, gid: 0, layer });
  return {
    a: { reference: a, id: 'sha256:' + '1'.repeat(64), manifest: 'sha256:' + '3'.repeat(64), layers: 1 },
    b: { reference: b, id: 'sha256:' + '2'.repeat(64), manifest: 'sha256:' + '4'.repeat(64), layers: 2 },
    identical: a === b,
    layers: {
      shared: [{ digest: 'sha256:' + 'a'.repeat(64), a: 0, b: 0, size: 900_000 }],
      shared_bytes: 900_000,
      common_base: 1,
      only_a: [],
      only_b: [{ index: 1, digest: 'sha256:' + 'c'.repeat(64), size: 100_000 }],
    },
    files:
      a === b
        ? []
        : [
            { path: '/etc/app.conf', change: 'changed', what: ['size'], a: file(100, 0), b: file(150, 1) },
            { path: '/etc/motd', change: 'removed', what: [], a: file(2, 0), b: null },
            { path: '/root/new', change: 'added', what: [], a: null, b: file(3, 1) },
          ],
    added: a === b ? 0 : 1,
    removed: a === b ? 0 : 1,
    changed: a === b ? 0 : 1,
    config: a === b ? [] : [{ field: 'env', key: 'MODE', a: null, b: 'dev' }],
  };
}

function entry(path: string, over: Partial<FileEntry>): FileEntry {
  return {
    name: path.slice(path.lastIndexOf('/') + 1),
    path,
    kind: 'file',
    size: 0,
    mode: 0o644,
    layer: 0,
    link_target: null,
    removed: null,
    opaque: null,
    ...over,
  };
}

/** The merged tree of fakeLayers() by folder, at the top layer. */
export function fakeTree(): Record<string, FileEntry[]> {
  return {
    '': [entry('etc', { kind: 'dir', mode: 0o755 })],
    etc: [
      entry('etc/app.conf', { size: 3, layer: 1 }),
      entry('etc/hosts', { size: 20, layer: 1 }),
      entry('etc/motd', { kind: null, layer: null, removed: { kind: 'whiteout', layer: 1, paths: 1 } }),
    ],
  };
}

export function fakeTask(id: number, over: Partial<TaskInfo> = {}): TaskInfo {
  return {
    id,
    kind: 'import',
    subject: '/tmp/app.tar',
    target: null,
    state: 'running',
    done: 0,
    total: 1000,
    started_ms: Date.now(),
    outcome: [],
    problem: null,
    units: [],
    bytes_per_second: 0,
    digest: null,
    compressed: null,
    ...over,
  };
}

/** A Fedora image's rpm packages, one header of its database not read. */
function fakeRpmPackages(reference: string): Packages {
  const rpm = (name: string, version: string, source: string, license: string) => {
    const [epoch, evr] = version.includes(':') ? version.split(':') : [null, version];
    return {
      name,
      version,
      architecture: 'x86_64',
      source,
      license,
      manager: 'rpm' as const,
      purl:
        `pkg:rpm/fedora/${name}@${evr}?arch=x86_64&distro=fedora-40` +
        (epoch ? `&epoch=${epoch}` : '') +
        (source !== name ? `&upstream=${source}` : ''),
    };
  };
  return {
    reference,
    id: 'sha256:' + '4'.repeat(64),
    manifest: 'sha256:' + '5'.repeat(64),
    platform: 'linux/amd64',
    os: { id: 'fedora', version_id: '40', pretty_name: 'Fedora Linux 40 (Container Image)' },
    databases: [
      {
        manager: 'rpm',
        path: '/usr/lib/sysimage/rpm/rpmdb.sqlite',
        read: true,
        packages: 3,
        note: '1 record(s) not read, the first: a header without a name',
      },
    ],
    packages: [
      rpm('bash', '5.2.26-3.fc40', 'bash', 'GPL-3.0-or-later'),
      rpm('curl', '8.6.0-7.fc40', 'curl', 'curl'),
      rpm('perl-Errno', '0:1.38-506.fc40', 'perl', 'GPL-1.0-or-later OR Artistic-1.0-Perl'),
    ],
  };
}

/** A Debian image's packages (a Fedora image's for a `fedora` reference), as
 * `image_packages` reads them. */
export function fakePackages(reference: string): Packages {
  if (reference.includes('fedora')) return fakeRpmPackages(reference);
  const deb = (name: string, version: string, source?: string) => ({
    name,
    version,
    architecture: 'amd64',
    ...(source ? { source } : {}),
    manager: 'dpkg' as const,
    purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-12`,
  });
  return {
    reference,
    id: 'sha256:' + '1'.repeat(64),
    manifest: 'sha256:' + '3'.repeat(64),
    platform: 'linux/amd64',
    os: { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
    databases: [{ manager: 'dpkg', path: '/var/lib/dpkg/status', read: true, packages: 3 }],
    packages: [deb('base-files', '12.4+deb12u5'), deb('bash', '5.2.15-2+b2'), deb('libc6', '2.36-9+deb12u4', 'glibc')],
  };
}
