// Generated from the Rust vocabularies by `UPDATE_BINDINGS=1 cargo test -p strata-app problem_codes`.
// Do not edit: add the code or hint in Rust (strata_core::problem, src-tauri/src/vocabulary.rs) and regenerate.

/** Every problem code the app can show: the engine's and the app's own. */
export type ProblemCode =
  | 'app.internal'
  | 'app.no_shell'
  | 'app.terminal'
  | 'app.terminal_closed'
  | 'catalog.ca_file'
  | 'catalog.cross_repository'
  | 'catalog.delete_unsupported'
  | 'catalog.duplicate'
  | 'catalog.file'
  | 'catalog.no_catalog'
  | 'catalog.no_config_dir'
  | 'catalog.no_tag'
  | 'catalog.shared_digest'
  | 'catalog.unknown_provider'
  | 'catalog.unknown_registry'
  | 'container.ambiguous'
  | 'container.binary'
  | 'container.corrupt'
  | 'container.invalid_mode'
  | 'container.invalid_name'
  | 'container.invalid_option'
  | 'container.invalid_path'
  | 'container.io'
  | 'container.layer_count'
  | 'container.mount'
  | 'container.name_in_use'
  | 'container.needs_root'
  | 'container.network'
  | 'container.no_changes'
  | 'container.no_runtime'
  | 'container.no_slirp4netns'
  | 'container.not_found'
  | 'container.not_regular_file'
  | 'container.runtime'
  | 'container.too_large'
  | 'container.unknown_user'
  | 'container.unsupported'
  | 'credentials.accounts_file'
  | 'credentials.ambiguous'
  | 'credentials.check'
  | 'credentials.corrupt'
  | 'credentials.empty_secret'
  | 'credentials.helper'
  | 'credentials.import_file'
  | 'credentials.invalid_username'
  | 'credentials.keychain'
  | 'credentials.locked'
  | 'credentials.no_config_dir'
  | 'credentials.no_keychain'
  | 'credentials.not_logged_in'
  | 'credentials.refused'
  | 'digest.invalid'
  | 'digest.mismatch'
  | 'engine.bad_answer'
  | 'engine.failed'
  | 'engine.invalid_name'
  | 'engine.io'
  | 'engine.not_found'
  | 'engine.too_large'
  | 'engine.unknown'
  | 'engine.unsupported'
  | 'home.unknown'
  | 'image.corrupt'
  | 'image.exists'
  | 'image.invalid'
  | 'image.invalid_change'
  | 'image.io'
  | 'image.layer_out_of_range'
  | 'image.media_type'
  | 'image.missing'
  | 'image.needs_name'
  | 'image.not_an_archive'
  | 'image.schema1'
  | 'image.too_large'
  | 'image.would_overwrite'
  | 'layer.corrupt'
  | 'layer.exists'
  | 'layer.io'
  | 'layer.not_a_file'
  | 'layer.not_a_folder'
  | 'layer.not_found'
  | 'layer.too_large'
  | 'layer.unsafe_entry'
  | 'manage.account_exists'
  | 'manage.account_in_use'
  | 'manage.bad_answer'
  | 'manage.clock'
  | 'manage.forbidden'
  | 'manage.insecure_api'
  | 'manage.invalid_account_name'
  | 'manage.invalid_name'
  | 'manage.login_elsewhere'
  | 'manage.name_taken'
  | 'manage.needs_setting'
  | 'manage.no_access_key'
  | 'manage.no_api'
  | 'manage.not_found'
  | 'manage.refused'
  | 'manage.region_mismatch'
  | 'manage.signature_mismatch'
  | 'manage.throttled'
  | 'manage.unauthorized'
  | 'manage.unknown_account'
  | 'manage.unreachable'
  | 'manage.unsupported'
  | 'manage.wrong_key'
  | 'path.empty'
  | 'path.not_absolute'
  | 'path.not_found'
  | 'path.typing_refused'
  | 'path.unknown_token'
  | 'path.wrong_purpose'
  | 'platform.invalid'
  | 'platform.not_found'
  | 'reference.invalid'
  | 'registry.connect'
  | 'registry.denied'
  | 'registry.invalid_name'
  | 'registry.invalid_repository'
  | 'registry.media_type'
  | 'registry.missing_blob'
  | 'registry.not_found'
  | 'registry.protocol'
  | 'registry.schema1'
  | 'registry.settings'
  | 'registry.status'
  | 'registry.tls'
  | 'registry.token'
  | 'registry.unauthorized'
  | 'settings.invalid'
  | 'settings.no_config_dir'
  | 'settings.read'
  | 'settings.value'
  | 'settings.write'
  | 'store.ambiguous'
  | 'store.blob_not_found'
  | 'store.in_use'
  | 'store.invalid_json'
  | 'store.io'
  | 'store.layout'
  | 'store.not_found'
  | 'store.pinned_digest'
  | 'store.several_names'
  | 'store.too_large'
  | 'task.cancelled'
  | 'task.not_found'
  | 'task.spawn';

/** The namespaces of those codes: what a code is about. */
export type ProblemArea =
  | 'app'
  | 'catalog'
  | 'container'
  | 'credentials'
  | 'digest'
  | 'engine'
  | 'home'
  | 'image'
  | 'layer'
  | 'manage'
  | 'path'
  | 'platform'
  | 'reference'
  | 'registry'
  | 'settings'
  | 'store'
  | 'task';

/** Every hint key the app can show: the engine's and the app's own. */
export type HintKey =
  | 'app.open_terminal_again'
  | 'app.use_image_with_shell'
  | 'catalog.add_repositories_by_hand'
  | 'catalog.add_tag'
  | 'catalog.confirm_shared_delete'
  | 'catalog.delete_permission'
  | 'catalog.fix_ca_file'
  | 'catalog.fix_registry_list'
  | 'catalog.list_registries'
  | 'catalog.providers'
  | 'catalog.remove_duplicate'
  | 'catalog.use_copy'
  | 'container.change_first'
  | 'container.check_network'
  | 'container.check_runtime'
  | 'container.choose_other_name'
  | 'container.install_runc'
  | 'container.install_slirp4netns'
  | 'container.list'
  | 'container.modes'
  | 'container.more_digits'
  | 'container.name_grammar'
  | 'container.needs_linux'
  | 'container.pull_again'
  | 'container.recreate'
  | 'container.regular_files_only'
  | 'container.run_as_root'
  | 'container.text_only'
  | 'container.too_large_to_edit'
  | 'container.use_baseline'
  | 'credentials.check_helper'
  | 'credentials.check_keychain'
  | 'credentials.check_password'
  | 'credentials.fix_accounts_file'
  | 'credentials.fix_import_file'
  | 'credentials.give_password'
  | 'credentials.give_username'
  | 'credentials.install_keychain'
  | 'credentials.keychain_unavailable'
  | 'credentials.log_in'
  | 'credentials.log_in_again'
  | 'credentials.name_account'
  | 'credentials.registry_example'
  | 'credentials.unlock'
  | 'credentials.username_only'
  | 'digest.nothing_stored'
  | 'home.set_env'
  | 'image.change_syntax'
  | 'image.choose_other_path'
  | 'image.convert_schema1'
  | 'image.give_name'
  | 'image.list_layers'
  | 'image.replace_or_rename'
  | 'image.write_archive_again'
  | 'layer.check_space'
  | 'layer.choose_other_folder'
  | 'layer.devices_need_root'
  | 'layer.fetch_again'
  | 'layer.list_instead'
  | 'layer.list_parent'
  | 'layer.maybe_bomb'
  | 'layer.refused'
  | 'manage.account_users'
  | 'manage.add_setting'
  | 'manage.check_access_key'
  | 'manage.check_clock'
  | 'manage.check_endpoint'
  | 'manage.check_region'
  | 'manage.check_secret'
  | 'manage.choose_other_name'
  | 'manage.cloud_login'
  | 'manage.grant_policy'
  | 'manage.list_accounts'
  | 'manage.list_first'
  | 'manage.name_grammar'
  | 'manage.push_creates'
  | 'manage.retry_later'
  | 'manage.use_https'
  | 'path.check_archive'
  | 'path.check_or_browse'
  | 'path.choose_again'
  | 'path.choose_in_dialog'
  | 'path.choose_or_drop'
  | 'path.type_full_path'
  | 'path.type_or_browse'
  | 'platform.choose'
  | 'reference.grammar'
  | 'registry.blob_missing'
  | 'registry.check_address'
  | 'registry.check_credentials'
  | 'registry.check_name'
  | 'registry.check_permission'
  | 'registry.check_proxy'
  | 'registry.check_token_server'
  | 'registry.convert_schema1'
  | 'registry.corrupt_in_transit'
  | 'registry.endpoint_example'
  | 'registry.log_in'
  | 'registry.manifest_refused'
  | 'registry.rate_limited'
  | 'registry.repository_grammar'
  | 'registry.server_failed'
  | 'registry.trust_certificate'
  | 'registry.unsafe_realm'
  | 'settings.check_folder'
  | 'settings.fix_or_delete'
  | 'store.choose_home'
  | 'store.force_all_names'
  | 'store.list_images'
  | 'store.more_digits'
  | 'store.remove_containers_first'
  | 'store.repair';

/** Every problem code, for tests that go through all of them. */
export const problemCodes: readonly ProblemCode[] = [
  'app.internal',
  'app.no_shell',
  'app.terminal',
  'app.terminal_closed',
  'catalog.ca_file',
  'catalog.cross_repository',
  'catalog.delete_unsupported',
  'catalog.duplicate',
  'catalog.file',
  'catalog.no_catalog',
  'catalog.no_config_dir',
  'catalog.no_tag',
  'catalog.shared_digest',
  'catalog.unknown_provider',
  'catalog.unknown_registry',
  'container.ambiguous',
  'container.binary',
  'container.corrupt',
  'container.invalid_mode',
  'container.invalid_name',
  'container.invalid_option',
  'container.invalid_path',
  'container.io',
  'container.layer_count',
  'container.mount',
  'container.name_in_use',
  'container.needs_root',
  'container.network',
  'container.no_changes',
  'container.no_runtime',
  'container.no_slirp4netns',
  'container.not_found',
  'container.not_regular_file',
  'container.runtime',
  'container.too_large',
  'container.unknown_user',
  'container.unsupported',
  'credentials.accounts_file',
  'credentials.ambiguous',
  'credentials.check',
  'credentials.corrupt',
  'credentials.empty_secret',
  'credentials.helper',
  'credentials.import_file',
  'credentials.invalid_username',
  'credentials.keychain',
  'credentials.locked',
  'credentials.no_config_dir',
  'credentials.no_keychain',
  'credentials.not_logged_in',
  'credentials.refused',
  'digest.invalid',
  'digest.mismatch',
  'engine.bad_answer',
  'engine.failed',
  'engine.invalid_name',
  'engine.io',
  'engine.not_found',
  'engine.too_large',
  'engine.unknown',
  'engine.unsupported',
  'home.unknown',
  'image.corrupt',
  'image.exists',
  'image.invalid',
  'image.invalid_change',
  'image.io',
  'image.layer_out_of_range',
  'image.media_type',
  'image.missing',
  'image.needs_name',
  'image.not_an_archive',
  'image.schema1',
  'image.too_large',
  'image.would_overwrite',
  'layer.corrupt',
  'layer.exists',
  'layer.io',
  'layer.not_a_file',
  'layer.not_a_folder',
  'layer.not_found',
  'layer.too_large',
  'layer.unsafe_entry',
  'manage.account_exists',
  'manage.account_in_use',
  'manage.bad_answer',
  'manage.clock',
  'manage.forbidden',
  'manage.insecure_api',
  'manage.invalid_account_name',
  'manage.invalid_name',
  'manage.login_elsewhere',
  'manage.name_taken',
  'manage.needs_setting',
  'manage.no_access_key',
  'manage.no_api',
  'manage.not_found',
  'manage.refused',
  'manage.region_mismatch',
  'manage.signature_mismatch',
  'manage.throttled',
  'manage.unauthorized',
  'manage.unknown_account',
  'manage.unreachable',
  'manage.unsupported',
  'manage.wrong_key',
  'path.empty',
  'path.not_absolute',
  'path.not_found',
  'path.typing_refused',
  'path.unknown_token',
  'path.wrong_purpose',
  'platform.invalid',
  'platform.not_found',
  'reference.invalid',
  'registry.connect',
  'registry.denied',
  'registry.invalid_name',
  'registry.invalid_repository',
  'registry.media_type',
  'registry.missing_blob',
  'registry.not_found',
  'registry.protocol',
  'registry.schema1',
  'registry.settings',
  'registry.status',
  'registry.tls',
  'registry.token',
  'registry.unauthorized',
  'settings.invalid',
  'settings.no_config_dir',
  'settings.read',
  'settings.value',
  'settings.write',
  'store.ambiguous',
  'store.blob_not_found',
  'store.in_use',
  'store.invalid_json',
  'store.io',
  'store.layout',
  'store.not_found',
  'store.pinned_digest',
  'store.several_names',
  'store.too_large',
  'task.cancelled',
  'task.not_found',
  'task.spawn',
];

/** The names of the arguments each hint key carries (`{name}` in its texts). */
export const hintParams = {
  'app.open_terminal_again': [],
  'app.use_image_with_shell': [],
  'catalog.add_repositories_by_hand': ['registry'],
  'catalog.add_tag': [],
  'catalog.confirm_shared_delete': [],
  'catalog.delete_permission': [],
  'catalog.fix_ca_file': [],
  'catalog.fix_registry_list': ['path'],
  'catalog.list_registries': [],
  'catalog.providers': ['list'],
  'catalog.remove_duplicate': [],
  'catalog.use_copy': [],
  'container.change_first': [],
  'container.check_network': [],
  'container.check_runtime': [],
  'container.choose_other_name': [],
  'container.install_runc': [],
  'container.install_slirp4netns': [],
  'container.list': [],
  'container.modes': [],
  'container.more_digits': [],
  'container.name_grammar': [],
  'container.needs_linux': [],
  'container.pull_again': [],
  'container.recreate': [],
  'container.regular_files_only': [],
  'container.run_as_root': [],
  'container.text_only': [],
  'container.too_large_to_edit': [],
  'container.use_baseline': [],
  'credentials.check_helper': ['helper'],
  'credentials.check_keychain': [],
  'credentials.check_password': [],
  'credentials.fix_accounts_file': ['path'],
  'credentials.fix_import_file': [],
  'credentials.give_password': [],
  'credentials.give_username': [],
  'credentials.install_keychain': [],
  'credentials.keychain_unavailable': [],
  'credentials.log_in': ['registry'],
  'credentials.log_in_again': ['registry'],
  'credentials.name_account': [],
  'credentials.registry_example': [],
  'credentials.unlock': [],
  'credentials.username_only': [],
  'digest.nothing_stored': [],
  'home.set_env': [],
  'image.change_syntax': [],
  'image.choose_other_path': [],
  'image.convert_schema1': [],
  'image.give_name': [],
  'image.list_layers': [],
  'image.replace_or_rename': [],
  'image.write_archive_again': [],
  'layer.check_space': [],
  'layer.choose_other_folder': [],
  'layer.devices_need_root': [],
  'layer.fetch_again': [],
  'layer.list_instead': [],
  'layer.list_parent': [],
  'layer.maybe_bomb': [],
  'layer.refused': [],
  'manage.account_users': ['account'],
  'manage.add_setting': ['registry', 'setting'],
  'manage.check_access_key': ['registry'],
  'manage.check_clock': [],
  'manage.check_endpoint': [],
  'manage.check_region': ['registry'],
  'manage.check_secret': ['registry'],
  'manage.choose_other_name': [],
  'manage.cloud_login': ['registry'],
  'manage.grant_policy': [],
  'manage.list_accounts': [],
  'manage.list_first': ['registry'],
  'manage.name_grammar': [],
  'manage.push_creates': [],
  'manage.retry_later': [],
  'manage.use_https': [],
  'path.check_archive': [],
  'path.check_or_browse': [],
  'path.choose_again': [],
  'path.choose_in_dialog': [],
  'path.choose_or_drop': [],
  'path.type_full_path': [],
  'path.type_or_browse': [],
  'platform.choose': [],
  'reference.grammar': [],
  'registry.blob_missing': [],
  'registry.check_address': [],
  'registry.check_credentials': [],
  'registry.check_name': [],
  'registry.check_permission': [],
  'registry.check_proxy': [],
  'registry.check_token_server': [],
  'registry.convert_schema1': [],
  'registry.corrupt_in_transit': [],
  'registry.endpoint_example': [],
  'registry.log_in': [],
  'registry.manifest_refused': [],
  'registry.rate_limited': [],
  'registry.repository_grammar': [],
  'registry.server_failed': [],
  'registry.trust_certificate': [],
  'registry.unsafe_realm': [],
  'settings.check_folder': [],
  'settings.fix_or_delete': ['path'],
  'store.choose_home': [],
  'store.force_all_names': [],
  'store.list_images': [],
  'store.more_digits': [],
  'store.remove_containers_first': [],
  'store.repair': [],
} as const satisfies Record<HintKey, readonly string[]>;
