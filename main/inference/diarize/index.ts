export { assignWordSpeakers, type AssignSpeakersOptions } from './assign';
export { clusterEmbeddings, type ClusteringOptions, type Linkage } from './clustering';
export { diarizationErrorRate, formatRttm, parseRttm, type DerOptions, type DerResult } from './der';
export { EmbeddingModel, type EmbeddingSpec } from './embedding';
export { KaldiFbank, fbankWithCmn } from './fbank';
export { createDiarizer, loadDiarizerModels, type Diarizer, type DiarizerModels, type DiarizeModelPaths } from './pipeline';
export { SegmentationModel, type SegmentationSpec } from './segmentation';
export { defaultDiarizeOptions, type BinarizeOptions, type DiarizeOptions, type DiarizeProgress, type SpeakerTurn } from './types';
