import { describe, expect, it } from 'vitest';
import { hashFor, pages, parseHash } from './nav';

describe('rail navigation', () => {
  it('has the eight sections of the rail', () => {
    expect(pages).toEqual(['dashboard', 'jobs', 'transcripts', 'alerts', 'maintenance', 'emergency', 'models', 'settings']);
  });

  it('reads the page and a job id from the hash, defaulting to the dashboard', () => {
    expect(parseHash('#/transcripts/job_12')).toEqual({ page: 'transcripts', id: 'job_12' });
    expect(parseHash('#/alerts')).toEqual({ page: 'alerts', id: null });
    expect(parseHash('')).toEqual({ page: 'dashboard', id: null });
    expect(parseHash('#/nonsense')).toEqual({ page: 'dashboard', id: null });
    expect(parseHash('#/emergency?action=release_gpu_lock').page).toBe('emergency');
  });

  it('round-trips', () => {
    expect(parseHash(hashFor('transcripts', 'abc'))).toEqual({ page: 'transcripts', id: 'abc' });
  });
});
