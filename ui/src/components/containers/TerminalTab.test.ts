import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import TerminalTab from './TerminalTab.svelte';

// xterm.js draws with a canvas and measures fonts, which jsdom has not: a stand-in that
// keeps what was written.
vi.mock('@xterm/xterm', () => ({
  Terminal: class {
    cols = 80;
    rows = 24;
    written: string[] = [];
    loadAddon() {}
    open() {}
    write(data: string) {
      this.written.push(data);
    }
    onData() {}
    onResize() {}
    focus() {}
    dispose() {}
  },
}));
vi.mock('@xterm/addon-fit', () => ({
  FitAddon: class {
    fit() {}
  },
}));
vi.stubGlobal(
  'ResizeObserver',
  class {
    observe() {}
    disconnect() {}
  },
);

function setup(m = en) {
  const api = new FakeApi();
  api.ctr.add('web');
  const onexit = vi.fn();
  render(TerminalTab, { api, name: 'web', m, visible: true, onexit });
  return { api, onexit };
}

/** The networks the shells were opened on, in order. */
function opened(api: FakeApi): unknown[] {
  return api.calls.filter((c) => c.method === 'openTerminal').map((c) => (c.arg as { network: unknown }).network);
}

describe('TerminalTab', () => {
  it('opens the shell on user-mode networking unless asked otherwise', async () => {
    const { api } = setup();
    await waitFor(() => expect(opened(api)).toEqual(['slirp4netns']));
    expect(screen.getByTestId('terminal-network')).toHaveValue('slirp4netns');
    expect(screen.getByTestId('terminal-network-help')).toHaveTextContent('not the services on this computer’s 127.0.0.1');
  });

  it('starts a new shell on the network chosen, ending the old one', async () => {
    const { api, onexit } = setup();
    await waitFor(() => expect(opened(api)).toEqual(['slirp4netns']));
    await userEvent.selectOptions(screen.getByTestId('terminal-network'), 'host');
    await waitFor(() => expect(opened(api)).toEqual(['slirp4netns', 'host']));
    expect(api.calls.filter((c) => c.method === 'closeTerminal').map((c) => c.arg)).toEqual([1]);
    expect(screen.getByTestId('terminal-network-help')).toHaveTextContent('shares this computer’s network');
    await waitFor(() => expect(screen.getByTestId('terminal')).toHaveAttribute('data-phase', 'open'));
    // The new shell's end is reported as ever.
    api.terminalSay(2, { type: 'exit', code: 3 });
    expect(onexit).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId('terminal-exited')).toHaveTextContent('exit code 3');

    await userEvent.selectOptions(screen.getByTestId('terminal-network'), 'none');
    await waitFor(() => expect(opened(api)).toEqual(['slirp4netns', 'host', 'none']));
    expect(screen.getByTestId('terminal-network-help')).toHaveTextContent('Loopback only');
  });

  it('names the networks in 简体中文', async () => {
    const { api } = setup(zhCN);
    await waitFor(() => expect(opened(api)).toHaveLength(1));
    const names = [...screen.getByTestId('terminal-network').querySelectorAll('option')].map((o) => o.textContent);
    expect(names).toEqual(['用户态网络（默认）', '主机网络', '无网络']);
  });
});
