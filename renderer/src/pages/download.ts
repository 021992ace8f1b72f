import type { JobOutputFormat, TranscriptionJob } from '../../../main/contract';
import * as actions from '../store/actions';
import { exportFileName } from '../views/transcript-view';

const mime: Record<JobOutputFormat, string> = { json: 'application/json', srt: 'application/x-subrip', vtt: 'text/vtt', txt: 'text/plain', tsv: 'text/tab-separated-values' };

/** Saves a finished job's export under the input's name ("interview.m4a" → "interview.srt"). */
export async function downloadExport(job: TranscriptionJob, format: JobOutputFormat): Promise<void> {
  const text = await actions.exportText(job.id, format);
  const url = URL.createObjectURL(new Blob([text], { type: `${mime[format]};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = exportFileName(job.input.name, format);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
