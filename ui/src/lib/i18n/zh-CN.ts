// 简体中文. Typed as `Messages`: a key missing here, or one English no longer has, fails
// `npm run check`.
import type { Messages } from './en';

export const zhCN: Messages = {
  app: {
    name: 'Strata',
    tagline: '无需守护进程的镜像工具',
  },
  nav: {
    label: '导航',
    images: '镜像',
    containers: '容器',
    registries: '镜像仓库',
    tasks: '任务',
    settings: '设置',
  },
  common: {
    cliHint: '使用命令行',
    dismiss: '关闭',
    loading: '加载中…',
  },
  images: {
    title: '镜像',
    subtitle: '本地存储中的镜像',
    emptyTitle: '还没有镜像',
    emptyBody: '导入 docker save 归档，或从镜像仓库拉取镜像。从容器提交的新镜像也会显示在这里。',
  },
  containers: {
    title: '容器',
    subtitle: '镜像的可写副本，改完即可提交',
    emptyTitle: '还没有容器',
    emptyBody: '从本地镜像创建容器，修改其中的文件，再把改动提交为新的镜像。',
  },
  registries: {
    title: '镜像仓库',
    subtitle: '推送和拉取的地方',
    emptyTitle: '还没有镜像仓库',
    emptyBody:
      '添加镜像仓库（Docker Hub、GHCR、阿里云 ACR、Harbor 或自建仓库），即可浏览其中的仓库，推送或拉取标签。密码保存在系统钥匙串中。',
  },
  tasks: {
    title: '任务',
    subtitle: '耗时操作及其进度',
    emptyTitle: '没有正在进行的任务',
    emptyBody: '拉取、推送、导入、导出和提交在进行时会在这里显示进度，并且可以随时取消。',
  },
  settings: {
    title: '设置',
    subtitle: '语言、外观，以及 Strata 存放文件的位置',
    language: '语言',
    languageHelp: '立即生效，并会被记住。',
    languageSystem: '跟随系统',
    theme: '外观',
    themeHelp: '浅色、深色，或跟随桌面设置。',
    themeSystem: '跟随系统',
    themeLight: '浅色',
    themeDark: '深色',
    about: '关于',
    version: '版本',
    store: '镜像存储',
    storeSource: {
      flag: '由 --home 指定',
      env: '由 STRATA_HOME 指定',
      platform: '本系统的默认位置',
    },
    settingsFile: '设置文件',
  },
  errors: {
    title: '出错了',
    hint: '建议',
    unexpected: 'Strata 遇到了意外错误',
  },
};
