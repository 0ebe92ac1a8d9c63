// What each hint key says in the app, in English and 简体中文. The engine and the shell give a
// hint as a key and its arguments ({key, args}); the command line words the same keys as
// `strata` commands and flags, the app as the buttons and screens a person clicks. A `{name}`
// stands for the argument of that name (a path, a registry), filled in by `hintText`.
//
// The table is typed by the generated list of keys (../problemCodes.gen.ts): a key without
// both languages, or a key no longer in the list, fails `npm run check`.
import type { HintKey } from '../problemCodes.gen';
import type { Bilingual } from './problems';

export const hintTexts = {
  'app.open_terminal_again': { en: 'open the Terminal tab again for a new shell', zh: '请重新打开“终端”标签页以启动新的 shell' },
  'app.use_image_with_shell': {
    en: 'the terminal runs /bin/sh from the image: use an image that has one (busybox, alpine, debian…)',
    zh: '终端运行镜像中的 /bin/sh：请使用包含它的镜像（busybox、alpine、debian 等）',
  },
  'catalog.add_repositories_by_hand': {
    en: 'add the repositories of {registry} by hand with Add repository… on the Registries screen',
    zh: '请在“镜像仓库”页面用“添加仓库…”手动添加 {registry} 的仓库',
  },
  'catalog.add_tag': { en: 'add a tag to the name, like :v1', zh: '请在名称后加上标签，例如 :v1' },
  'catalog.confirm_shared_delete': {
    en: 'deleting by digest removes every tag that names it (the registry cannot delete one tag alone); choose Delete all of them to go on',
    zh: '按摘要删除会删除指向它的所有标签（镜像仓库无法只删除其中一个标签）；如要继续，请选择“全部删除”',
  },
  'catalog.delete_permission': {
    en: "deleting needs the registry's delete permission (`storage.delete.enabled` on registry:2); Docker Hub and GHCR delete only in their web UI",
    zh: '删除需要镜像仓库开启删除权限（registry:2 的 `storage.delete.enabled`）；Docker Hub 和 GHCR 只能在其网页控制台中删除',
  },
  'catalog.fix_ca_file': {
    en: 'remove the registry on the Registries screen and add it again with the right CA certificate file',
    zh: '请在“镜像仓库”页面移除该镜像仓库，再用正确的 CA 证书文件重新添加',
  },
  'catalog.fix_registry_list': {
    en: 'check that the folder exists and that you may write to it; a damaged file can be deleted (only saved registries are lost): {path}',
    zh: '请确认该文件夹存在且你有写入权限；损坏的文件可以删除（只会丢失已保存的镜像仓库）：{path}',
  },
  'catalog.list_registries': { en: 'the Registries screen lists the saved registries', zh: '“镜像仓库”页面列出了已保存的镜像仓库' },
  'catalog.providers': { en: 'one of: {list}', zh: '可选：{list}' },
  'catalog.remove_duplicate': {
    en: 'use the saved one, or remove it on the Registries screen first',
    zh: '请直接使用已添加的镜像仓库，或先在“镜像仓库”页面将其移除',
  },
  'catalog.use_copy': {
    en: 'use Copy to… to copy the image to another repository or registry',
    zh: '请用“复制到…”将镜像复制到其他仓库或镜像仓库',
  },
  'container.change_first': {
    en: 'change a file first: the new image would be the same as its base',
    zh: '请先修改文件：否则新镜像将与其基础镜像完全相同',
  },
  'container.check_network': {
    en: 'check that network namespaces are available, or choose Host network',
    zh: '请确认系统支持网络命名空间，或选择“主机网络”',
  },
  'container.check_runtime': {
    en: 'start Strata as root, or check that cgroups and namespaces are available',
    zh: '请以 root 身份启动 Strata，或确认系统支持 cgroups 和命名空间',
  },
  'container.choose_other_name': {
    en: 'choose another name, or delete the other container on the Containers screen',
    zh: '请换一个名称，或在“容器”页面删除同名的容器',
  },
  'container.install_runc': {
    en: 'install runc (Debian/Ubuntu: apt install runc), or put it on $PATH',
    zh: '请安装 runc（Debian/Ubuntu：apt install runc），或将其加入 $PATH',
  },
  'container.install_slirp4netns': {
    en: 'install slirp4netns (Debian/Ubuntu: apt install slirp4netns), or choose Host network or No network',
    zh: '请安装 slirp4netns（Debian/Ubuntu：apt install slirp4netns），或选择“主机网络”或“无网络”',
  },
  'container.list': { en: 'the Containers screen lists the containers', zh: '“容器”页面列出了所有容器' },
  'container.modes': {
    en: 'set STRATA_CONTAINER_MODE to overlay or baseline',
    zh: '请将 STRATA_CONTAINER_MODE 设为 overlay 或 baseline',
  },
  'container.more_digits': { en: "give more digits of the ID, or the container's name", zh: '请多输入几位容器 ID，或使用容器名称' },
  'container.name_grammar': {
    en: "a name starts with a letter or digit, then letters, digits, '_', '.' or '-'",
    zh: "名称以字母或数字开头，其后可以是字母、数字、'_'、'.' 或 '-'",
  },
  'container.needs_linux': {
    en: 'containers are made, changed and run on a Linux host; images, registries and logins work here',
    zh: '容器只能在 Linux 主机上创建、修改和运行；镜像、仓库和登录在这里可用',
  },
  'container.pull_again': { en: 'pull or import the image again', zh: '请重新拉取或导入该镜像' },
  'container.recreate': {
    en: 'delete the container on the Containers screen and create it again',
    zh: '请在“容器”页面删除该容器，然后重新创建',
  },
  'container.regular_files_only': {
    en: 'only regular files are read, edited or saved; device nodes, FIFOs and sockets are listed but never opened',
    zh: '只有普通文件可以读取、编辑或保存；设备节点、FIFO（命名管道）和套接字只会列出，绝不会被打开',
  },
  'container.run_as_root': {
    en: 'start Strata as root to open a terminal; files, diff and commit work without root',
    zh: '请以 root 身份启动 Strata 才能打开终端；文件、变更和提交无需 root',
  },
  'container.text_only': { en: 'only UTF-8 text files open in the editor', zh: '编辑器只能打开 UTF-8 文本文件' },
  'container.too_large_to_edit': {
    en: 'files up to 1 MiB open in the editor; change larger ones in the Terminal tab',
    zh: '编辑器最多打开 1 MiB 的文件；更大的文件请在“终端”标签页中修改',
  },
  'container.use_baseline': {
    en: 'overlayfs needs root (or a user namespace) on Linux; start Strata with STRATA_CONTAINER_MODE=baseline to use a copy instead',
    zh: '在 Linux 上 overlayfs 需要 root（或用户命名空间）；可用 STRATA_CONTAINER_MODE=baseline 启动 Strata，改用文件副本',
  },
  'credentials.check_helper': {
    en: 'check that docker-credential-{helper} is on PATH and works (`docker-credential-{helper} list`)',
    zh: '请确认 docker-credential-{helper} 在 PATH 中且能正常工作（`docker-credential-{helper} list`）',
  },
  'credentials.check_keychain': {
    en: 'check that the keychain works, e.g. with `secret-tool` on Linux',
    zh: '请确认钥匙串工作正常，例如在 Linux 上用 `secret-tool` 检查',
  },
  'credentials.check_password': {
    en: "check the username and password (or access token); ACR's username is the full account name, and a RAM user may be limited to some namespaces",
    zh: '请检查用户名和密码（或访问令牌）；ACR 的用户名是完整的账号名，RAM 用户可能只能访问部分命名空间',
  },
  'credentials.fix_accounts_file': {
    en: 'check that you may write to {path}; delete the file to start from no accounts (the secrets stay in the keychain)',
    zh: '请确认你有权限写入 {path}；删除该文件可清空账号列表（凭据仍保留在钥匙串中）',
  },
  'credentials.fix_import_file': { en: 'fix the file, or import from another one', zh: '请修复该文件，或从其他文件导入' },
  'credentials.give_password': { en: 'fill in the password or access token', zh: '请填写密码或访问令牌' },
  'credentials.give_username': { en: "fill in the account's name under Username", zh: '请在“用户名”中填写账号名' },
  'credentials.install_keychain': {
    en: 'Strata keeps passwords only in a Secret Service keychain, never in a plain file: install and start one, e.g. gnome-keyring, or KeePassXC with "Secret Service integration" enabled, then log in again',
    zh: 'Strata 只把密码保存在 Secret Service 钥匙串中，从不写入明文文件：请安装并启动一个钥匙串，例如 gnome-keyring，或启用了“Secret Service 集成”的 KeePassXC，然后重新登录',
  },
  'credentials.keychain_unavailable': {
    en: "Strata keeps passwords only in the operating system's keychain; check that it is available to this user",
    zh: 'Strata 只把密码保存在操作系统的钥匙串中；请确认当前用户可以使用它',
  },
  'credentials.log_in': {
    en: 'log in to {registry} with Log in… on the Registries screen',
    zh: '请在“镜像仓库”页面用“登录…”登录 {registry}',
  },
  'credentials.log_in_again': {
    en: 'log in to {registry} again with Log in… on the Registries screen',
    zh: '请在“镜像仓库”页面用“登录…”重新登录 {registry}',
  },
  'credentials.name_account': { en: 'say which of the accounts to use', zh: '请指定要使用哪一个账号' },
  'credentials.registry_example': {
    en: 'give a host with an optional port and namespace, e.g. registry.cn-hangzhou.aliyuncs.com/my-namespace or 127.0.0.1:5000',
    zh: '请填写主机名，可带端口和命名空间，例如 registry.cn-hangzhou.aliyuncs.com/my-namespace 或 127.0.0.1:5000',
  },
  'credentials.unlock': {
    en: 'unlock the keychain (on Linux: the "login" collection of your Secret Service) and try again',
    zh: '请解锁钥匙串（Linux 上为 Secret Service 的“login”集合）后重试',
  },
  'credentials.username_only': { en: "give the account's name without a password", zh: '请只填写账号名，不要包含密码' },
  'digest.nothing_stored': {
    en: 'the data was corrupted or changed in transit; nothing was stored',
    zh: '数据在传输中损坏或被改动；未保存任何内容',
  },
  'home.set_env': {
    en: 'set STRATA_HOME to a folder Strata may use, then start Strata again',
    zh: '请将 STRATA_HOME 设为 Strata 可以使用的文件夹，然后重新启动 Strata',
  },
  'image.change_syntax': {
    en: 'a change is a Dockerfile instruction such as CMD ["/app"] or ENV KEY=VALUE',
    zh: '变更是一条 Dockerfile 指令，例如 CMD ["/app"] 或 ENV KEY=VALUE',
  },
  'image.choose_other_path': { en: 'choose another path, or remove the old one first', zh: '请选择其他路径，或先删除旧文件' },
  'image.convert_schema1': {
    en: 'copy it once with `skopeo copy`, which converts schema 1 to a current format',
    zh: '请先用 `skopeo copy` 复制一次，它会把 schema 1 转换为当前格式',
  },
  'image.give_name': { en: 'give the image a name under Name', zh: '请在“名称”中为镜像指定名称' },
  'image.list_layers': { en: 'the Layers tab lists the layers, bottom (0) first', zh: '“层”标签页列出了各层，最底层（0）在前' },
  'image.replace_or_rename': { en: 'choose another file, or choose Replace', zh: '请选择其他文件，或点击“替换”' },
  'image.write_archive_again': {
    en: 'nothing was imported; write the archive again from its source',
    zh: '未导入任何内容；请从来源重新生成该归档文件',
  },
  'layer.check_space': { en: "check free space and the folder's permissions", zh: '请检查磁盘剩余空间和文件夹权限' },
  'layer.choose_other_folder': { en: 'remove it first or choose another folder', zh: '请先删除它，或选择其他文件夹' },
  'layer.devices_need_root': {
    en: 'device nodes are only created when allowed and running as root',
    zh: '只有在允许且以 root 运行时才会创建设备节点',
  },
  'layer.fetch_again': {
    en: 'the blob may be truncated or not a layer at all; pull or import it again',
    zh: '该数据块可能不完整，或根本不是镜像层；请重新拉取或导入',
  },
  'layer.list_instead': { en: 'open it as a folder instead', zh: '请改为作为文件夹打开它' },
  'layer.list_parent': { en: 'open the folder above it to see what is there', zh: '请打开上一级文件夹查看其中的内容' },
  'layer.maybe_bomb': {
    en: 'the layer may be a decompression bomb; if it is genuinely this large, raise the limit',
    zh: '该镜像层可能是解压炸弹；如果它确实这么大，请提高限制',
  },
  'layer.refused': {
    en: 'the layer was refused and nothing outside the target was touched; it may be malicious or made by a broken tool',
    zh: '该镜像层已被拒绝，目标以外的内容均未改动；它可能是恶意的，或由有缺陷的工具生成',
  },

  'manage.add_setting': {
    en: 'edit {registry} on the Registries screen and fill in its {setting}',
    zh: '请在“镜像仓库”页面编辑 {registry}，填写其 {setting}',
  },
  'manage.check_access_key': {
    en: 'the AccessKey ID of {registry} is unknown, disabled or expired: create one in the RAM console and enter it again',
    zh: '{registry} 的 AccessKey ID 不存在、已禁用或已过期：请在 RAM 控制台创建后重新填写',
  },
  'manage.check_clock': { en: "set this computer's clock (automatic time) and try again", zh: '请校准本机时间（开启自动对时）后重试' },
  'manage.check_endpoint': { en: 'check the network and the API address of the registry', zh: '请检查网络和镜像仓库的 API 地址' },
  'manage.check_region': {
    en: 'choose the region of {registry} when you add it again',
    zh: '重新添加 {registry} 时请选择正确的地域',
  },
  'manage.check_secret': {
    en: 'the AccessKey secret of {registry} is wrong: enter it again',
    zh: '{registry} 的 AccessKey Secret 不正确：请重新填写',
  },
  'manage.choose_other_name': { en: 'that name is taken: choose another one', zh: '该名称已被占用：请换一个名称' },
  'manage.account_users': {
    en: 'remove the registries that use {account} first',
    zh: '请先移除使用 {account} 的镜像仓库',
  },
  'manage.list_accounts': {
    en: 'the cloud accounts are listed on the Registries screen',
    zh: '云账号列在“镜像仓库”页面',
  },
  'manage.cloud_login': {
    en: 'enter an AccessKey for {registry} on the Registries screen',
    zh: '请在“镜像仓库”页面为 {registry} 填写 AccessKey',
  },
  'manage.grant_policy': {
    en: 'grant the RAM user a Container Registry policy (e.g. AliyunContainerRegistryFullAccess), or ask the account owner',
    zh: '请为该 RAM 用户授予容器镜像服务的权限策略（如 AliyunContainerRegistryFullAccess），或联系主账号',
  },
  'manage.list_first': {
    en: 'refresh {registry} on the Registries screen to see what exists',
    zh: '请在“镜像仓库”页面刷新 {registry}，查看现有内容',
  },
  'manage.name_grammar': {
    en: 'names are 2 to 64 lowercase letters, digits, -, _ or ., starting with a letter or a digit',
    zh: '名称为 2 到 64 个小写字母、数字、-、_ 或 .，以字母或数字开头',
  },
  'manage.push_creates': { en: 'this registry creates a repository on its first push: push to it', zh: '该镜像仓库会在首次推送时自动创建仓库：直接推送即可' },
  'manage.retry_later': { en: 'wait a moment and try again', zh: '请稍候再试' },
  'manage.use_https': { en: 'use an https:// API address; plain http is allowed only on this computer', zh: '请使用 https:// 的 API 地址；明文 http 仅允许用于本机' },
  'path.check_archive': {
    en: 'check the path; an archive from docker save or skopeo copy ends in .tar',
    zh: '请检查路径；docker save 或 skopeo copy 生成的归档文件以 .tar 结尾',
  },
  'path.check_or_browse': { en: 'check the path, or choose the file with Browse…', zh: '请检查路径，或用“浏览…”选择该文件' },
  'path.choose_again': {
    en: 'choose the file again with Browse…, or drop it on the window',
    zh: '请用“浏览…”重新选择该文件，或把它拖到窗口上',
  },
  'path.choose_in_dialog': { en: "choose the file again with this dialog's own button", zh: '请用此对话框自己的按钮重新选择该文件' },
  'path.choose_or_drop': { en: 'choose the file with Browse…, or drop it on the window', zh: '请用“浏览…”选择该文件，或把它拖到窗口上' },
  'path.type_full_path': {
    en: 'type the full path, from the root of the disk (/home/…)',
    zh: '请输入从磁盘根目录开始的完整路径（/home/…）',
  },
  'path.type_or_browse': { en: 'type the full path, or choose the file with Browse…', zh: '请输入完整路径，或用“浏览…”选择该文件' },
  'platform.choose': { en: 'choose one of them under Platform', zh: '请在“平台”中选择其中之一' },
  'reference.grammar': {
    en: 'an image name looks like [registry[:port]/]repository[:tag][@sha256:digest], e.g. ubuntu:24.04 or ghcr.io/owner/app@sha256:…',
    zh: '镜像名称的格式为 [registry[:port]/]repository[:tag][@sha256:digest]，例如 ubuntu:24.04 或 ghcr.io/owner/app@sha256:…',
  },
  'registry.blob_missing': {
    en: 'a layer or config the manifest lists is missing in the repository: push the image again; for a pull, the image on the registry is incomplete',
    zh: '镜像清单列出的某个镜像层或配置在仓库中不存在：请重新推送镜像；如果是拉取，说明镜像仓库中的该镜像不完整',
  },
  'registry.check_address': {
    en: "check the registry's address and your network; a registry on plain HTTP outside this machine needs “Allow plain HTTP or an unverified certificate” in its settings",
    zh: '请检查镜像仓库地址和网络；本机以外使用 HTTP 的镜像仓库需要在其设置中勾选“允许 HTTP 或未验证的证书”',
  },
  'registry.check_credentials': {
    en: "check the username and password: log in again with Log in… on the Registries screen; ACR's username is the full account name",
    zh: '请检查用户名和密码：在“镜像仓库”页面用“登录…”重新登录；ACR 的用户名是完整的账号名',
  },
  'registry.check_proxy': {
    en: 'check that the proxy is running and this computer reaches it, or change it under Settings → Proxy; hosts listed under “No proxy for” are reached directly',
    zh: '请检查代理是否在运行、本机能否连到它，或在“设置 → 代理”中修改；“不使用代理的地址”中列出的主机会直接连接',
  },
  'registry.check_name': {
    en: "check the repository name and the tag; the Registries screen lists a repository's tags",
    zh: '请检查仓库名称和标签；“镜像仓库”页面可列出仓库的所有标签',
  },
  'registry.check_permission': {
    en: 'the account lacks this permission: check that the repository exists (some registries do not create it on push) and that the account may write to the namespace',
    zh: '该账号没有此权限：请确认仓库已存在（有些镜像仓库不会在推送时自动创建仓库），并且该账号可以写入该命名空间',
  },
  'registry.check_token_server': { en: "check the registry's address and credentials", zh: '请检查镜像仓库地址和凭据' },
  'registry.convert_schema1': {
    en: 'push the image again with a current docker or skopeo, which converts it',
    zh: '请用新版 docker 或 skopeo 重新推送该镜像，它们会转换格式',
  },
  'registry.corrupt_in_transit': {
    en: 'the data was corrupted in transit or the registry is inconsistent; nothing was stored. Try again',
    zh: '数据在传输中损坏，或镜像仓库的数据不一致；未保存任何内容。请重试',
  },
  'registry.endpoint_example': {
    en: 'for example registry.cn-hangzhou.aliyuncs.com or 127.0.0.1:5000',
    zh: '例如 registry.cn-hangzhou.aliyuncs.com 或 127.0.0.1:5000',
  },
  'registry.log_in': { en: 'log in first with Log in… on the Registries screen', zh: '请先在“镜像仓库”页面用“登录…”登录' },
  'registry.manifest_refused': {
    en: 'the registry refused the manifest: check that it accepts this media type (some registries refuse OCI or Docker formats) and that every layer was pushed',
    zh: '镜像仓库拒绝了该镜像清单：请确认它接受这种媒体类型（有些镜像仓库不接受 OCI 或 Docker 格式），并且每个镜像层都已推送',
  },
  'registry.rate_limited': {
    en: 'the registry is rate limiting; wait a while, or log in for a higher limit',
    zh: '镜像仓库正在限流；请稍后再试，或登录以获得更高的配额',
  },
  'registry.repository_grammar': {
    en: 'a repository is lowercase path components: team/app',
    zh: '仓库名称由小写的路径段组成，例如 team/app',
  },
  'registry.server_failed': { en: 'the registry failed on its side; try again later', zh: '镜像仓库服务端出错；请稍后重试' },
  'registry.trust_certificate': {
    en: "add the registry's CA certificate to its settings, or allow an unverified certificate for a registry you trust",
    zh: '请在该镜像仓库的设置中添加它的 CA 证书，或对你信任的镜像仓库允许未验证的证书',
  },
  'registry.unsafe_realm': {
    en: "the registry's token server must be reached over https (plain http only on this machine); ask its operator to fix the registry's auth settings",
    zh: '镜像仓库的令牌服务必须通过 https 访问（只有本机可以使用 http）；请联系其管理员修正镜像仓库的认证设置',
  },
  'settings.check_folder': { en: 'check that the folder exists and that you may write to it', zh: '请确认该文件夹存在且你有写入权限' },
  'settings.fix_or_delete': {
    en: 'fix the file or delete it to start from the defaults: {path}',
    zh: '请修正该文件，或删除它以恢复默认设置：{path}',
  },
  'store.choose_home': {
    en: 'set STRATA_HOME to an empty folder or an existing Strata store, then start Strata again',
    zh: '请将 STRATA_HOME 设为空文件夹或已有的 Strata 存储，然后重新启动 Strata',
  },
  'store.force_all_names': { en: 'choose Delete anyway to remove every name', zh: '选择“仍然删除”可删除所有名称' },
  'store.list_images': { en: 'the Images screen lists the images in the store', zh: '“镜像”页面列出了本地存储中的镜像' },
  'store.more_digits': { en: "give more digits of the ID, or the image's name", zh: '请多输入几位镜像 ID，或使用镜像名称' },
  'store.remove_containers_first': {
    en: 'delete those containers on the Containers screen first, or choose Delete anyway',
    zh: '请先在“容器”页面删除这些容器，或选择“仍然删除”',
  },
  'store.repair': {
    en: 'the local store may be damaged: delete the image, then pull or import it again',
    zh: '本地存储可能已损坏：请删除该镜像，然后重新拉取或导入',
  },
} satisfies Record<HintKey, Bilingual>;
