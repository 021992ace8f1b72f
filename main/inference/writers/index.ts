/** Transcript writers shaped as WhisperX's (srt, vtt, txt, tsv, json). */
export { isOutputFormat, outputFormats, parseOutputFormats, writeTranscript, type OutputFormat, type WriteOptions } from './writers';
export { writeAll } from './write-all';
export { formatTimestamp, pyRound, toMilliseconds } from './timestamps';
export { subtitleCues, type Cue, type SubtitleOptions } from './subtitles';
