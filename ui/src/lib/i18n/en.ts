// English: the reference catalogue. Every other language must have exactly these keys
// (the `Messages` type below makes a missing or extra key a type error).

export const en = {
  app: {
    name: 'Strata',
    tagline: 'Images without a daemon',
  },
  nav: {
    label: 'Sections',
    images: 'Images',
    containers: 'Containers',
    registries: 'Registries',
    tasks: 'Tasks',
    settings: 'Settings',
  },
  common: {
    cliHint: 'From the command line',
    dismiss: 'Dismiss',
    loading: 'Loading…',
  },
  images: {
    title: 'Images',
    subtitle: 'The images in your local store',
    emptyTitle: 'No images yet',
    emptyBody:
      'Import a docker save archive or pull from a registry. Images you commit from a container appear here too.',
  },
  containers: {
    title: 'Containers',
    subtitle: 'Writable copies of an image, ready to commit',
    emptyTitle: 'No containers yet',
    emptyBody:
      'Create a container from a local image, change its files, then commit the changes as a new image.',
  },
  registries: {
    title: 'Registries',
    subtitle: 'Where you push and pull',
    emptyTitle: 'No registries yet',
    emptyBody:
      'Add a registry (Docker Hub, GHCR, Alibaba Cloud ACR, Harbor or your own) to browse its repositories and push or pull tags. Passwords stay in your system keychain.',
  },
  tasks: {
    title: 'Tasks',
    subtitle: 'Long work and its progress',
    emptyTitle: 'Nothing running',
    emptyBody:
      'Pulls, pushes, imports, exports and commits show their progress here while they run, and can be cancelled.',
  },
  settings: {
    title: 'Settings',
    subtitle: 'Language, appearance and where Strata keeps its files',
    language: 'Language',
    languageHelp: 'Applies at once and is remembered.',
    languageSystem: 'Follow system',
    theme: 'Appearance',
    themeHelp: 'Light or dark, or whatever your desktop uses.',
    themeSystem: 'Follow system',
    themeLight: 'Light',
    themeDark: 'Dark',
    about: 'About',
    version: 'Version',
    store: 'Image store',
    storeSource: {
      flag: 'chosen with --home',
      env: 'chosen with STRATA_HOME',
      platform: 'the default for this system',
    },
    settingsFile: 'Settings file',
  },
  errors: {
    title: 'Something went wrong',
    hint: 'What to do',
    unexpected: 'Strata hit an unexpected error',
  },
};

/** The shape of a catalogue: same keys as English, any wording. */
type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof en>;
