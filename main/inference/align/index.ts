/** WhisperX forced alignment (alignment.py) as a pipeline stage on onnxruntime-node. */
export { alignSegments, alignTranscript, type AlignOptions, type AlignResult, type UnalignedReason } from './align';
export {
  alignModelFileCandidates,
  dictionaryFromVocab,
  inspectAlignFolder,
  loadAligner,
  OnnxCtcAligner,
  zeroMeanUnitVar,
  type AlignFolderInfo,
  type CtcAligner,
  type LoadAlignerOptions,
} from './aligner';
export { alignModelFor, defaultAlignModels } from './catalog';
export { alignTokens, backtrack, getTrellis, logSoftmax, mergeRepeats, withWildcardColumn, type CharSpan, type Emission, type PathPoint, type Trellis } from './ctc';
export { cleanText, interpolateNearest, round3, untimedWords, wordsFromChars, type CleanText, type UnknownCharPolicy } from './text';
