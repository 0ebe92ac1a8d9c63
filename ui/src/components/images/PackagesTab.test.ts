import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import PackagesTab from './PackagesTab.svelte';

function setup(m = en, image = 'debian:12') {
  const api = new FakeApi();
  const row = fakeRow(image);
  api.images = [row];
  render(PackagesTab, { api, reference: row.reference, m });
  return { api, row };
}

const names = () => screen.getAllByTestId('package').map((r) => r.dataset.name);

describe('PackagesTab', () => {
  it('lists the packages with the OS and filters them by name', async () => {
    setup();
    expect(await screen.findByTestId('packages-os')).toHaveTextContent('Debian GNU/Linux 12 (bookworm)');
    expect(screen.getByTestId('packages-count')).toHaveTextContent('3 packages');
    expect(names()).toEqual(['base-files', 'bash', 'libc6']);
    expect(screen.getAllByTestId('package')[2]).toHaveTextContent('glibc');
    await userEvent.type(screen.getByTestId('packages-search'), 'LIB');
    expect(names()).toEqual(['libc6']);
    expect(screen.getByTestId('packages-count')).toHaveTextContent('1 of 3 packages');
    await userEvent.clear(screen.getByTestId('packages-search'));
    await userEvent.type(screen.getByTestId('packages-search'), 'zsh');
    expect(screen.getByTestId('packages-nomatch')).toBeInTheDocument();
  });

  it("lists an rpm image's packages with their epochs and source rpms, and a database read in part", async () => {
    setup(en, 'fedora:40');
    expect(await screen.findByTestId('packages-os')).toHaveTextContent('Fedora Linux 40 (Container Image)');
    expect(names()).toEqual(['bash', 'curl', 'perl-Errno']);
    const perl = screen.getAllByTestId('package')[2];
    expect(perl).toHaveTextContent('0:1.38-506.fc40');
    expect(perl).toHaveTextContent('perl');
    expect(perl).toHaveTextContent('rpm');
    expect(perl?.title).toBe('pkg:rpm/fedora/perl-Errno@1.38-506.fc40?arch=x86_64&distro=fedora-40&epoch=0&upstream=perl');
    expect(screen.getByTestId('packages-partial')).toHaveTextContent(
      '/usr/lib/sysimage/rpm/rpmdb.sqlite (rpm) was read in part: 1 record(s) not read, the first: a header without a name',
    );
    expect(screen.queryByTestId('packages-unread')).toBeNull();
  });

  it('exports the SBOM chosen to the file chosen in the save dialog', async () => {
    const { api, row } = setup();
    api.pickedPath = '/home/me/debian.spdx.json';
    await screen.findByTestId('packages-table');
    await userEvent.selectOptions(screen.getByTestId('sbom-format'), 'spdx');
    await userEvent.click(screen.getByTestId('sbom-export'));
    expect(await screen.findByTestId('sbom-saved')).toHaveTextContent('SBOM written to /home/me/debian.spdx.json.');
    expect(api.calls.find((c) => c.method === 'chooseExportPath')?.arg).toEqual({
      title: 'Export the SBOM',
      fileName: 'debian_12.spdx.json',
    });
    const call = api.calls.find((c) => c.method === 'exportSbom')?.arg as { reference: string; format: string };
    expect([call.reference, call.format]).toEqual([row.reference, 'spdx']);
  });

  it('writes nothing when the dialog is cancelled, and speaks Chinese', async () => {
    const { api } = setup(zhCN);
    api.pickedPath = null;
    expect(await screen.findByTestId('packages-count')).toHaveTextContent('3 个软件包');
    await userEvent.click(screen.getByTestId('sbom-export'));
    expect(api.calls.some((c) => c.method === 'exportSbom')).toBe(false);
    expect(screen.getByTestId('sbom-export')).toHaveTextContent('导出 SBOM…');
  });
});
