// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmergencyActionView } from '../../../main/contract';
import i18n from '../i18n';
import { DropZone } from './DropZone';
import { EmergencyActions } from './Emergency';

beforeAll(async () => {
  await i18n.changeLanguage('en');
});
afterEach(cleanup);

const file = (name: string) => new File([new Uint8Array([1, 2, 3])], name);

describe('DropZone', () => {
  it('queues the dropped audio/video files with the chosen options and names the files it skipped', async () => {
    const onFiles = vi.fn(async () => [] as string[]);
    render(<DropZone profiles={['cpu', 'high_performance']} activeProfile="cpu" canSubmit nativePicker={false} onFiles={onFiles} onPickNative={async () => []} />);
    fireEvent.change(screen.getByLabelText(/language/), { target: { value: 'en' } });
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [file('a.wav'), file('b.mp4'), file('notes.txt')] } });
    await waitFor(() => expect(onFiles).toHaveBeenCalledTimes(1));
    const [files, options] = onFiles.mock.calls[0] as unknown as [File[], Record<string, unknown>];
    expect(files.map((f) => f.name)).toEqual(['a.wav', 'b.mp4']);
    expect(options).toEqual({ language: 'en', task: 'transcribe', output_formats: ['srt', 'json'] });
    expect(await screen.findByText('Not audio/video, skipped: notes.txt')).toBeTruthy();
    expect(await screen.findByText('Queued 2 files.')).toBeTruthy();
  });

  it('asks for word timestamps and speakers when their models are installed, and only then', async () => {
    const onFiles = vi.fn(async () => [] as string[]);
    const { unmount } = render(<DropZone profiles={['cpu']} activeProfile="cpu" canSubmit nativePicker={false} onFiles={onFiles} onPickNative={async () => []} speakers={{ align: true, diarize: true }} />);
    fireEvent.click(screen.getByTestId('opt-align'));
    fireEvent.click(screen.getByTestId('opt-diarize'));
    fireEvent.change(screen.getByLabelText(/max speakers/), { target: { value: '3' } });
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [file('a.wav')] } });
    await waitFor(() => expect(onFiles).toHaveBeenCalledTimes(1));
    expect((onFiles.mock.calls[0] as unknown as [File[], Record<string, unknown>])[1]).toMatchObject({ align: true, diarize: true, max_speakers: 3 });
    unmount();

    render(<DropZone profiles={['cpu']} activeProfile="cpu" canSubmit nativePicker={false} onFiles={onFiles} onPickNative={async () => []} speakers={{ align: false, diarize: false }} />);
    expect((screen.getByTestId('opt-align') as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByTestId('opt-diarize') as HTMLInputElement).disabled).toBe(true);
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [file('b.wav')] } });
    await waitFor(() => expect(onFiles).toHaveBeenCalledTimes(2));
    const second = (onFiles.mock.calls[1] as unknown as [File[], Record<string, unknown>])[1];
    expect(second).not.toHaveProperty('align');
    expect(second).not.toHaveProperty('diarize');
  });

  it('takes nothing without the API token and says why', () => {
    const onFiles = vi.fn(async () => [] as string[]);
    render(<DropZone profiles={[]} activeProfile={null} canSubmit={false} nativePicker={false} onFiles={onFiles} onPickNative={async () => []} />);
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [file('a.wav')] } });
    expect(onFiles).not.toHaveBeenCalled();
    expect(screen.getByText(/Queueing needs the API token/)).toBeTruthy();
  });
});

const release: EmergencyActionView = {
  id: 'release_gpu_lock',
  title: { en: 'Release a GPU lock', zh: '释放 GPU 锁' },
  description: { en: 'Deletes the GPU lock whoever holds it; its job is retried.', zh: '强制删除 GPU 锁。' },
  manual_ref: '§5.2',
  params: [],
  available: true,
  unavailable_reason: null,
};

describe('EmergencyActions', () => {
  it('says what will happen before doing it, then shows what it did', async () => {
    const onRun = vi.fn(async () => ({ outcome: 'done', message: 'gpu_lock:0 released (was held by job tx-1)' }));
    render(<EmergencyActions actions={[release]} lockKeys={['gpu_lock:0', 'gpu_lock:1']} lang="en" canAct onRun={onRun} />);
    fireEvent.click(screen.getByTestId('action-release_gpu_lock'));
    expect(screen.getByTestId('confirm-description').textContent).toBe('Deletes the GPU lock whoever holds it; its job is retried.');
    expect(onRun).not.toHaveBeenCalled();
    fireEvent.change(screen.getByRole('combobox'), { target: { value: 'gpu_lock:1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Do it' }));
    await waitFor(() => expect(screen.getByTestId('result-release_gpu_lock').textContent).toBe('done: gpu_lock:0 released (was held by job tx-1)'));
    expect(onRun).toHaveBeenCalledWith('release_gpu_lock', { lock_key: 'gpu_lock:1' });
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
  });

  it('does nothing when the operator cancels', () => {
    const onRun = vi.fn(async () => ({ outcome: 'done', message: '' }));
    render(<EmergencyActions actions={[release]} lockKeys={[]} lang="zh" canAct onRun={onRun} />);
    expect(screen.getByTestId('action-release_gpu_lock').textContent).toBe('释放 GPU 锁');
    fireEvent.click(screen.getByTestId('action-release_gpu_lock'));
    fireEvent.click(screen.getByRole('button', { name: i18n.t('emergency.cancel') }));
    expect(onRun).not.toHaveBeenCalled();
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
  });

  it('keeps unavailable actions disabled with the reason', () => {
    render(<EmergencyActions actions={[{ ...release, id: 'restart_diarization', available: false, unavailable_reason: 'no diarization stage yet' }]} lockKeys={[]} lang="en" canAct onRun={vi.fn()} />);
    expect((screen.getByTestId('action-restart_diarization') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('Not available here: no diarization stage yet')).toBeTruthy();
  });
});
