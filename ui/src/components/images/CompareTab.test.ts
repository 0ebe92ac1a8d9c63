import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import CompareTab from './CompareTab.svelte';

function setup() {
  const api = new FakeApi();
  api.images = [fakeRow('app:1'), fakeRow('app:2')];
  const [a, b] = api.images as [ReturnType<typeof fakeRow>, ReturnType<typeof fakeRow>];
  return { api, a, b };
}

describe('CompareTab', () => {
  it('compares with the image chosen: shared layers, config and files', async () => {
    const { api, a, b } = setup();
    render(CompareTab, { api, reference: a.reference, m: en, others: [b] });
    await userEvent.selectOptions(screen.getByTestId('compare-with'), b.reference);
    expect(await screen.findByTestId('compare-layers')).toHaveTextContent(
      '1 layers shared (900 kB), the bottom 1 in common; 0 only in this image, 1 only in the other',
    );
    expect(screen.getByTestId('compare-config')).toHaveTextContent('MODE');
    expect(screen.getByTestId('compare-config')).toHaveTextContent('not set');
    const files = screen.getAllByTestId('compare-file');
    expect(files.map((f) => f.dataset.change)).toEqual(['changed', 'removed', 'added']);
    expect(files[0]).toHaveTextContent('/etc/app.conf');
    expect(files[0]).toHaveTextContent('size: 100 B → 150 B');
    expect(api.calls.find((c) => c.method === 'compareImages')?.arg).toEqual({ a: a.reference, b: b.reference });
  });

  it('says when there is nothing to compare with, in Chinese too', () => {
    const { api, a } = setup();
    render(CompareTab, { api, reference: a.reference, m: zhCN, others: [] });
    expect(screen.getByTestId('compare-none')).toHaveTextContent('存储中没有可比较的其他镜像');
  });
});
