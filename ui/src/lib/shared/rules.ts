// The engine's input rules, for the UI's test double and for checks as a person types: the
// reference grammar, the platform grammar and the config-change instructions, read from
// ./rules.gen.ts (generated from the Rust rules, with case tables the real parsers answered;
// ./rules.test.ts holds these functions to those answers). The shell checks every input
// again: these only let the UI answer early, and the fake answer as the engine would.
import type { CheckedReference } from '../bindings.gen';
import {
  CHANGE_INSTRUCTIONS,
  COMPONENT,
  DEFAULT_TAG,
  DIGEST,
  DOCKER_HUB,
  DOCKER_HUB_ALIAS,
  MANAGED_NAME,
  NAME_MAX,
  OFFICIAL_PREFIX,
  PLATFORM_PART,
  REGISTRY,
  REGISTRY_MARKS,
  TAG,
} from './rules.gen';

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const componentRe = whole(COMPONENT);
const tagRe = whole(TAG);
const digestRe = whole(DIGEST);
const registryRe = whole(REGISTRY);
const platformRe = whole(`${PLATFORM_PART}/${PLATFORM_PART}(?:/${PLATFORM_PART})?`);

/** A name the engine takes, or why it does not (in a few words). */
export type ReferenceAnswer = ({ ok: true } & CheckedReference) | { ok: false; reason: string };

/** Splits `name` into registry and path by docker's rule (`splitDockerDomain`). */
function splitRegistry(name: string): [string | undefined, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [undefined, name];
  const first = name.slice(0, slash);
  const isHost =
    REGISTRY_MARKS.some((m) => first.includes(m)) || first === 'localhost' || /[A-Z]/.test(first);
  return isHost ? [first, name.slice(slash + 1)] : [undefined, name];
}

/** Reads a reference as `strata_core::reference::Reference::parse` does. */
export function parseReference(input: string): ReferenceAnswer {
  const no = (reason: string): ReferenceAnswer => ({ ok: false, reason });
  if (input === '') return no('the reference is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(input)) return no('spaces or control characters');
  const at = input.indexOf('@');
  const rest = at < 0 ? input : input.slice(0, at);
  const digest = at < 0 ? undefined : input.slice(at + 1);
  if (digest !== undefined && !digestRe.test(digest)) return no('not a sha256 digest');
  const lastSlash = rest.lastIndexOf('/') + 1;
  const colon = rest.slice(lastSlash).lastIndexOf(':');
  const name = colon < 0 ? rest : rest.slice(0, lastSlash + colon);
  const tag = colon < 0 ? undefined : rest.slice(lastSlash + colon + 1);
  if (name === '') return no('the repository name is empty');
  if (tag !== undefined && !tagRe.test(tag)) return no('not a valid tag');
  if (name.length > NAME_MAX) return no('the repository name is too long');
  const [host, path] = splitRegistry(name);
  let registry = DOCKER_HUB;
  if (host !== undefined) {
    if (!registryRe.test(host)) return no('not a valid registry host[:port]');
    registry = host === DOCKER_HUB_ALIAS ? DOCKER_HUB : host;
  } else if (/^[0-9a-fA-F]{64}$/.test(path)) {
    return no('a 64-character hexadecimal string is an image ID');
  }
  if (/[A-Z]/.test(path)) return no('repository name must be lowercase');
  if (!path.split('/').every((c) => componentRe.test(c))) return no('not a valid repository path');
  const repository = registry === DOCKER_HUB && !path.includes('/') ? `${OFFICIAL_PREFIX}${path}` : path;
  const shownTag = tag ?? (digest === undefined ? DEFAULT_TAG : undefined);
  const suffix = `${shownTag !== undefined ? `:${shownTag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const official = repository.startsWith(OFFICIAL_PREFIX) ? repository.slice(OFFICIAL_PREFIX.length) : undefined;
  const familiarName =
    registry !== DOCKER_HUB
      ? `${registry}/${repository}`
      : official !== undefined && !official.includes('/')
        ? official
        : repository;
  return { ok: true, full: `${registry}/${repository}${suffix}`, familiar: `${familiarName}${suffix}` };
}

/** A registry `host[:port]` as the reference grammar takes it. */
export function registryOk(host: string): boolean {
  return registryRe.test(host);
}

/** `linux/arm64`, `linux/arm/v7`: what `--platform` and the Pull dialog take. */
export function platformOk(text: string): boolean {
  return platformRe.test(text.trim());
}

/** Whether a config change starts with an instruction commit applies, and has a value. */
export function changeLooksRight(change: string): boolean {
  const [word, ...rest] = change.trim().split(/\s+/);
  return CHANGE_INSTRUCTIONS.includes((word ?? '').toUpperCase()) && rest.join(' ') !== '';
}

const managedNameRe = whole(MANAGED_NAME);

/** A namespace or repository name the management APIs take (`manage::check_name`). */
export function managedNameOk(name: string): boolean {
  return managedNameRe.test(name);
}
