import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import ProblemNote from './ProblemNote.svelte';

const exists = {
  code: 'image.would_overwrite',
  message: '/tmp/nginx.tar already exists; it is replaced only when you say so',
  hint: { key: 'image.replace_or_rename', args: {} },
};

describe('ProblemNote', () => {
  it('shows the summary, the engine sentence and the app’s hint in English', () => {
    render(ProblemNote, { problem: exists, m: en, testid: 'note' });
    const note = screen.getByTestId('note');
    expect(note).toHaveAttribute('data-code', 'image.would_overwrite');
    expect(within(note).getByTestId('problem-summary')).toHaveTextContent('The file already exists and would be replaced');
    expect(within(note).getByTestId('problem-detail')).toHaveTextContent('/tmp/nginx.tar already exists');
    expect(within(note).getByTestId('problem-hint')).toHaveTextContent('What to do: choose another file, or choose Replace');
    expect(note).not.toHaveTextContent('strata export');
  });

  it('in Chinese, shows the Chinese summary and hint and keeps the engine sentence', () => {
    render(ProblemNote, { problem: exists, m: zhCN, testid: 'note' });
    const note = screen.getByTestId('note');
    expect(within(note).getByTestId('problem-summary')).toHaveTextContent('文件已存在，将会被替换');
    expect(within(note).getByTestId('problem-detail')).toHaveTextContent('/tmp/nginx.tar already exists');
    expect(within(note).getByTestId('problem-hint')).toHaveTextContent('建议: 请选择其他文件，或点击“替换”');
  });

  it('has no hint line when the problem has none, or one the app has no words for', () => {
    render(ProblemNote, { problem: { code: 'ipc.failed', message: 'not allowed' }, m: en, testid: 'bare' });
    expect(within(screen.getByTestId('bare')).queryByTestId('problem-hint')).toBeNull();
    const odd = { code: 'store.io', message: 'x', hint: { key: 'store.brand_new', args: {} } };
    render(ProblemNote, { problem: odd, m: en, testid: 'odd' });
    expect(within(screen.getByTestId('odd')).queryByTestId('problem-hint')).toBeNull();
  });
});
