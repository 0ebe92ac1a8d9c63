// How a Problem reads in the app, in English and 简体中文: one renderer for every place that
// shows an error (the banner, a note in a dialog, a line in a list).
//
// The engine writes each Problem's `message` in English; it names what failed (a path, a
// host), so it is always shown, as the detail. The `code` gets a sentence of its own here, so
// that a person who chose 简体中文 reads what went wrong in Chinese first. The `hint` is a key
// with arguments ({key, args}), worded for the app in hints.ts: the buttons and screens to
// use, never `strata` commands (those are the command line's words for the same keys).
//
// Both tables are typed by the lists generated from Rust (../problemCodes.gen.ts): a code or
// hint key without an English and a Chinese text fails `npm run check`.
import type { Hint, Problem } from '../bindings.gen';
import type { HintKey, ProblemArea, ProblemCode } from '../problemCodes.gen';
import { hintTexts } from './hints';
import type { Locale } from './index.svelte';

/** One sentence in both languages. */
export interface Bilingual {
  en: string;
  zh: string;
}

/** Codes the UI itself reports: a failed IPC call, a bug. */
export type UiCode = 'ipc.failed' | 'ui.unexpected';

/** What each code means, in both languages. */
export const problemTexts = {
  // The UI's own.
  'ipc.failed': { en: 'The app could not run the command', zh: '应用无法执行该命令' },
  'ui.unexpected': { en: 'Strata hit an unexpected error', zh: 'Strata 遇到了意外错误' },

  // The app shell (src-tauri/src/vocabulary.rs).
  'app.internal': { en: 'The operation stopped unexpectedly', zh: '操作意外中止' },
  'app.no_shell': { en: 'The image has no shell to open', zh: '该镜像中没有可打开的 shell' },
  'app.terminal': { en: 'The terminal failed', zh: '终端出错' },
  'app.terminal_closed': { en: 'The terminal is closed', zh: '终端已关闭' },

  // Host paths from the webview (src-tauri/src/commands/host_path.rs).
  'path.empty': { en: 'No path was given', zh: '未提供路径' },
  'path.not_absolute': { en: 'That is not a full path', zh: '这不是完整路径' },
  'path.not_found': { en: 'There is no such file on this computer', zh: '本机上没有这个文件' },
  'path.typing_refused': { en: 'A typed path is not accepted here', zh: '此处不接受手动输入的路径' },
  'path.unknown_token': { en: 'The app does not know that file choice', zh: '应用不认识这个文件选择' },
  'path.wrong_purpose': { en: 'That file was chosen for something else', zh: '该文件是为其他用途选择的' },

  // The saved registry list, browsing and remote tag operations.
  'catalog.ca_file': { en: "Cannot read the registry's CA certificate file", zh: '无法读取镜像仓库的 CA 证书文件' },
  'catalog.cross_repository': { en: 'A retag stays within one repository', zh: '修改标签只能在同一个仓库内进行' },
  'catalog.delete_unsupported': { en: 'The registry does not allow deleting this', zh: '该镜像仓库不允许删除' },
  'catalog.duplicate': { en: 'That registry is already saved', zh: '该镜像仓库已添加' },
  'catalog.file': { en: 'Cannot read or save the registry list', zh: '无法读取或保存镜像仓库列表' },
  'catalog.no_catalog': { en: 'The registry does not list its repositories', zh: '该镜像仓库不提供仓库列表' },
  'catalog.no_config_dir': { en: 'No configuration folder for the registry list', zh: '找不到保存镜像仓库列表的配置文件夹' },
  'catalog.no_tag': { en: 'The reference names no tag', zh: '镜像引用中没有标签' },
  'catalog.shared_digest': {
    en: 'Other tags point at the same image and would be deleted too',
    zh: '其他标签指向同一个镜像，删除会一并删除它们',
  },
  'catalog.unknown_provider': { en: 'Unknown registry provider', zh: '未知的镜像仓库类型' },
  'catalog.unknown_registry': { en: 'No saved registry has that name', zh: '没有这个名称的已保存镜像仓库' },

  // Containers.
  'container.ambiguous': { en: 'Several containers match', zh: '有多个容器与之匹配' },
  'container.binary': { en: 'The file is not a text file', zh: '该文件不是文本文件' },
  'container.corrupt': { en: "The container's data is damaged", zh: '容器的数据已损坏' },
  'container.invalid_mode': { en: 'Unknown container mode', zh: '未知的容器模式' },
  'container.invalid_name': { en: 'That is not a valid container name', zh: '容器名称无效' },
  'container.invalid_option': { en: 'That run option is not understood', zh: '无法识别该运行选项' },
  'container.invalid_path': { en: 'That path cannot be used in the container', zh: '该路径不能在容器中使用' },
  'container.io': { en: "Cannot read or write the container's files", zh: '无法读写容器的文件' },
  'container.layer_count': { en: "The image's manifest and config disagree on its layers", zh: '镜像清单与镜像配置中的层数不一致' },
  'container.mount': { en: "Cannot mount the container's overlay filesystem", zh: '无法挂载容器的 overlay 文件系统' },
  'container.name_in_use': { en: 'A container with that name already exists', zh: '已存在同名容器' },
  'container.needs_root': { en: 'Running a command in a container needs root', zh: '在容器中运行命令需要 root 权限' },
  'container.network': { en: "The container's network could not be set up", zh: '无法设置容器网络' },
  'container.no_changes': { en: 'The container has no changes to commit', zh: '容器没有可提交的变更' },
  'container.no_runtime': { en: 'No container runtime (runc) is installed', zh: '未安装容器运行时（runc）' },
  'container.no_slirp4netns': {
    en: "The container's network needs slirp4netns, which is not installed",
    zh: '容器网络需要 slirp4netns，但尚未安装',
  },
  'container.not_found': { en: 'No such container', zh: '容器不存在' },
  'container.not_regular_file': { en: 'That is not a regular file, so it is not opened', zh: '这不是普通文件，因此不会打开它' },
  'container.runtime': { en: 'The container runtime could not run the command', zh: '容器运行时无法执行该命令' },
  'container.too_large': { en: 'The file is too large to edit here', zh: '文件太大，无法在此编辑' },
  'container.unknown_user': { en: 'Unknown user or group in the container', zh: '容器中不存在该用户或用户组' },
  'container.unsupported': { en: 'Containers need Linux', zh: '容器需要 Linux' },

  // Logins and the keychain.
  'credentials.accounts_file': { en: 'Cannot read or save the account list', zh: '无法读取或保存账号列表' },
  'credentials.ambiguous': { en: 'The registry has several accounts; choose one', zh: '该镜像仓库有多个账号，请指定一个' },
  'credentials.check': { en: 'Cannot check the login with the registry; nothing was saved', zh: '无法向镜像仓库验证登录，凭据未保存' },
  'credentials.corrupt': { en: 'The saved password is damaged', zh: '保存的凭据已损坏' },
  'credentials.empty_secret': { en: 'The password is empty', zh: '密码为空' },
  'credentials.helper': { en: 'The Docker credential helper failed', zh: 'Docker 凭据助手（credential helper）执行失败' },
  'credentials.import_file': { en: 'Cannot read the login file', zh: '无法读取登录配置文件' },
  'credentials.invalid_username': { en: 'The username is invalid', zh: '用户名无效' },
  'credentials.keychain': { en: 'The keychain failed', zh: '钥匙串操作失败' },
  'credentials.locked': { en: 'The keychain is locked or refused access', zh: '钥匙串已锁定或拒绝访问' },
  'credentials.no_config_dir': { en: 'No configuration folder for the account list', zh: '找不到保存账号列表的配置文件夹' },
  'credentials.no_keychain': { en: 'No keychain is available to keep the password safely', zh: '没有可用的钥匙串，无法安全地保存密码' },
  'credentials.not_logged_in': { en: 'Not logged in to this registry', zh: '尚未登录该镜像仓库' },
  'credentials.refused': {
    en: 'The registry refused the username or password; nothing was saved',
    zh: '镜像仓库拒绝了用户名或密码，凭据未保存',
  },

  // Digests: content checked against what it should hash to.
  'digest.invalid': { en: 'That is not a valid digest', zh: '摘要（digest）格式无效' },
  'digest.mismatch': { en: 'Data does not match its digest', zh: '数据与其摘要不匹配' },

  // Container engines beside Strata (Podman, Docker).
  'engine.bad_answer': { en: "Podman's answer is not what it should be", zh: 'Podman 的输出不符合预期' },
  'engine.failed': { en: 'Podman reported an error', zh: 'Podman 报告了错误' },
  'engine.invalid_name': { en: 'Not an image name or ID', zh: '不是镜像名称或 ID' },
  'engine.io': { en: 'Cannot talk to Podman', zh: '无法与 Podman 通信' },
  'engine.not_found': { en: 'No container engine found', zh: '未找到容器引擎' },
  'engine.too_large': { en: 'Podman sent more than allowed', zh: 'Podman 发送的数据超出了允许的大小' },
  'engine.unknown': { en: 'Unknown container engine', zh: '未知的容器引擎' },
  'engine.unsupported': { en: 'Strata cannot use this engine yet', zh: 'Strata 暂不支持该容器引擎' },

  // The data folder.
  'home.unknown': { en: 'No data folder for this user', zh: '找不到当前用户的数据文件夹' },

  // Images: import, export, inspect, files.
  'image.corrupt': { en: 'The image archive is damaged', zh: '镜像归档文件已损坏' },
  'image.exists': { en: 'The file already exists', zh: '文件已存在' },
  'image.invalid': { en: 'The image metadata is invalid', zh: '镜像元数据无效' },
  'image.invalid_change': { en: 'Cannot apply that change to the image config', zh: '无法将该变更应用到镜像配置' },
  'image.io': { en: 'Cannot read or write the file', zh: '无法读写该文件' },
  'image.layer_out_of_range': { en: 'The image has no such layer', zh: '镜像中没有这一层' },
  'image.media_type': { en: 'Not an image manifest or index', zh: '不是镜像清单或镜像索引' },
  'image.missing': { en: 'Part of the image archive is missing', zh: '镜像归档文件缺少部分内容' },
  'image.needs_name': { en: 'The image needs a name', zh: '需要为镜像指定名称' },
  'image.not_an_archive': { en: 'The file is not an image archive', zh: '该文件不是镜像归档文件（docker save 或 OCI）' },
  'image.schema1': {
    en: 'The image uses the old Docker schema 1 format, which Strata does not read',
    zh: '该镜像使用旧的 Docker schema 1 格式，Strata 不支持读取',
  },
  'image.too_large': { en: 'Image metadata is larger than allowed', zh: '镜像元数据超出了允许的大小' },
  'image.would_overwrite': { en: 'The file already exists and would be replaced', zh: '文件已存在，将会被替换' },

  // Layers (tar streams) and the files in them.
  'layer.corrupt': { en: 'The layer is damaged', zh: '镜像层已损坏' },
  'layer.exists': { en: 'The target already exists', zh: '目标已存在' },
  'layer.io': { en: 'Cannot read or write layer files', zh: '无法读写镜像层文件' },
  'layer.not_a_file': { en: 'That path is not a regular file', zh: '该路径不是普通文件' },
  'layer.not_a_folder': { en: 'That path is not a folder', zh: '该路径不是文件夹' },
  'layer.not_found': { en: "The path is not in the image's files", zh: '镜像文件中没有该路径' },
  'layer.too_large': { en: 'The layer is larger than allowed', zh: '镜像层超出了允许的大小' },
  'layer.unsafe_entry': { en: 'The layer contains an unsafe entry and was refused', zh: '镜像层包含不安全的条目，已被拒绝' },

  // Registries' management APIs (ACR, Harbor, Docker Hub).
  'manage.bad_answer': { en: "The registry's API gave an answer Strata cannot read", zh: '镜像仓库 API 返回了无法解析的应答' },
  'manage.clock': { en: "The API refused the request's time", zh: 'API 拒绝了请求中的时间' },
  'manage.forbidden': { en: 'The account may not do this (RAM policy)', zh: '该账号无权执行此操作（RAM 权限策略）' },
  'manage.insecure_api': { en: 'The API address is plain HTTP and not on this computer', zh: 'API 地址使用明文 HTTP 且不在本机' },
  'manage.invalid_account_name': { en: 'That is not a valid account name', zh: '账号名称无效' },
  'manage.invalid_name': { en: 'That is not a valid namespace or repository name', zh: '命名空间或仓库名称无效' },
  'manage.login_elsewhere': { en: 'The login would go to a host it does not belong to, so it was not sent', zh: '登录凭据将被发往不属于它的主机，因此未发送' },
  'manage.name_taken': { en: 'That name is already taken', zh: '该名称已被占用' },
  'manage.needs_setting': { en: 'The registry lacks a setting its API needs', zh: '镜像仓库缺少 API 所需的设置' },
  'manage.unknown_account': { en: 'There is no cloud account by that name', zh: '没有该名称的云账号' },
  'manage.account_exists': { en: 'A cloud account by that name exists already', zh: '同名云账号已存在' },
  'manage.account_in_use': { en: 'Registries still use this cloud account', zh: '仍有镜像仓库在使用该云账号' },
  'manage.no_access_key': { en: 'No AccessKey is saved for this registry', zh: '该镜像仓库尚未保存 AccessKey' },
  'manage.no_api': { en: 'This registry has no management API Strata speaks', zh: '该镜像仓库没有 Strata 支持的管理 API' },
  'manage.not_found': { en: 'The namespace or repository does not exist', zh: '命名空间或仓库不存在' },
  'manage.refused': { en: "The registry's API refused the request", zh: '镜像仓库 API 拒绝了该请求' },
  'manage.region_mismatch': { en: "The API's region is not the registry's", zh: 'API 的地域与镜像仓库的地域不一致' },
  'manage.signature_mismatch': { en: 'The AccessKey secret is wrong (signature mismatch)', zh: 'AccessKey Secret 不正确（签名不匹配）' },
  'manage.throttled': { en: 'The API is receiving too many requests', zh: 'API 请求过于频繁' },
  'manage.unauthorized': { en: 'The registry refused the saved login', zh: '镜像仓库拒绝了已保存的登录信息' },
  'manage.unreachable': { en: "The registry's API cannot be reached", zh: '无法连接镜像仓库的 API' },
  'manage.unsupported': { en: "The registry's API cannot do this", zh: '镜像仓库的 API 不支持此操作' },
  'manage.wrong_key': { en: 'The AccessKey ID is unknown, disabled or expired', zh: 'AccessKey ID 不存在、已禁用或已过期' },

  // Platforms (os/arch[/variant]).
  'platform.invalid': {
    en: 'That is not a platform (expected OS/ARCH, e.g. linux/amd64)',
    zh: '平台格式无效（应为 操作系统/架构，例如 linux/amd64）',
  },
  'platform.not_found': { en: 'The image has no variant for this platform', zh: '该镜像没有适用于此平台（操作系统/架构）的版本' },

  // Image references.
  'reference.invalid': { en: 'That is not a valid image reference', zh: '镜像引用格式无效' },

  // Registries: connection, login and the distribution protocol.
  'registry.connect': { en: 'Cannot reach the registry', zh: '无法连接到镜像仓库' },
  'registry.denied': { en: 'The registry denied access', zh: '镜像仓库拒绝访问（权限不足）' },
  'registry.invalid_name': { en: 'That is not a registry address', zh: '镜像仓库地址无效' },
  'registry.invalid_repository': { en: 'That is not a repository name', zh: '仓库名称无效' },
  'registry.media_type': { en: 'The registry sent something that is not an image', zh: '镜像仓库返回的内容不是镜像清单或镜像索引' },
  'registry.missing_blob': { en: 'A layer of the local image is missing from the store', zh: '本地镜像的某个镜像层在本地存储中缺失' },
  'registry.not_found': { en: 'Not found on the registry', zh: '镜像仓库中不存在该仓库或标签' },
  'registry.protocol': { en: 'The registry sent an invalid response', zh: '镜像仓库返回了无效的响应' },
  'registry.schema1': {
    en: 'The image uses the old Docker schema 1 format, which Strata does not pull',
    zh: '该镜像使用旧的 Docker schema 1 格式，Strata 不支持拉取',
  },
  'registry.settings': { en: 'The registry settings are invalid', zh: '镜像仓库的设置无效' },
  'registry.status': { en: 'The registry returned an error', zh: '镜像仓库返回了错误' },
  'registry.tls': { en: "The registry's TLS certificate was refused", zh: '镜像仓库的 TLS 证书未通过验证' },
  'registry.token': { en: "The registry's token server failed", zh: '镜像仓库的令牌（Token）服务出错' },
  'registry.unauthorized': {
    en: 'The registry refused the credentials or needs a login',
    zh: '镜像仓库拒绝了凭据，或需要先登录（401 未授权）',
  },

  // Settings.
  'settings.invalid': { en: 'The settings file is not valid', zh: '设置文件无效' },
  'settings.no_config_dir': { en: 'No configuration folder for this user', zh: '找不到当前用户的配置文件夹' },
  'settings.read': { en: 'Cannot read the settings file', zh: '无法读取设置文件' },
  'settings.value': { en: 'This setting is not accepted', zh: '此设置不被接受' },
  'settings.write': { en: 'Cannot save the settings file', zh: '无法保存设置文件' },

  // The local store.
  'store.ambiguous': { en: 'Several images match', zh: '有多个镜像与之匹配' },
  'store.blob_not_found': { en: 'Data of the image is missing from the local store', zh: '镜像的数据在本地存储中缺失' },
  'store.in_use': { en: 'The image is used by containers', zh: '该镜像正被容器使用' },
  'store.invalid_json': { en: 'Image metadata in the local store is invalid', zh: '本地存储中的镜像元数据无效' },
  'store.io': { en: 'Cannot read or write the local store', zh: '无法读写本地存储' },
  'store.layout': { en: 'The folder is not a usable image store', zh: '该文件夹不是可用的镜像存储' },
  'store.not_found': { en: 'No such image in the local store', zh: '本地没有这个镜像' },
  'store.pinned_digest': { en: 'The name is pinned to another digest', zh: '该名称固定指向另一个摘要' },
  'store.several_names': { en: 'The image has several names', zh: '该镜像有多个名称' },
  'store.too_large': { en: 'Part of the image is larger than allowed', zh: '镜像的某部分超出了允许的大小' },

  // Background tasks.
  'task.cancelled': { en: 'Cancelled', zh: '已取消' },
  'task.not_found': { en: 'No such task', zh: '任务不存在' },
  'task.spawn': { en: 'Cannot start the task', zh: '无法启动任务' },
} satisfies Record<ProblemCode | UiCode, Bilingual>;

/** When a code is new to the UI: what its area (the part before the dot) is about. */
export const areaTexts = {
  app: { en: 'Strata hit an error', zh: 'Strata 出错了' },
  ipc: { en: 'The app could not run the command', zh: '应用无法执行该命令' },
  path: { en: 'A file on this computer could not be used', zh: '无法使用本机上的该文件' },
  ui: { en: 'Strata hit an unexpected error', zh: 'Strata 遇到了意外错误' },
  registry: { en: 'The registry returned an error', zh: '镜像仓库返回了错误' },
  catalog: { en: 'A registry operation failed', zh: '镜像仓库操作失败' },
  credentials: { en: 'A login or keychain operation failed', zh: '登录或钥匙串操作失败' },
  store: { en: 'The local image store failed', zh: '本地镜像存储出错' },
  reference: { en: 'The image reference is invalid', zh: '镜像引用无效' },
  digest: { en: 'A digest check failed', zh: '摘要校验失败' },
  home: { en: 'The data folder is not usable', zh: '数据文件夹不可用' },
  image: { en: 'An image operation failed', zh: '镜像操作失败' },
  layer: { en: 'An image layer operation failed', zh: '镜像层操作失败' },
  manage: { en: "The registry's management API failed", zh: '镜像仓库管理 API 出错' },
  platform: { en: 'The platform is not usable', zh: '平台无效或不可用' },
  container: { en: 'A container operation failed', zh: '容器操作失败' },
  engine: { en: 'Podman or Docker failed', zh: 'Podman 或 Docker 出错' },
  settings: { en: 'The settings could not be used', zh: '设置出错' },
  task: { en: 'A background task failed', zh: '后台任务失败' },
} satisfies Record<ProblemArea | 'ipc' | 'ui', Bilingual>;

/** When even the area is unknown. */
export const genericText: Bilingual = { en: 'Something went wrong', zh: '出错了' };

function lang(locale: Locale): keyof Bilingual {
  return locale === 'zh-CN' ? 'zh' : 'en';
}

function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Whether the UI has a sentence for `code`. */
export function isKnownCode(code: string): code is ProblemCode | UiCode {
  return Object.hasOwn(problemTexts, code);
}

/** One sentence saying what went wrong: the code's own, else its area's, else generic. */
export function problemSummary(code: string, locale: Locale): string {
  const area = code.split('.')[0] ?? '';
  const text =
    lookup<Bilingual>(problemTexts, code) ?? lookup<Bilingual>(areaTexts, area) ?? genericText;
  return text[lang(locale)];
}

/** Whether the UI has words for the hint `key`. */
export function isKnownHint(key: string): key is HintKey {
  return Object.hasOwn(hintTexts, key);
}

/**
 * The hint in the app's words, its `{name}`s filled from the hint's arguments (an argument
 * the hint lacks stays `{name}`). A key the UI does not know gives nothing: better no advice
 * than the wrong one.
 */
export function hintText(hint: Hint, locale: Locale): string | undefined {
  const text = lookup<Bilingual>(hintTexts, hint.key);
  if (!text) return undefined;
  return text[lang(locale)].replace(/\{([a-z0-9_]+)\}/g, (whole, name: string) => hint.args[name] ?? whole);
}

/** A Problem as the app shows it. */
export interface ShownProblem {
  /** What went wrong, in the UI language. */
  summary: string;
  /** The engine's own sentence (English): it names the path, the host. */
  detail: string;
  /** What to do, in the UI language, when known. */
  hint?: string;
}

/** The one renderer: every component that shows a Problem shows these parts. */
export function showProblem(problem: Problem, locale: Locale): ShownProblem {
  const hint = problem.hint ? hintText(problem.hint, locale) : undefined;
  const shown: ShownProblem = { summary: problemSummary(problem.code, locale), detail: problem.message };
  if (hint) shown.hint = hint;
  return shown;
}

/**
 * A Problem on one line, for a row or a field's status line: "message — hint" in English,
 * where the engine's sentence already says what failed; "summary：message — hint" in Chinese.
 */
export function problemLine(problem: Problem, locale: Locale): string {
  const { summary, detail, hint } = showProblem(problem, locale);
  const what = locale === 'en' ? detail : `${summary}：${detail}`;
  return hint ? `${what} — ${hint}` : what;
}
