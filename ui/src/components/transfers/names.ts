// What the Push dialog computes as the person types: the remote name built from its parts,
// and the parts a local image's name suggests. The shell checks the result again
// (check_reference, and the push command itself); these only shape the text.

/** The parts of a remote name the Push dialog asks for. */
export interface RemoteParts {
  /** `registry.cn-hangzhou.aliyuncs.com`, `127.0.0.1:5000`; may be empty. */
  host: string;
  /** `team`, `org/sub`; may be empty (the repository sits at the registry's top). */
  namespace: string;
  repository: string;
  /** Empty: `latest`, as docker does. */
  tag: string;
}

/** Trims a part and the slashes around it (a pasted `team/` or `/app`). */
function clean(part: string): string {
  return part.trim().replace(/^\/+|\/+$/g, '');
}

/**
 * `host/namespace/repository:tag` from the parts, skipping the empty ones; '' until a
 * repository is typed. A host typed with a scheme (`https://…`) loses it.
 */
export function buildRemote(parts: RemoteParts): string {
  const repository = clean(parts.repository);
  if (!repository) return '';
  const host = clean(parts.host.trim().replace(/^[a-z]+:\/\//i, ''));
  const path = [host, clean(parts.namespace), repository].filter(Boolean).join('/');
  const tag = parts.tag.trim();
  return tag ? `${path}:${tag}` : path;
}

/** Whether the first path segment is a registry host, as the reference grammar decides. */
function isHost(segment: string): boolean {
  return segment.includes('.') || segment.includes(':') || segment === 'localhost';
}

/**
 * The parts a local name suggests for pushing it elsewhere: `docker.io/e2e/demo:1` →
 * namespace `e2e`, repository `demo`, tag `1` (the host is the person's to choose).
 */
export function partsOf(name: string): Omit<RemoteParts, 'host'> {
  const bare = name.split('@')[0]!;
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  const [path, tag] = colon > slash ? [bare.slice(0, colon), bare.slice(colon + 1)] : [bare, ''];
  const segments = path.split('/').filter(Boolean);
  if (segments.length > 1 && isHost(segments[0]!)) segments.shift();
  const repository = segments.pop() ?? '';
  return { namespace: segments.join('/'), repository, tag: tag || 'latest' };
}
