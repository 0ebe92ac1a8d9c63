import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { zhCN } from '../../lib/i18n/zh-CN';
import { HOST, namespaceNode, renderManaged } from './managedFixture';

describe('NewNamespaceDialog', () => {
  it('checks the name as it is typed, then creates the namespace and shows it in the tree', async () => {
    const { api } = await renderManaged();
    await userEvent.click(screen.getByTestId('tree-new-namespace'));
    const dialog = await screen.findByTestId('new-namespace-dialog');
    const submit = within(dialog).getByTestId('new-namespace-submit');
    expect(submit).toBeDisabled();
    await userEvent.type(within(dialog).getByTestId('new-namespace-name'), 'My Team');
    expect(within(dialog).getByTestId('new-namespace-name')).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByTestId('new-namespace-rule')).toHaveClass('st-error');
    expect(submit).toBeDisabled();
    await userEvent.clear(within(dialog).getByTestId('new-namespace-name'));
    await userEvent.type(within(dialog).getByTestId('new-namespace-name'), 'ops');
    await userEvent.click(within(dialog).getByTestId('new-namespace-public'));
    expect(submit).toBeEnabled();
    await userEvent.click(submit);
    await waitFor(() => expect(screen.queryByTestId('new-namespace-dialog')).toBeNull());
    expect(api.calls.find((c) => c.method === 'createNamespace')?.arg).toEqual({ registry: HOST, name: 'ops', isPublic: true });
    expect(screen.getByTestId('registries-status')).toHaveTextContent('Created namespace ops.');
    expect(await waitFor(() => namespaceNode('ops'))).toBeTruthy();
  });

  it('shows the API refusing a taken name as a summary and a hint, in Chinese', async () => {
    await renderManaged(undefined, zhCN);
    await userEvent.click(screen.getByTestId('tree-new-namespace'));
    const dialog = await screen.findByTestId('new-namespace-dialog');
    await userEvent.type(within(dialog).getByTestId('new-namespace-name'), 'team');
    await userEvent.click(within(dialog).getByTestId('new-namespace-submit'));
    const error = await within(dialog).findByTestId('new-namespace-error');
    expect(error.dataset.code).toBe('manage.name_taken');
    expect(within(error).getByTestId('problem-hint')).toHaveTextContent('该名称已被占用');
    expect(screen.getByTestId('new-namespace-dialog')).toBeInTheDocument();
  });
});
