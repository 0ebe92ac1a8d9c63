import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { RegistriesModel } from '../../lib/state/registries.svelte';
import PushScriptDialog from './PushScriptDialog.svelte';

const HZ = 'registry.cn-hangzhou.aliyuncs.com';

function setup(m = en) {
  const api = new FakeApi();
  api.reg.add({ endpoint: HZ, name: null, provider: 'acr_personal', username: 'dev@example.com', insecure: false, ca_file: null });
  const model = new RegistriesModel(api);
  render(PushScriptDialog, { model, open: { registry: HZ, repository: 'team/app' }, m, onclose: () => {} });
  return api;
}

const script = () => (screen.getByTestId('script-text') as HTMLTextAreaElement).value;

describe('PushScriptDialog', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the ACR console steps with endpoint and username, and the VPC variant', async () => {
    setup();
    await waitFor(() => expect(script()).toContain(`docker login --username=dev@example.com ${HZ}`));
    expect(script()).toMatch(/^# 1\. Log in to registry\.cn-hangzhou\.aliyuncs\.com\n\$ docker login/);
    expect(script()).toContain(`docker push ${HZ}/team/app:[tag]`);
    await userEvent.click(screen.getByTestId('script-vpc'));
    await waitFor(() => expect(script()).toContain('docker push registry-vpc.cn-hangzhou.aliyuncs.com/team/app:[tag]'));
    await userEvent.click(screen.getByTestId('script-tool-strata'));
    await waitFor(() => expect(script()).toContain('strata login --username=dev@example.com --password-stdin registry-vpc.'));
  });

  it('copies the script to the clipboard and says so', async () => {
    const writeText = vi.fn(async (_: string) => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    setup(zhCN);
    await waitFor(() => expect(script()).toContain('# 1. 登录镜像仓库'));
    await userEvent.click(screen.getByTestId('script-copy'));
    expect(writeText).toHaveBeenCalledWith(script());
    expect(await screen.findByTestId('script-copied')).toHaveTextContent('已复制到剪贴板');
  });
});
