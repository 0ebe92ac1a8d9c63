// What each engine error code means, in English and 简体中文. The engine writes every
// Problem's `message` and `hint` in English (they carry names, paths and hosts); this table
// gives the UI a sentence of its own per stable `code`, so a user who chose 简体中文 reads
// what went wrong in Chinese and still sees the engine's original words as the detail.
//
// One record per code holds both languages, so a code cannot be translated in one language
// and forgotten in the other. ProblemTexts.test.ts scans the Rust sources and fails on any
// code with no record here. Wording follows the Docker / Alibaba Cloud ACR console.
import type { Locale } from './index.svelte';

/** One sentence in both languages. */
export interface Bilingual {
  en: string;
  zh: string;
}

/**
 * A code's summary, plus the fixed hints the engine gives with it. A hint's `en` is the
 * engine's exact text; `{…}` in it stands for a variable part (a path, a host), which is
 * copied into the `{…}` of the same name in `zh`.
 */
export interface ProblemText extends Bilingual {
  hints?: readonly Bilingual[];
}

/** Hints several codes share (an error wrapping another keeps the inner one's hint). */
const FSCK: Bilingual = {
  en: '`strata fsck` checks the whole store',
  zh: '`strata fsck` 可检查整个本地存储',
};
const HOME_ENV: Bilingual = {
  en: 'set {env} to a folder Strata may use',
  zh: '请将 {env} 设为 Strata 可以使用的文件夹',
};
const FOLDER: Bilingual = {
  en: 'check that the folder exists and that you may write to it',
  zh: '请确认该文件夹存在且你有写入权限',
};
const NOT_IMPORTED: Bilingual = {
  en: 'nothing was imported; write the archive again from its source',
  zh: '未导入任何内容；请从来源重新生成该归档文件',
};
const CREDS: Bilingual = {
  en: 'for example --creds ann:s3cret; the password may contain `:`',
  zh: '例如 --creds ann:s3cret；密码中可以包含 `:`',
};
const NO_KEYCHAIN_LINUX: Bilingual = {
  en:
    'Strata keeps secrets only in a Secret Service keychain and never in a plain file: ' +
    'install and start one, e.g. gnome-keyring (Debian: `apt install gnome-keyring`, then ' +
    '`gnome-keyring-daemon --start --components=secrets`) or KeePassXC with "Secret ' +
    'Service integration" enabled; on a headless machine run Strata inside ' +
    '`dbus-run-session` with an unlocked gnome-keyring (`echo PASSWORD | ' +
    'gnome-keyring-daemon --unlock`). Until then, pass --creds USER:PASS per command',
  zh:
    'Strata 只把凭据保存在 Secret Service 钥匙串中，从不写入明文文件：请安装并启动一个钥匙串，' +
    '例如 gnome-keyring（Debian：`apt install gnome-keyring`，然后 ' +
    '`gnome-keyring-daemon --start --components=secrets`），或启用了“Secret Service 集成”的 KeePassXC；' +
    '在无图形界面的机器上，请在 `dbus-run-session` 中运行 Strata 并解锁 gnome-keyring' +
    '（`echo PASSWORD | gnome-keyring-daemon --unlock`）。在此之前，请在每条命令中传入 --creds USER:PASS',
};
const NO_KEYCHAIN_OTHER: Bilingual = {
  en:
    "Strata keeps secrets only in the operating system's keychain; check that it is " +
    'available to this user, or pass --creds USER:PASS per command',
  zh: 'Strata 只把凭据保存在操作系统的钥匙串中；请确认当前用户可以使用它，或在每条命令中传入 --creds USER:PASS',
};
const REGISTRY_CONNECT: Bilingual = {
  en: "check the registry's address and your network; a registry on plain HTTP outside this machine needs --insecure",
  zh: '请检查镜像仓库地址和网络；本机以外使用 HTTP（非 HTTPS）的镜像仓库需要 --insecure',
};
const REGISTRY_TLS: Bilingual = {
  en: "add the registry's CA certificate to its settings, or use --insecure for a registry you trust",
  zh: '请在该镜像仓库的设置中添加它的 CA 证书，或对你信任的镜像仓库使用 --insecure',
};

/** Every code the engine (and the UI's IPC layer) can report. */
export const problemTexts = {
  // The app shell and the IPC layer.
  'app.internal': {
    en: 'The operation stopped unexpectedly',
    zh: '操作意外中止',
  },
  'ipc.failed': {
    en: 'The app could not run the command',
    zh: '应用无法执行该命令',
  },
  'ui.unexpected': {
    en: 'Strata hit an unexpected error',
    zh: 'Strata 遇到了意外错误',
  },
  problem: {
    en: 'Something went wrong',
    zh: '出错了',
  },

  // Host paths from the webview (src-tauri/src/commands/host_path.rs).
  'path.unknown_token': {
    en: 'The app does not know that file choice',
    zh: '应用不认识这个文件选择',
    hints: [
      {
        en: 'choose the file again with Browse…, or drop it on the window',
        zh: '请用“浏览…”重新选择该文件，或把它拖到窗口上',
      },
    ],
  },
  'path.wrong_purpose': {
    en: 'That file was chosen for something else',
    zh: '该文件是为其他用途选择的',
    hints: [{ en: "choose the file again with this dialog's own button", zh: '请用此对话框自己的按钮重新选择该文件' }],
  },
  'path.typing_refused': {
    en: 'A typed path is not accepted here',
    zh: '此处不接受手动输入的路径',
    hints: [
      {
        en: 'choose the file with Browse…, or drop it on the window',
        zh: '请用“浏览…”选择该文件，或把它拖到窗口上',
      },
    ],
  },
  'path.empty': {
    en: 'No path was given',
    zh: '未提供路径',
    hints: [
      {
        en: 'type the full path, or choose the file with Browse…',
        zh: '请输入完整路径，或用“浏览…”选择该文件',
      },
    ],
  },
  'path.not_absolute': {
    en: 'That is not a full path',
    zh: '这不是完整路径',
    hints: [
      {
        en: 'type the full path, from the root of the disk (/home/…)',
        zh: '请输入从磁盘根目录开始的完整路径（/home/…）',
      },
    ],
  },

  // Registries: connection, login and the distribution protocol.
  'registry.connect': {
    en: 'Cannot reach the registry',
    zh: '无法连接到镜像仓库',
    hints: [REGISTRY_CONNECT],
  },
  'registry.tls': {
    en: "The registry's TLS certificate was refused",
    zh: '镜像仓库的 TLS 证书未通过验证',
    hints: [REGISTRY_TLS],
  },
  'registry.unauthorized': {
    en: 'The registry refused the credentials or needs a login',
    zh: '镜像仓库拒绝了凭据，或需要先登录（401 未授权）',
    hints: [
      {
        en: "check the username and password (--creds USER:PASS or `strata login`); ACR's username is the full account name",
        zh: '请检查用户名和密码（--creds USER:PASS 或 `strata login`）；ACR 的用户名是完整的账号名',
      },
      {
        en: 'log in first with `strata login REGISTRY`, or pass --creds USER:PASS',
        zh: '请先用 `strata login REGISTRY` 登录，或传入 --creds USER:PASS',
      },
    ],
  },
  'registry.denied': {
    en: 'The registry denied access',
    zh: '镜像仓库拒绝访问（权限不足）',
    hints: [
      {
        en: 'the account lacks this permission: check that the repository exists (some registries do not create it on push) and that the account may write to the namespace',
        zh: '该账号没有此权限：请确认仓库已存在（有些镜像仓库不会在推送时自动创建仓库），并且该账号可以写入该命名空间',
      },
    ],
  },
  'registry.not_found': {
    en: 'Not found on the registry',
    zh: '镜像仓库中不存在该仓库或标签',
    hints: [
      {
        en: 'check the repository name and the tag; `strata tags REPO` lists the tags',
        zh: '请检查仓库名称和标签；`strata tags REPO` 可列出所有标签',
      },
    ],
  },
  'registry.status': {
    en: 'The registry returned an error',
    zh: '镜像仓库返回了错误',
    hints: [
      {
        en: 'the registry refused the manifest: check that it accepts this media type (some registries refuse OCI or Docker formats) and that every layer was pushed',
        zh: '镜像仓库拒绝了该镜像清单：请确认它接受这种媒体类型（有些镜像仓库不接受 OCI 或 Docker 格式），并且每个镜像层都已推送',
      },
      {
        en: 'a layer or config the manifest lists is missing in the repository: push the image again; for a pull, the image on the registry is incomplete',
        zh: '镜像清单列出的某个镜像层或配置在仓库中不存在：请重新推送镜像；如果是拉取，说明镜像仓库中的该镜像不完整',
      },
      {
        en: 'the registry is rate limiting; wait a while, or log in for a higher limit',
        zh: '镜像仓库正在限流；请稍后再试，或登录以获得更高的配额',
      },
      {
        en: 'the registry failed on its side; try again later',
        zh: '镜像仓库服务端出错；请稍后重试',
      },
    ],
  },
  'registry.schema1': {
    en: 'The image uses the old Docker schema 1 format, which Strata does not pull',
    zh: '该镜像使用旧的 Docker schema 1 格式，Strata 不支持拉取',
    hints: [
      {
        en: 'push the image again with a current docker or skopeo, which converts it',
        zh: '请用新版 docker 或 skopeo 重新推送该镜像，它们会转换格式',
      },
    ],
  },
  'registry.media_type': {
    en: 'The registry sent something that is not an image',
    zh: '镜像仓库返回的内容不是镜像清单或镜像索引',
  },
  'registry.no_platform': {
    en: 'The image has no variant for this platform',
    zh: '该镜像没有适用于此平台（操作系统/架构）的版本',
    hints: [{ en: 'choose one of them with --platform', zh: '请用 --platform 选择其中之一' }],
  },
  'registry.bad_platform': {
    en: 'That is not a platform (expected OS/ARCH, e.g. linux/amd64)',
    zh: '平台格式无效（应为 操作系统/架构，例如 linux/amd64）',
  },
  'registry.platform': {
    en: 'The image has no variant for this platform',
    zh: '该镜像没有适用于此平台的版本',
  },
  'registry.digest_mismatch': {
    en: 'Data from the registry was corrupt',
    zh: '从镜像仓库收到的数据已损坏（摘要不匹配）',
    hints: [
      {
        en: 'the data was corrupted in transit or the registry is inconsistent; nothing was stored. Try again',
        zh: '数据在传输中损坏，或镜像仓库的数据不一致；未保存任何内容。请重试',
      },
    ],
  },
  'registry.protocol': {
    en: 'The registry sent an invalid response',
    zh: '镜像仓库返回了无效的响应',
  },
  'registry.token': {
    en: "The registry's token server failed",
    zh: '镜像仓库的令牌（Token）服务出错',
    hints: [
      {
        en: "check the registry's address and credentials",
        zh: '请检查镜像仓库地址和凭据',
      },
    ],
  },
  'registry.missing_blob': {
    en: 'A layer of the local image is missing from the store',
    zh: '本地镜像的某个镜像层在本地存储中缺失',
    hints: [FSCK],
  },
  'registry.settings': {
    en: 'The registry settings are invalid',
    zh: '镜像仓库的设置无效',
  },
  'registry.cancelled': {
    en: 'The transfer was cancelled',
    zh: '传输已取消',
  },

  // The saved registry list, browsing and remote tag operations.
  'catalog.no_catalog': {
    en: 'The registry does not list its repositories',
    zh: '该镜像仓库不提供仓库列表',
    hints: [
      {
        en: 'this registry does not list its repositories; add them by hand: `strata repos {registry} --add NAMESPACE/REPOSITORY`',
        zh: '该镜像仓库不提供仓库列表；请手动添加：`strata repos {registry} --add NAMESPACE/REPOSITORY`',
      },
    ],
  },
  'catalog.file': {
    en: 'Cannot read or save the registry list',
    zh: '无法读取或保存镜像仓库列表',
    hints: [
      {
        en: 'check that the folder exists and that you may write to it; a damaged file can be deleted (only saved registries are lost): {path}',
        zh: '请确认该文件夹存在且你有写入权限；损坏的文件可以删除（只会丢失已保存的镜像仓库）:{path}',
      },
    ],
  },
  'catalog.ca_file': {
    en: "Cannot read the registry's CA certificate file",
    zh: '无法读取镜像仓库的 CA 证书文件',
    hints: [
      {
        en: 'fix the path with `strata registries remove` then `add --ca-file`',
        zh: '请用 `strata registries remove` 删除后再用 `add --ca-file` 修正路径',
      },
    ],
  },
  'catalog.no_config_dir': {
    en: 'No configuration folder for the registry list',
    zh: '找不到保存镜像仓库列表的配置文件夹',
    hints: [HOME_ENV],
  },
  'catalog.bad_endpoint': {
    en: 'That is not a registry address',
    zh: '镜像仓库地址无效',
    hints: [
      {
        en: 'for example registry.cn-hangzhou.aliyuncs.com or 127.0.0.1:5000',
        zh: '例如 registry.cn-hangzhou.aliyuncs.com 或 127.0.0.1:5000',
      },
    ],
  },
  'catalog.bad_repository': {
    en: 'That is not a repository name',
    zh: '仓库名称无效',
    hints: [
      {
        en: 'a repository is lowercase path components: team/app',
        zh: '仓库名称由小写的路径段组成，例如 team/app',
      },
    ],
  },
  'catalog.bad_username': {
    en: 'The username is invalid',
    zh: '用户名无效',
    hints: [
      {
        en: "give the account's name without a password",
        zh: '请只填写账号名，不要包含密码',
      },
    ],
  },
  'catalog.unknown_provider': {
    en: 'Unknown registry provider',
    zh: '未知的镜像仓库类型',
    hints: [{ en: 'one of: {list}', zh: '可选：{list}' }],
  },
  'catalog.unknown_registry': {
    en: 'No saved registry has that name',
    zh: '没有这个名称的已保存镜像仓库',
    hints: [{ en: '`strata registries` lists them', zh: '`strata registries` 可列出已保存的镜像仓库' }],
  },
  'catalog.duplicate': {
    en: 'That registry is already saved',
    zh: '该镜像仓库已添加',
    hints: [
      {
        en: 'remove it first with `strata registries remove NAME`, or use it as it is',
        zh: '请先用 `strata registries remove NAME` 删除它，或直接使用已添加的',
      },
    ],
  },
  'catalog.cross_repository': {
    en: 'A retag stays within one repository',
    zh: '修改标签只能在同一个仓库内进行',
    hints: [
      {
        en: '`strata copy SRC DST` copies an image to another repository or registry',
        zh: '`strata copy SRC DST` 可将镜像复制到其他仓库或镜像仓库',
      },
    ],
  },
  'catalog.no_tag': {
    en: 'The reference names no tag',
    zh: '镜像引用中没有标签',
    hints: [{ en: 'add :TAG to the reference', zh: '请在镜像引用后加上 :TAG' }],
  },
  'catalog.shared_digest': {
    en: 'Other tags point at the same image and would be deleted too',
    zh: '其他标签指向同一个镜像，删除会一并删除它们',
    hints: [
      {
        en: 'deleting by digest removes every tag that names it (the registry cannot delete one tag alone); pass --yes to delete them all',
        zh: '按摘要删除会删除指向它的所有标签（镜像仓库无法只删除其中一个标签）；使用 --yes 将它们全部删除',
      },
    ],
  },
  'catalog.delete_unsupported': {
    en: 'The registry does not allow deleting this',
    zh: '该镜像仓库不允许删除',
    hints: [
      {
        en: "deleting needs the registry's delete permission (`storage.delete.enabled` on registry:2); Docker Hub and GHCR delete only in their web UI",
        zh: '删除需要镜像仓库开启删除权限（registry:2 的 `storage.delete.enabled`）；Docker Hub 和 GHCR 只能在其网页控制台中删除',
      },
    ],
  },

  // Logins and the keychain.
  'credentials.no_keychain': {
    en: 'No keychain is available to keep the password safely',
    zh: '没有可用的钥匙串，无法安全地保存密码',
    hints: [NO_KEYCHAIN_LINUX, NO_KEYCHAIN_OTHER],
  },
  'credentials.locked': {
    en: 'The keychain is locked or refused access',
    zh: '钥匙串已锁定或拒绝访问',
    hints: [
      {
        en: 'unlock the keychain (on Linux: the "login" collection of your Secret Service) and try again',
        zh: '请解锁钥匙串（Linux 上为 Secret Service 的“login”集合）后重试',
      },
    ],
  },
  'credentials.keychain': {
    en: 'The keychain failed',
    zh: '钥匙串操作失败',
    hints: [
      {
        en: 'check that the keychain works, e.g. with `secret-tool` on Linux',
        zh: '请确认钥匙串工作正常，例如在 Linux 上用 `secret-tool` 检查',
      },
    ],
  },
  'credentials.corrupt': {
    en: 'The saved password is damaged',
    zh: '保存的凭据已损坏',
    hints: [{ en: 'log in again with `strata login {registry}`', zh: '请用 `strata login {registry}` 重新登录' }],
  },
  'credentials.refused': {
    en: 'The registry refused the username or password; nothing was saved',
    zh: '镜像仓库拒绝了用户名或密码，凭据未保存',
    hints: [
      {
        en: "check the username and password (or access token); ACR's username is the full account name, and a RAM user may be limited to some namespaces",
        zh: '请检查用户名和密码（或访问令牌）；ACR 的用户名是完整的账号名，RAM 用户可能只能访问部分命名空间',
      },
    ],
  },
  'credentials.check': {
    en: 'Cannot check the login with the registry; nothing was saved',
    zh: '无法向镜像仓库验证登录，凭据未保存',
    hints: [REGISTRY_CONNECT, REGISTRY_TLS],
  },
  'credentials.accounts_file': {
    en: 'Cannot read or save the account list',
    zh: '无法读取或保存账号列表',
    hints: [
      {
        en: 'check that you may write to {path}; delete the file to start from no accounts (the secrets stay in the keychain)',
        zh: '请确认你有权限写入 {path}；删除该文件可清空账号列表（凭据仍保留在钥匙串中）',
      },
    ],
  },
  'credentials.no_config_dir': {
    en: 'No configuration folder for the account list',
    zh: '找不到保存账号列表的配置文件夹',
    hints: [HOME_ENV],
  },
  'credentials.not_logged_in': {
    en: 'Not logged in to this registry',
    zh: '尚未登录该镜像仓库',
    hints: [
      {
        en: '`strata accounts` lists the saved logins; `strata login {registry} -u USER --password-stdin` adds one',
        zh: '`strata accounts` 可列出已保存的登录；`strata login {registry} -u USER --password-stdin` 可添加登录',
      },
    ],
  },
  'credentials.ambiguous': {
    en: 'The registry has several accounts; choose one',
    zh: '该镜像仓库有多个账号，请指定一个',
    hints: [
      {
        en: 'name the account with -u USER (or use --all to log out of every one)',
        zh: '请用 -u USER 指定账号（或用 --all 退出所有账号）',
      },
    ],
  },
  'credentials.invalid_registry': {
    en: 'That is not a registry name',
    zh: '镜像仓库名称无效',
    hints: [
      {
        en: 'give a host with an optional port and namespace, e.g. registry.cn-hangzhou.aliyuncs.com/my-namespace or 127.0.0.1:5000',
        zh: '请填写主机名，可带端口和命名空间，例如 registry.cn-hangzhou.aliyuncs.com/my-namespace 或 127.0.0.1:5000',
      },
    ],
  },
  'credentials.invalid_username': {
    en: 'The username is invalid',
    zh: '用户名无效',
    hints: [{ en: "pass the account's name with -u USER", zh: '请用 -u USER 指定账号名' }],
  },
  'credentials.empty_secret': {
    en: 'The password is empty',
    zh: '密码为空',
    hints: [
      {
        en: 'pipe the password or token into --password-stdin, e.g. `printf %s "$TOKEN" | strata login REGISTRY -u USER --password-stdin`',
        zh: '请通过 --password-stdin 传入密码或令牌，例如 `printf %s "$TOKEN" | strata login REGISTRY -u USER --password-stdin`',
      },
    ],
  },
  'credentials.import_file': {
    en: 'Cannot read the login file',
    zh: '无法读取登录配置文件',
    hints: [
      {
        en: 'fix the file, or name another one with --config PATH',
        zh: '请修正该文件，或用 --config PATH 指定其他文件',
      },
    ],
  },
  'credentials.helper': {
    en: 'The Docker credential helper failed',
    zh: 'Docker 凭据助手（credential helper）执行失败',
    hints: [
      {
        en: 'check that docker-credential-{helper} is on PATH and works (`docker-credential-{helper2} list`)',
        zh: '请确认 docker-credential-{helper} 在 PATH 中且能正常运行（`docker-credential-{helper2} list`）',
      },
    ],
  },

  // The local store.
  'store.io': {
    en: 'Cannot read or write the local store',
    zh: '无法读写本地存储',
  },
  'store.blob_not_found': {
    en: 'Data of the image is missing from the local store',
    zh: '镜像的数据在本地存储中缺失',
    hints: [FSCK],
  },
  'store.not_found': {
    en: 'No such image in the local store',
    zh: '本地没有这个镜像',
    hints: [
      {
        en: '`strata images` lists the images in the store',
        zh: '`strata images` 可列出本地存储中的镜像',
      },
    ],
  },
  'store.ambiguous': {
    en: 'Several images match',
    zh: '有多个镜像与之匹配',
    hints: [
      {
        en: "give more digits of the ID, or the image's name",
        zh: '请多输入几位镜像 ID，或使用镜像名称',
      },
    ],
  },
  'store.too_large': {
    en: 'Part of the image is larger than allowed',
    zh: '镜像的某部分超出了允许的大小',
  },
  'store.digest_mismatch': {
    en: 'Data does not match its digest',
    zh: '数据与其摘要不匹配',
    hints: [
      {
        en: 'the data was corrupted or changed in transit; nothing was stored',
        zh: '数据在传输中损坏或被改动；未保存任何内容',
      },
    ],
  },
  'store.bad_json': {
    en: 'Image metadata in the local store is invalid',
    zh: '本地存储中的镜像元数据无效',
    hints: [FSCK],
  },
  'store.layout': {
    en: 'The folder is not a usable image store',
    zh: '该文件夹不是可用的镜像存储',
    hints: [
      {
        en: 'pass --home with an empty folder or an existing Strata store',
        zh: '请用 --home 指定一个空文件夹或已有的 Strata 存储',
      },
    ],
  },
  'store.pinned_digest': {
    en: 'The name is pinned to another digest',
    zh: '该名称固定指向另一个摘要',
  },
  'store.unsupported_digest': {
    en: 'Unsupported digest: only sha256 is kept',
    zh: '不支持的摘要算法：仅支持 sha256',
  },
  'store.in_use': {
    en: 'The image is used by containers',
    zh: '该镜像正被容器使用',
    hints: [
      {
        en: 'remove the containers first, or pass --force',
        zh: '请先删除这些容器，或使用 --force',
      },
    ],
  },
  'store.several_names': {
    en: 'The image has several names',
    zh: '该镜像有多个名称',
    hints: [{ en: 'pass --force to remove every name', zh: '使用 --force 删除所有名称' }],
  },
  'store.rmi': {
    en: 'Some images could not be deleted',
    zh: '部分镜像无法删除',
  },
  'store.fsck': {
    en: 'The store check found problems',
    zh: '存储检查发现了问题',
    hints: [
      {
        en: '`strata rmi` the broken images and pull or import them again',
        zh: '请用 `strata rmi` 删除损坏的镜像，然后重新拉取或导入',
      },
    ],
  },

  // Names and digests.
  'reference.invalid': {
    en: 'That is not a valid image reference',
    zh: '镜像引用格式无效',
    hints: [
      {
        en: 'a reference looks like [registry[:port]/]repository[:tag][@sha256:digest], e.g. ubuntu:24.04 or ghcr.io/owner/app@sha256:…',
        zh: '镜像引用的格式为 [registry[:port]/]repository[:tag][@sha256:digest]，例如 ubuntu:24.04 或 ghcr.io/owner/app@sha256:…',
      },
    ],
  },
  'digest.invalid': {
    en: 'That is not a valid digest',
    zh: '摘要（digest）格式无效',
  },
  'digest.mismatch': {
    en: 'Data does not match its digest',
    zh: '数据与其摘要不匹配',
    hints: [
      {
        en: 'the data was corrupted or changed in transit; nothing was stored',
        zh: '数据在传输中损坏或被改动；未保存任何内容',
      },
    ],
  },
  'home.unknown': {
    en: 'No data folder for this user',
    zh: '找不到当前用户的数据文件夹',
  },

  // Images: import, export, inspect, files.
  'image.schema1': {
    en: 'The image uses the old Docker schema 1 format, which Strata does not read',
    zh: '该镜像使用旧的 Docker schema 1 格式，Strata 不支持读取',
    hints: [
      {
        en: 'copy it once with `skopeo copy`, which converts schema 1 to a current format',
        zh: '请先用 `skopeo copy` 复制一次，它会把 schema 1 转换为当前格式',
      },
    ],
  },
  'image.media_type': {
    en: 'Not an image manifest or index',
    zh: '不是镜像清单或镜像索引',
  },
  'image.invalid': {
    en: 'The image metadata is invalid',
    zh: '镜像元数据无效',
  },
  'image.platform_invalid': {
    en: 'That is not a platform (expected OS/ARCH, e.g. linux/amd64)',
    zh: '平台格式无效（应为 操作系统/架构，例如 linux/amd64）',
  },
  'image.platform_missing': {
    en: 'The image has no variant for this platform',
    zh: '该镜像没有适用于此平台的版本',
    hints: [{ en: 'choose one of those with --platform', zh: '请用 --platform 选择其中之一' }],
  },
  'image.io': {
    en: 'Cannot read or write the file',
    zh: '无法读写该文件',
    hints: [
      {
        en: 'check the path; an archive from `docker save` or `skopeo copy` ends in .tar',
        zh: '请检查路径；`docker save` 或 `skopeo copy` 生成的归档文件以 .tar 结尾',
      },
      { en: 'choose where to save the archive', zh: '请选择归档文件的保存位置' },
    ],
  },
  'image.not_an_archive': {
    en: 'The file is not an image archive',
    zh: '该文件不是镜像归档文件（docker save 或 OCI）',
  },
  'image.corrupt': {
    en: 'The image archive is damaged',
    zh: '镜像归档文件已损坏',
    hints: [NOT_IMPORTED],
  },
  'image.missing': {
    en: 'Part of the image archive is missing',
    zh: '镜像归档文件缺少部分内容',
    hints: [NOT_IMPORTED],
  },
  'image.too_large': {
    en: 'Image metadata is larger than allowed',
    zh: '镜像元数据超出了允许的大小',
    hints: [NOT_IMPORTED],
  },
  'image.needs_name': {
    en: 'The image needs a name',
    zh: '需要为镜像指定名称',
    hints: [{ en: 'name the image with --tag REF', zh: '请用 --tag REF 为镜像命名' }],
  },
  'image.exists': {
    en: 'The file already exists',
    zh: '文件已存在',
    hints: [
      {
        en: 'choose another path, or remove the old one first',
        zh: '请选择其他路径，或先删除旧文件',
      },
    ],
  },
  'image.would_overwrite': {
    en: 'The file already exists and would be replaced',
    zh: '文件已存在，将会被替换',
    hints: [
      {
        en: 'choose another file, or replace it: `strata export --force`, or Replace in the app',
        zh: '请选择其他文件，或确认替换：使用 `strata export --force`，或在应用中点击“替换”',
      },
    ],
  },
  'image.bad_change': {
    en: 'Cannot apply that change to the image config',
    zh: '无法将该变更应用到镜像配置',
    hints: [
      {
        en: 'a change is a Dockerfile instruction such as CMD ["/app"] or ENV KEY=VALUE',
        zh: '变更是一条 Dockerfile 指令，例如 CMD ["/app"] 或 ENV KEY=VALUE',
      },
    ],
  },
  'image.layer_out_of_range': {
    en: 'The image has no such layer',
    zh: '镜像中没有这一层',
    hints: [
      {
        en: '`strata inspect` lists the layers, bottom (0) first',
        zh: '`strata inspect` 可列出镜像层，从最底层（0）开始',
      },
    ],
  },

  // Layers (tar streams).
  'layer.too_large': {
    en: 'The layer is larger than allowed',
    zh: '镜像层超出了允许的大小',
    hints: [
      {
        en: 'the layer may be a decompression bomb; if it is genuinely this large, raise the limit',
        zh: '该镜像层可能是解压炸弹；如果它确实这么大，请提高限制',
      },
    ],
  },
  'layer.unsafe_entry': {
    en: 'The layer contains an unsafe entry and was refused',
    zh: '镜像层包含不安全的条目，已被拒绝',
    hints: [
      {
        en: 'the layer was refused and nothing outside the target was touched; it may be malicious or made by a broken tool',
        zh: '该镜像层已被拒绝，目标以外的内容均未改动；它可能是恶意的，或由有缺陷的工具生成',
      },
      {
        en: 'device nodes are only created when allowed and running as root',
        zh: '只有在允许且以 root 运行时才会创建设备节点',
      },
    ],
  },
  'layer.corrupt': {
    en: 'The layer is damaged',
    zh: '镜像层已损坏',
    hints: [
      {
        en: 'the blob may be truncated or not a layer at all; fetch or import it again',
        zh: '该数据块可能被截断，或根本不是镜像层；请重新拉取或导入',
      },
    ],
  },
  'layer.io': {
    en: 'Cannot read or write layer files',
    zh: '无法读写镜像层文件',
    hints: [
      {
        en: "check free space and the folder's permissions",
        zh: '请检查磁盘剩余空间和文件夹权限',
      },
    ],
  },
  'layer.not_found': {
    en: "The path is not in the image's files",
    zh: '镜像文件中没有该路径',
    hints: [
      {
        en: 'list the folder above it to see what is there',
        zh: '请查看上一级文件夹中有哪些内容',
      },
    ],
  },
  'layer.not_a_file': {
    en: 'That path is not a regular file',
    zh: '该路径不是普通文件',
    hints: [{ en: 'list it instead of reading it', zh: '请列出其内容，而不是读取它' }],
  },
  'layer.exists': {
    en: 'The target already exists',
    zh: '目标已存在',
    hints: [
      {
        en: 'remove it first or choose another folder',
        zh: '请先删除它，或选择其他文件夹',
      },
    ],
  },

  // Containers.
  'container.io': {
    en: "Cannot read or write the container's files",
    zh: '无法读写容器的文件',
    hints: [
      {
        en: 'check the path, or choose the file with Browse…',
        zh: '请检查路径，或点击“浏览…”选择文件',
      },
    ],
  },
  'container.not_found': {
    en: 'No such container',
    zh: '容器不存在',
    hints: [{ en: '`strata ps` lists the containers', zh: '`strata ps` 可列出所有容器' }],
  },
  'container.ambiguous': {
    en: 'Several containers match',
    zh: '有多个容器与之匹配',
    hints: [
      {
        en: "give more digits of the ID, or the container's name",
        zh: '请多输入几位容器 ID，或使用容器名称',
      },
    ],
  },
  'container.name_in_use': {
    en: 'A container with that name already exists',
    zh: '已存在同名容器',
    hints: [
      {
        en: 'choose another --name, or remove the other container with `strata rm`',
        zh: '请换一个 --name，或用 `strata rm` 删除另一个容器',
      },
    ],
  },
  'container.bad_name': {
    en: 'That is not a valid container name',
    zh: '容器名称无效',
    hints: [
      {
        en: "a name starts with a letter or digit, then letters, digits, '_', '.' or '-'",
        zh: "名称以字母或数字开头，其后可以是字母、数字、'_'、'.' 或 '-'",
      },
    ],
  },
  'container.bad_path': {
    en: 'That path cannot be used in the container',
    zh: '该路径不能在容器中使用',
  },
  'container.bad_mode': {
    en: 'Unknown container mode',
    zh: '未知的容器模式',
    hints: [{ en: 'use overlay or baseline', zh: '请使用 overlay 或 baseline' }],
  },
  'container.mount': {
    en: "Cannot mount the container's overlay filesystem",
    zh: '无法挂载容器的 overlay 文件系统',
    hints: [
      {
        en: 'overlayfs needs root (or a user namespace) on Linux; create the container with STRATA_CONTAINER_MODE=baseline to use a copy instead',
        zh: '在 Linux 上 overlayfs 需要 root（或用户命名空间）；可设置 STRATA_CONTAINER_MODE=baseline 创建容器，改用复制方式',
      },
    ],
  },
  'container.corrupt': {
    en: "The container's data is damaged",
    zh: '容器的数据已损坏',
    hints: [
      {
        en: 'remove the container with `strata rm -f` and create it again',
        zh: '请用 `strata rm -f` 删除该容器后重新创建',
      },
    ],
  },
  'container.diff_id_mismatch': {
    en: "A layer does not match the image's config",
    zh: '某个镜像层与镜像配置不一致',
    hints: [
      {
        en: '`strata fsck` checks the store; pull the image again',
        zh: '`strata fsck` 可检查本地存储；请重新拉取镜像',
      },
    ],
  },
  'container.layer_count': {
    en: "The image's manifest and config disagree on its layers",
    zh: '镜像清单与镜像配置中的层数不一致',
  },
  'container.no_runtime': {
    en: 'No container runtime (runc) is installed',
    zh: '未安装容器运行时（runc）',
    hints: [
      {
        en: 'install runc (Debian/Ubuntu: apt install runc), or put it on $PATH',
        zh: '请安装 runc（Debian/Ubuntu：apt install runc），或将其加入 $PATH',
      },
    ],
  },
  'container.unsupported': {
    en: 'Running commands in a container needs Linux',
    zh: '在容器中运行命令需要 Linux',
    hints: [
      {
        en: 'files, diff and commit work everywhere; running commands needs a Linux host',
        zh: '文件、变更对比和提交在所有系统上都可用；运行命令需要 Linux 主机',
      },
    ],
  },
  'container.needs_root': {
    en: 'Running a command in a container needs root',
    zh: '在容器中运行命令需要 root 权限',
    hints: [
      {
        en: 'run strata as root (sudo) to run commands; files, diff and commit work without root',
        zh: '请以 root（sudo）运行 strata 来执行命令；文件、变更对比和提交无需 root',
      },
    ],
  },
  'container.runtime': {
    en: 'The container runtime could not run the command',
    zh: '容器运行时无法执行该命令',
    hints: [
      {
        en: 'run as root, or check that cgroups and namespaces are available',
        zh: '请以 root 运行，或检查 cgroups 和命名空间是否可用',
      },
    ],
  },
  'container.bad_option': {
    en: 'That run option is not understood',
    zh: '无法识别该运行选项',
    hints: [
      {
        en: 'seccomp=unconfined is the one security option strata run takes',
        zh: 'strata run 只支持 seccomp=unconfined 这一个安全选项',
      },
    ],
  },
  'container.no_slirp4netns': {
    en: "The container's network needs slirp4netns, which is not installed",
    zh: '容器网络需要 slirp4netns，但尚未安装',
    hints: [
      {
        en: 'install slirp4netns (Debian/Ubuntu: apt install slirp4netns), or choose another network (--network host or none)',
        zh: '请安装 slirp4netns（Debian/Ubuntu：apt install slirp4netns），或选择其他网络（--network host 或 none）',
      },
    ],
  },
  'container.network': {
    en: "The container's network could not be set up",
    zh: '无法设置容器网络',
    hints: [
      {
        en: 'check that network namespaces are available, or run with --network host',
        zh: '请检查网络命名空间是否可用，或使用 --network host 运行',
      },
    ],
  },
  'container.unknown_user': {
    en: 'Unknown user or group in the container',
    zh: '容器中不存在该用户或用户组',
  },
  'container.no_changes': {
    en: 'The container has no changes to commit',
    zh: '容器没有可提交的变更',
    hints: [
      {
        en: 'change a file first: the new image would be the same as its base',
        zh: '请先修改文件：否则新镜像会与基础镜像完全相同',
      },
    ],
  },
  'container.not_regular_file': {
    en: 'That is not a regular file, so it is not opened',
    zh: '这不是普通文件，因此不会打开它',
    hints: [
      {
        en: 'only regular files are read, edited or saved; device nodes, FIFOs and sockets are listed but never opened',
        zh: '只有普通文件可以读取、编辑或保存；设备节点、FIFO（命名管道）和套接字只会列出，绝不会被打开',
      },
    ],
  },
  'container.too_large': {
    en: 'The file is too large to edit here',
    zh: '文件太大，无法在此编辑',
    hints: [
      {
        en: 'files up to 1 MiB open in the editor; copy larger ones out with `strata cp`',
        zh: '编辑器只能打开 1 MiB 以内的文件；更大的文件请用 `strata cp` 复制出来',
      },
    ],
  },
  'container.binary': {
    en: 'The file is not a text file',
    zh: '该文件不是文本文件',
    hints: [
      {
        en: 'only UTF-8 text files open in the editor',
        zh: '编辑器只能打开 UTF-8 文本文件',
      },
    ],
  },
  'container.terminal': {
    en: 'The terminal failed',
    zh: '终端出错',
  },
  'container.terminal_closed': {
    en: 'The terminal is closed',
    zh: '终端已关闭',
    hints: [
      {
        en: 'open the Terminal tab again for a new shell',
        zh: '请重新打开“终端”标签页以启动新的 shell',
      },
    ],
  },
  'container.no_shell': {
    en: 'The image has no shell to open',
    zh: '该镜像中没有可打开的 shell',
    hints: [
      {
        en: 'run a command with `strata run NAME -- CMD` instead',
        zh: '请改用 `strata run NAME -- CMD` 运行命令',
      },
    ],
  },

  // Settings.
  'settings.no_config_dir': {
    en: 'No configuration folder for this user',
    zh: '找不到当前用户的配置文件夹',
    hints: [HOME_ENV],
  },
  'settings.read': {
    en: 'Cannot read the settings file',
    zh: '无法读取设置文件',
    hints: [FOLDER],
  },
  'settings.invalid': {
    en: 'The settings file is not valid',
    zh: '设置文件无效',
    hints: [
      {
        en: 'fix the file or delete it to start from the defaults: {path}',
        zh: '请修正该文件，或删除它以恢复默认设置：{path}',
      },
    ],
  },
  'settings.write': {
    en: 'Cannot save the settings file',
    zh: '无法保存设置文件',
    hints: [FOLDER],
  },

  // Background tasks.
  'task.cancelled': {
    en: 'Cancelled',
    zh: '已取消',
  },
  'task.not_found': {
    en: 'No such task',
    zh: '任务不存在',
    hints: [
      {
        en: 'the task list may have been cleared; reopen the Tasks screen',
        zh: '任务列表可能已被清空；请重新打开“任务”页面',
      },
    ],
  },
  'task.spawn': {
    en: 'Cannot start the task',
    zh: '无法启动任务',
  },

  // The command line (shown by `strata`, listed so the whole engine is covered).
  'cli.json': { en: 'Cannot write JSON output', zh: '无法输出 JSON' },
  'cli.runtime': { en: 'Cannot start the async runtime', zh: '无法启动异步运行时' },
  'cli.stdin': { en: 'Cannot read from standard input', zh: '无法读取标准输入' },
  'cli.namespace': {
    en: 'The --namespace flag disagrees with the registry address',
    zh: '--namespace 参数与镜像仓库地址中的命名空间不一致',
  },
  'cli.username': {
    en: '--password-stdin needs the account name',
    zh: '--password-stdin 需要同时指定账号名',
    hints: [{ en: 'add -u USER', zh: '请加上 -u USER' }],
  },
  'cli.consent': {
    en: 'Importing logins needs your consent',
    zh: '导入登录信息需要你的确认',
    hints: [
      {
        en: 'run it on a terminal to answer, or pass --yes',
        zh: '请在终端中运行以便确认，或传入 --yes',
      },
    ],
  },
  'cli.no_terminal': {
    en: '-t needs a terminal',
    zh: '-t 需要在终端中使用',
    hints: [
      {
        en: 'leave out -t when piping into `strata run`',
        zh: '通过管道向 `strata run` 输入时请去掉 -t',
      },
    ],
  },
  'cli.cp': {
    en: 'One side of `strata cp` must be a container path',
    zh: '`strata cp` 的一侧必须是容器路径（NAME:PATH）',
    hints: [
      {
        en: 'strata cp ./file.txt web:/tmp/   or   strata cp web:/etc/hosts ./hosts',
        zh: '例如 strata cp ./file.txt web:/tmp/ 或 strata cp web:/etc/hosts ./hosts',
      },
    ],
  },
  'cli.compression': {
    en: 'Unknown compression',
    zh: '未知的压缩格式',
    hints: [{ en: 'use gzip or zstd', zh: '请使用 gzip 或 zstd' }],
  },
  'cli.creds': {
    en: '--creds must be USER:PASSWORD',
    zh: '--creds 的格式应为 USER:PASSWORD',
    hints: [CREDS],
  },
  'cli.repository': {
    en: 'The repository names no registry',
    zh: '仓库地址中没有镜像仓库',
  },
  'cli.format': { en: 'Unknown archive format', zh: '未知的归档格式' },
  'cli.io': { en: 'Cannot write to standard output', zh: '无法写入标准输出' },
} satisfies Record<string, ProblemText>;

/** A code we have a record for. */
export type KnownProblemCode = keyof typeof problemTexts;

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
  container: { en: 'A container operation failed', zh: '容器操作失败' },
  settings: { en: 'The settings could not be used', zh: '设置出错' },
  task: { en: 'A background task failed', zh: '后台任务失败' },
  transfer: { en: 'A transfer failed', zh: '传输失败' },
  cli: { en: 'The command failed', zh: '命令执行失败' },
} satisfies Record<string, Bilingual>;

/** When even the area is unknown. */
export const genericText: Bilingual = { en: 'Something went wrong', zh: '出错了' };

function lang(locale: Locale): keyof Bilingual {
  return locale === 'zh-CN' ? 'zh' : 'en';
}

/** The record for a code, if the UI knows it. */
export function problemText(code: string): ProblemText | undefined {
  return Object.hasOwn(problemTexts, code)
    ? (problemTexts as Record<string, ProblemText>)[code]
    : undefined;
}

/** One sentence saying what went wrong: the code's own, else its area's, else generic. */
export function problemSummary(code: string, locale: Locale): string {
  const area = code.split('.')[0] ?? '';
  const text =
    problemText(code) ??
    (Object.hasOwn(areaTexts, area) ? (areaTexts as Record<string, Bilingual>)[area] : undefined) ??
    genericText;
  return text[lang(locale)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches `hint` against a template; fills the other language's placeholders on success. */
function fill(template: Bilingual, hint: string, into: keyof Bilingual): string | undefined {
  const names: string[] = [];
  const pattern = template.en
    .split(/(\{[a-z0-9_]+\})/)
    .map((part) => {
      const name = /^\{([a-z0-9_]+)\}$/.exec(part)?.[1];
      if (name === undefined) return escapeRegExp(part);
      names.push(name);
      return '(.+?)';
    })
    .join('');
  const match = new RegExp(`^${pattern}$`, 's').exec(hint);
  if (!match) return undefined;
  const values = new Map(names.map((name, i) => [name, match[i + 1] ?? '']));
  return template[into].replace(/\{([a-z0-9_]+)\}/g, (whole, name: string) => values.get(name) ?? whole);
}

/** Every hint template, the code's own first (a wrapped error keeps its inner one's hint). */
function templatesFor(code: string): Bilingual[] {
  const own = problemText(code)?.hints ?? [];
  const all = Object.values(problemTexts as Record<string, ProblemText>).flatMap((t) => t.hints ?? []);
  return [...own, ...all];
}

/** The engine's hint in the wanted language: translated when it is a known sentence, else as is. */
export function localizeHint(code: string, hint: string, locale: Locale): string {
  const into = lang(locale);
  if (into === 'en') return hint;
  for (const template of templatesFor(code)) {
    const text = fill(template, hint, into);
    if (text !== undefined) return text;
  }
  return hint;
}
