// Generated from the engine's rules by `UPDATE_BINDINGS=1 cargo test -p strata-app rules`.
// Do not edit: change the rule in Rust and regenerate.

/** Docker Hub, as references spell it. */
export const DOCKER_HUB: string = "docker.io";

/** Docker Hub's other spelling, read as DOCKER_HUB. */
export const DOCKER_HUB_ALIAS: string = "index.docker.io";

/** The tag a reference gets when it names neither a tag nor a digest. */
export const DEFAULT_TAG: string = "latest";

/** Docker Hub's official images live under this prefix. */
export const OFFICIAL_PREFIX: string = "library/";

/** The longest repository name, registry included. */
export const NAME_MAX: number = 255;

/** The first part of a name is a registry when it holds one of these, is `localhost`, or has an uppercase letter. */
export const REGISTRY_MARKS: string[] = [
  ".",
  ":"
];

/** One path component of a repository (a regular expression). */
export const COMPONENT: string = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";

/** A tag (a regular expression). */
export const TAG: string = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";

/** A digest (a regular expression). */
export const DIGEST: string = "sha256:[a-f0-9]{64}";

/** A registry host with an optional port (a regular expression). */
export const REGISTRY: string = "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?";

/** One part of `os/arch[/variant]` (a regular expression). */
export const PLATFORM_PART: string = "[A-Za-z0-9_.-]+";

/** A namespace or repository name the management APIs take (a regular expression). */
export const MANAGED_NAME: string = "[a-z0-9][a-z0-9._-]{1,63}";

/** What the engine's check of namespace and repository names answers: [input, accepted]. */
export const MANAGED_NAME_CASES: [string, boolean][] = [
  [
    "team",
    true
  ],
  [
    "my-app",
    true
  ],
  [
    "a1",
    true
  ],
  [
    "web_2.0",
    true
  ],
  [
    "0team",
    true
  ],
  [
    "",
    false
  ],
  [
    "a",
    false
  ],
  [
    "Team",
    false
  ],
  [
    "-x",
    false
  ],
  [
    "_x",
    false
  ],
  [
    ".x",
    false
  ],
  [
    "a/b",
    false
  ],
  [
    "has space",
    false
  ],
  [
    "app:1",
    false
  ],
  [
    "名字",
    false
  ],
  [
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    false
  ],
  [
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    true
  ]
];

/** The instructions a config change may start with. */
export const CHANGE_INSTRUCTIONS: string[] = [
  "CMD",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "LABEL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR"
];

/** What each command takes as a host path (src-tauri/src/commands/host_path.rs). */
export const HOST_PATHS: Record<'import_source' | 'export_target' | 'upload_source' | 'registry_ca' | 'sbom_target', { purposes: ('open_file' | 'open_folder' | 'save_file')[]; typed: boolean; what: string }> = {
  "export_target": {
    "purposes": [
      "save_file"
    ],
    "typed": true,
    "what": "the file to export to"
  },
  "import_source": {
    "purposes": [
      "open_file",
      "open_folder"
    ],
    "typed": true,
    "what": "the archive to import"
  },
  "registry_ca": {
    "purposes": [
      "open_file"
    ],
    "typed": true,
    "what": "the CA certificate file"
  },
  "sbom_target": {
    "purposes": [
      "save_file"
    ],
    "typed": false,
    "what": "the file to write the SBOM to"
  },
  "upload_source": {
    "purposes": [
      "open_file",
      "open_folder"
    ],
    "typed": true,
    "what": "a file to upload"
  }
};

/** What the engine's reference parser answers: [input, full, familiar], or [input, null, null] when it refuses the name. */
export const REFERENCE_CASES: [string, string | null, string | null][] = [
  [
    "nginx",
    "docker.io/library/nginx:latest",
    "nginx:latest"
  ],
  [
    "nginx:1.25",
    "docker.io/library/nginx:1.25",
    "nginx:1.25"
  ],
  [
    "library/ubuntu",
    "docker.io/library/ubuntu:latest",
    "ubuntu:latest"
  ],
  [
    "docker.io/ubuntu",
    "docker.io/library/ubuntu:latest",
    "ubuntu:latest"
  ],
  [
    "index.docker.io/library/ubuntu:1",
    "docker.io/library/ubuntu:1",
    "ubuntu:1"
  ],
  [
    "user/app:v1",
    "docker.io/user/app:v1",
    "user/app:v1"
  ],
  [
    "library/a/b",
    "docker.io/library/a/b:latest",
    "library/a/b:latest"
  ],
  [
    "localhost/app",
    "localhost/app:latest",
    "localhost/app:latest"
  ],
  [
    "localhost:5000/ns/repo:tag",
    "localhost:5000/ns/repo:tag",
    "localhost:5000/ns/repo:tag"
  ],
  [
    "127.0.0.1:5000/e2e/demo:1",
    "127.0.0.1:5000/e2e/demo:1",
    "127.0.0.1:5000/e2e/demo:1"
  ],
  [
    "[::1]:5000/team/app",
    "[::1]:5000/team/app:latest",
    "[::1]:5000/team/app:latest"
  ],
  [
    "registry.cn-hangzhou.aliyuncs.com/ns/app:1.0",
    "registry.cn-hangzhou.aliyuncs.com/ns/app:1.0",
    "registry.cn-hangzhou.aliyuncs.com/ns/app:1.0"
  ],
  [
    "ghcr.io/owner/app:v1",
    "ghcr.io/owner/app:v1",
    "ghcr.io/owner/app:v1"
  ],
  [
    "Registry.Example.com/app",
    "Registry.Example.com/app:latest",
    "Registry.Example.com/app:latest"
  ],
  [
    "a__b/c-d/e.f_g",
    "docker.io/a__b/c-d/e.f_g:latest",
    "a__b/c-d/e.f_g:latest"
  ],
  [
    "team/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "docker.io/team/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "team/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  ],
  [
    "app:1@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "docker.io/library/app:1@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "app:1@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  ],
  [
    "app:_x",
    "docker.io/library/app:_x",
    "app:_x"
  ],
  [
    "",
    null,
    null
  ],
  [
    "Not A Name",
    null,
    null
  ],
  [
    "UPPER/app",
    "UPPER/app:latest",
    "UPPER/app:latest"
  ],
  [
    "app:",
    null,
    null
  ],
  [
    "app:.x",
    null,
    null
  ],
  [
    "app:-x",
    null,
    null
  ],
  [
    "a//b",
    null,
    null
  ],
  [
    "app/",
    null,
    null
  ],
  [
    "a___b",
    null,
    null
  ],
  [
    "-app",
    null,
    null
  ],
  [
    "app@sha256:abc",
    null,
    null
  ],
  [
    "app@md5:d41d8cd98f00b204e9800998ecf8427e",
    null,
    null
  ],
  [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    null,
    null
  ],
  [
    "host:port/app",
    null,
    null
  ],
  [
    "-host.io/app",
    null,
    null
  ],
  [
    "team/$(id)",
    null,
    null
  ],
  [
    "team/a;id",
    null,
    null
  ]
];

/** What the engine's platform parser answers: [input, normalised], or [input, null] when it refuses it. */
export const PLATFORM_CASES: [string, string | null][] = [
  [
    "linux/amd64",
    "linux/amd64"
  ],
  [
    "linux/arm64",
    "linux/arm64/v8"
  ],
  [
    "linux/arm/v7",
    "linux/arm/v7"
  ],
  [
    "Linux/ARM64",
    "linux/arm64/v8"
  ],
  [
    "linux/aarch64",
    "linux/arm64/v8"
  ],
  [
    "windows/amd64",
    "windows/amd64"
  ],
  [
    "linux",
    null
  ],
  [
    "linux/",
    null
  ],
  [
    "/amd64",
    null
  ],
  [
    "linux/amd64/v1/x",
    null
  ],
  [
    "linux/am d64",
    null
  ]
];
