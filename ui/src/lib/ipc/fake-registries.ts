// The Registries part of the test double (FakeApi delegates here): saved registries,
// accounts without secrets, repositories, tags with details, and the remote operations,
// all in memory. The one password it accepts per account is kept apart from everything
// it returns, as the shell keeps it in the keychain.
import type {
  Account,
  AcrInstance,
  ApiForm,
  CloudAccount,
  CloudAccountView,
  ApiField,
  DeletePlan,
  ManagedNamespace,
  ManagedRepository,
  MissingRepository,
  NewRegistryForm,
  NewRepositoryForm,
  Preset,
  PushScript,
  RegistryView,
  RepositoryTree,
  Retagged,
  SavedRegistry,
  ScriptTool,
  TagDetails,
} from '../bindings.gen';
import { ProblemError } from './problem';
import { managedNameOk, registryOk } from '../shared/rules';

const ACR_REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'cn-hongkong', 'ap-southeast-1'];

/** The providers as the shell describes them (a subset of ACR's regions). */
export function fakePresets(): Preset[] {
  const fields: Partial<Record<Preset['provider'], ApiField[]>> = {
    acr_personal: ['region', 'endpoint', 'access_key'],
    acr_enterprise: ['region', 'instance', 'endpoint', 'access_key'],
    harbor: ['endpoint'],
    docker_hub: ['endpoint'],
  };
  const p = (provider: Preset['provider'], label: string, endpoint_template: string, lists: boolean, vpc: boolean): Preset => ({
    provider,
    label,
    endpoint_template,
    regions: provider.startsWith('acr') ? ACR_REGIONS : [],
    lists_repositories: lists,
    has_vpc_endpoint: vpc,
    username_hint: 'the registry username',
    api_fields: fields[provider] ?? [],
  });
  return [
    p('acr_personal', 'Alibaba Cloud ACR (Personal Edition)', 'registry.{region}.aliyuncs.com', false, true),
    p('acr_enterprise', 'Alibaba Cloud ACR (Enterprise Edition)', '{instance}-registry.{region}.cr.aliyuncs.com', true, true),
    p('docker_hub', 'Docker Hub', 'docker.io', false, false),
    p('ghcr', 'GitHub Container Registry', 'ghcr.io', false, false),
    p('harbor', 'Harbor', '', true, false),
    p('quay', 'Quay', 'quay.io', false, false),
    p('generic', 'Other OCI registry', '', true, false),
  ];
}

/** A tag's details, made up from its name. */
export function fakeDetails(tag: string, digest = `sha256:${hex(tag)}`, created = '2026-01-01T00:00:00Z'): TagDetails {
  return {
    tag,
    digest,
    media_type: 'application/vnd.oci.image.manifest.v1+json',
    index: false,
    size: 1000 + tag.length * 1000,
    platforms: ['linux/amd64'],
    created,
  };
}

function hex(text: string): string {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(8);
}

function invalidName(name: string): ProblemError {
  return new ProblemError({
    code: 'manage.invalid_name',
    message: `\`${name}\` is not a valid namespace or repository name`,
    hint: { key: 'manage.name_grammar', args: {} },
  });
}

function apiNotFound(what: string): ProblemError {
  return new ProblemError({ code: 'manage.not_found', message: `the API refused: ${what} does not exist` });
}

/** A namespace of a registry with a management API, as the fake keeps it. */
interface FakeNamespace {
  public: boolean;
  repos: Map<string, ManagedRepository>;
}

function notFound(what: string): ProblemError {
  return new ProblemError({ code: 'registry.not_found', message: `${what} not found` });
}

export class FakeRegistries {
  presets: Preset[] = fakePresets();
  saved: SavedRegistry[] = [];
  accounts: Account[] = [];
  /** Passwords the fake registry accepts: `endpoint username` → password. Never returned. */
  passwords = new Map<string, string>();
  /** Endpoint → repository → tag → details. */
  repos: Record<string, Record<string, Map<string, TagDetails>>> = {};
  /** Endpoints whose catalog is refused (as ACR Personal and Docker Hub do). */
  noCatalog = new Set<string>();
  /** AccessKeys the fake management API accepts: ID → secret. Never returned. */
  accessKeys = new Map<string, string>();
  /** Endpoint → namespaces, for registries whose management API is set up. */
  managed: Record<string, Map<string, FakeNamespace>> = {};
  /** Named cloud accounts (no secret: the secret is the one in `accessKeys`). */
  cloudAccounts: CloudAccount[] = [];
  /** ACR Enterprise instances the fake API lists. */
  instances: AcrInstance[] = [];

  cloudAccountViews(): CloudAccountView[] {
    return [...this.cloudAccounts]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((a) => ({ ...a, registries: this.saved.filter((r) => r.api?.account === a.name).map((r) => r.name) }));
  }

  removeCloudAccount(name: string): CloudAccountView {
    const view = this.cloudAccountViews().find((v) => v.name === name);
    if (!view) throw new ProblemError({ code: 'manage.unknown_account', message: `there is no cloud account named \`${name}\`` });
    if (view.registries.length > 0) {
      throw new ProblemError({
        code: 'manage.account_in_use',
        message: `the cloud account \`${name}\` is used by ${view.registries.join(', ')}`,
        hint: { key: 'manage.account_users', args: { account: name } },
      });
    }
    this.cloudAccounts = this.cloudAccounts.filter((a) => a.name !== name);
    return view;
  }

  /** The AccessKey ID a form names (a saved account's, or the one typed), checked as the API would. */
  private checkKey(api: ApiForm): string | undefined {
    if (api.account?.trim()) {
      const account = this.cloudAccounts.find((a) => a.name === api.account.trim());
      if (!account) throw new ProblemError({ code: 'manage.unknown_account', message: `there is no cloud account named \`${api.account}\`` });
      return account.access_key_id;
    }
    const keyId = api.access_key_id.trim();
    if (keyId && this.accessKeys.get(keyId) !== api.access_key_secret) {
      throw new ProblemError({
        code: this.accessKeys.has(keyId) ? 'manage.signature_mismatch' : 'manage.wrong_key',
        message: `the API refused listing namespaces: the AccessKey ${keyId} was refused; nothing was saved`,
        hint: { key: 'manage.check_secret', args: {} },
      });
    }
    return keyId || undefined;
  }

  acrInstances(api: ApiForm): AcrInstance[] {
    if (!this.checkKey(api)) throw new ProblemError({ code: 'manage.no_access_key', message: 'no AccessKey was given' });
    return this.instances.map((i) => ({ ...i }));
  }

  private view(r: SavedRegistry): RegistryView {
    const accounts = this.accounts.filter((a) => a.registry === r.endpoint);
    return {
      ...r,
      accounts,
      effective_username: r.username ?? accounts.find((a) => a.default)?.username,
      lists_repositories: this.presets.find((p) => p.provider === r.provider)?.lists_repositories ?? true,
      api_login: r.provider.startsWith('acr') && !!r.api?.access_key_id,
    };
  }

  private find(endpoint: string): SavedRegistry {
    const r = this.saved.find((s) => s.endpoint === endpoint || s.name === endpoint);
    if (!r) throw new ProblemError({ code: 'catalog.unknown_registry', message: `no saved registry is called \`${endpoint}\`` });
    return r;
  }

  private tags(endpoint: string, repository: string): Map<string, TagDetails> {
    const tags = this.repos[endpoint]?.[repository];
    if (!tags) throw notFound(`repository ${repository}`);
    return tags;
  }

  list(): RegistryView[] {
    return this.saved.map((r) => this.view(r));
  }

  /** Saves a registry; `caFile` is the CA path the shell resolved from the form's token or typed path. */
  add(form: Omit<NewRegistryForm, 'api'> & { api?: NewRegistryForm['api'] }, caFile: string | null = null): RegistryView {
    const endpoint = form.endpoint.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '').toLowerCase();
    if (!registryOk(endpoint)) {
      throw new ProblemError({
        code: 'registry.invalid_name',
        message: `\`${form.endpoint}\` is not a registry endpoint: expected a host name with an optional port`,
        hint: { key: 'registry.endpoint_example', args: {} },
      });
    }
    if (this.saved.some((s) => s.endpoint === endpoint)) {
      throw new ProblemError({ code: 'catalog.duplicate', message: `the registry ${endpoint} is already saved` });
    }
    const api = form.api;
    const keyId = api ? this.checkKey(api) : undefined;
    const blank = (t: string | undefined) => (t?.trim() ? t.trim() : undefined);
    const name = form.name?.trim() || endpoint;
    let account: string | undefined;
    if (keyId && api) {
      account = blank(api.account) ?? blank(api.account_name) ?? name;
      const existing = this.cloudAccounts.find((a) => a.name === account);
      if (existing) existing.access_key_id = keyId;
      else
        this.cloudAccounts.push({
          name: account,
          provider: 'aliyun',
          access_key_id: keyId,
          sts: false,
          created: '2026-01-01T00:00:00Z',
          ...(blank(api.account) || blank(api.account_name) ? {} : { made_for: endpoint }),
        });
    }
    const settings = api
      ? Object.fromEntries(
          Object.entries({ region: blank(api.region), instance: blank(api.instance), endpoint: blank(api.endpoint), access_key_id: keyId || undefined, account }).filter(
            ([, v]) => v !== undefined,
          ),
        )
      : undefined;
    const saved: SavedRegistry = {
      endpoint,
      name,
      provider: form.provider,
      insecure: form.insecure,
      repositories: [],
      ...(form.username ? { username: form.username } : {}),
      ...(caFile ? { ca_file: caFile } : {}),
      ...(settings && Object.keys(settings).length > 0 ? { api: settings } : {}),
    };
    this.saved.push(saved);
    if (keyId) this.managed[endpoint] ??= new Map();
    return this.view(saved);
  }

  remove(endpoint: string): SavedRegistry {
    const r = this.find(endpoint);
    this.saved = this.saved.filter((s) => s !== r);
    // The account cloud-login made for this registry goes with it when nothing else uses it.
    const account = this.cloudAccounts.find((a) => a.name === r.api?.account);
    if (account?.made_for === r.endpoint && !this.saved.some((s) => s.api?.account === account.name)) {
      this.cloudAccounts = this.cloudAccounts.filter((a) => a !== account);
    }
    return r;
  }

  addRepositories(endpoint: string, repositories: string[]): RegistryView {
    const r = this.find(endpoint);
    r.repositories = [...new Set([...(r.repositories ?? []), ...repositories])].sort();
    return this.view(r);
  }

  login(endpoint: string, username: string, password: string, namespace: string | null, makeDefault: boolean): Account {
    const want = this.passwords.get(`${endpoint} ${username}`);
    if (want === undefined || want !== password) {
      throw new ProblemError({
        code: 'credentials.refused',
        message: `${endpoint} refused the login of ${username} (401 Unauthorized); nothing was saved`,
        hint: { key: 'credentials.check_password', args: {} },
      });
    }
    const first = !this.accounts.some((a) => a.registry === endpoint);
    this.accounts = this.accounts.filter((a) => !(a.registry === endpoint && a.username === username));
    if (makeDefault) for (const a of this.accounts) if (a.registry === endpoint) a.default = false;
    const account: Account = { registry: endpoint, username, default: first || makeDefault, kind: 'password', ...(namespace ? { namespace } : {}) };
    this.accounts.push(account);
    return { ...account };
  }

  logout(endpoint: string, username: string | null): Account[] {
    const gone = this.accounts.filter((a) => a.registry === endpoint && (username === null || a.username === username));
    this.accounts = this.accounts.filter((a) => !gone.includes(a));
    return gone;
  }

  /** The namespaces of a registry whose API is set up. */
  private api(endpoint: string): Map<string, FakeNamespace> {
    const api = this.managed[this.find(endpoint).endpoint];
    if (!api) throw new ProblemError({ code: 'manage.no_access_key', message: `no AccessKey is saved for ${endpoint}` });
    return api;
  }

  private namespace(endpoint: string, name: string): FakeNamespace {
    const ns = this.api(endpoint).get(name);
    if (!ns) throw apiNotFound(`the namespace ${name}`);
    return ns;
  }

  loginWithApi(endpoint: string): Account {
    this.api(endpoint);
    this.accounts = this.accounts.filter((a) => a.registry !== endpoint);
    const account: Account = { registry: endpoint, username: 'cr_temp_user', default: true, kind: 'password' };
    this.accounts.push(account);
    return { ...account };
  }

  createNamespace(endpoint: string, name: string, isPublic: boolean): ManagedNamespace {
    if (!managedNameOk(name)) throw invalidName(name);
    const api = this.api(endpoint);
    if (api.has(name)) throw new ProblemError({ code: 'manage.name_taken', message: `the namespace ${name} exists`, hint: { key: 'manage.choose_other_name', args: {} } });
    api.set(name, { public: isPublic, repos: new Map() });
    return { name, public: isPublic };
  }

  deleteNamespace(endpoint: string, name: string): void {
    const ns = this.namespace(endpoint, name);
    for (const repo of ns.repos.keys()) delete this.repos[endpoint]?.[`${name}/${repo}`];
    this.api(endpoint).delete(name);
  }

  createRepository(endpoint: string, form: NewRepositoryForm): ManagedRepository {
    for (const n of [form.namespace, form.name]) if (!managedNameOk(n)) throw invalidName(n);
    const ns = this.namespace(endpoint, form.namespace);
    if (ns.repos.has(form.name)) throw new ProblemError({ code: 'manage.name_taken', message: `the repository ${form.name} exists`, hint: { key: 'manage.choose_other_name', args: {} } });
    const repo: ManagedRepository = {
      namespace: form.namespace,
      name: form.name,
      summary: form.summary,
      public: form.public,
      ...(form.detail ? { detail: form.detail } : {}),
    };
    ns.repos.set(form.name, repo);
    (this.repos[endpoint] ??= {})[`${form.namespace}/${form.name}`] = new Map();
    return { ...repo };
  }

  repository(endpoint: string, namespace: string, name: string): ManagedRepository {
    const repo = this.namespace(endpoint, namespace).repos.get(name);
    if (!repo) throw apiNotFound(`the repository ${namespace}/${name}`);
    return { ...repo };
  }

  deleteRepository(endpoint: string, namespace: string, name: string): void {
    this.repository(endpoint, namespace, name);
    this.namespace(endpoint, namespace).repos.delete(name);
    delete this.repos[endpoint]?.[`${namespace}/${name}`];
  }

  missing(remote: string): MissingRepository | null {
    const slash = remote.indexOf('/');
    const registry = remote.slice(0, slash);
    const path = remote.slice(slash + 1).replace(/[:@].*$/, '');
    const [namespace, name, ...rest] = path.split('/');
    if (!this.managed[registry] || rest.length > 0 || !namespace || !name) return null;
    return this.managed[registry].get(namespace)?.repos.has(name) ? null : { registry, namespace, name };
  }

  browse(endpoint: string): RepositoryTree {
    const r = this.find(endpoint);
    const api = this.managed[r.endpoint];
    if (api) {
      return {
        registry: r.endpoint,
        catalog: { state: 'api' },
        api: { create_namespace: true, delete_namespace: true, create_repository: true, delete_repository: true, temporary_login: true },
        namespaces: [...api]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, ns]) => ({
            name,
            public: ns.public,
            repositories: [...ns.repos.values()]
              .sort((a, b) => (a.name < b.name ? -1 : 1))
              .map((repo) => ({ name: `${name}/${repo.name}`, source: 'api', public: repo.public, ...(repo.summary ? { summary: repo.summary } : {}) })),
          })),
      };
    }
    const listed = this.noCatalog.has(endpoint) ? [] : Object.keys(this.repos[endpoint] ?? {});
    const all = [...new Set([...listed, ...(r.repositories ?? [])])].sort();
    const groups = new Map<string, string[]>();
    for (const name of all) {
      const ns = name.includes('/') ? name.slice(0, name.indexOf('/')) : '(root)';
      groups.set(ns, [...(groups.get(ns) ?? []), name]);
    }
    return {
      registry: endpoint,
      catalog: this.noCatalog.has(endpoint)
        ? {
            state: 'unavailable',
            reason: 'it answered 404 to /v2/_catalog',
            hint: { key: 'catalog.add_repositories_by_hand', args: { registry: endpoint } },
          }
        : { state: 'listed', pages: 1 },
      // Sorted by namespace, as the engine's BTreeMap gives them.
      namespaces: [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, repos]) => ({
        name,
        repositories: repos.map((n) => ({
          name: n,
          source: listed.includes(n) ? ((r.repositories ?? []).includes(n) ? 'both' : 'catalog') : 'manual',
        })),
      })),
    };
  }

  listTags(endpoint: string, repository: string): string[] {
    return [...this.tags(endpoint, repository).keys()].sort();
  }

  details(endpoint: string, repository: string, tag: string): TagDetails {
    const d = this.tags(endpoint, repository).get(tag);
    if (!d) throw notFound(`${repository}:${tag}`);
    return { ...d };
  }

  retag(endpoint: string, repository: string, source: string, target: string): Retagged {
    const tags = this.tags(endpoint, repository);
    const d = this.details(endpoint, repository, source);
    tags.set(target, { ...d, tag: target });
    return { source: `${endpoint}/${repository}:${source}`, target: `${endpoint}/${repository}:${target}`, digest: d.digest, media_type: d.media_type };
  }

  plan(endpoint: string, repository: string, tag: string): DeletePlan {
    const d = this.details(endpoint, repository, tag);
    const also = [...this.tags(endpoint, repository).values()].filter((x) => x.digest === d.digest && x.tag !== tag).map((x) => x.tag).sort();
    return { reference: `${endpoint}/${repository}:${tag}`, repository, digest: d.digest, also_removed: also };
  }

  delete(endpoint: string, repository: string, tag: string, allowShared: boolean): DeletePlan {
    const plan = this.plan(endpoint, repository, tag);
    if (plan.also_removed.length > 0 && !allowShared) {
      throw new ProblemError({
        code: 'catalog.shared_digest',
        message: `deleting ${plan.reference} deletes its manifest ${plan.digest}, which the tags ${plan.also_removed.join(', ')} also name`,
      });
    }
    const tags = this.tags(endpoint, repository);
    for (const t of [tag, ...plan.also_removed]) tags.delete(t);
    return plan;
  }

  script(endpoint: string, repository: string, tool: ScriptTool, vpc: boolean): PushScript {
    const r = this.saved.find((s) => s.endpoint === endpoint);
    const user = r?.username ?? this.accounts.find((a) => a.registry === endpoint && a.default)?.username ?? '[username]';
    const vpcEndpoint = /^registry\.([a-z0-9-]+)\.aliyuncs\.com$/.test(endpoint) ? endpoint.replace('registry.', 'registry-vpc.') : undefined;
    const host = vpc && vpcEndpoint ? vpcEndpoint : endpoint;
    const image = `${host}/${repository}:[tag]`;
    const login = tool === 'docker' ? `docker login --username=${user} ${host}` : `strata login --username=${user} --password-stdin ${host}`;
    return {
      endpoint: host,
      ...(vpcEndpoint ? { vpc_endpoint: vpcEndpoint } : {}),
      steps: [
        { key: 'login', title: `Log in to ${host}`, commands: [login] },
        { key: 'pull', title: 'Pull an image from the registry', commands: [`${tool} pull ${image}`] },
        { key: 'push', title: 'Push an image to the registry', commands: [login, `${tool} tag [ImageId] ${image}`, `${tool} push ${image}`] },
      ],
      notes: [],
    };
  }
}
