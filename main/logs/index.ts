export { componentName, listLogFiles, logComponents, type LogFile } from './files';
export { LogReader, parseLogLine, tailFile, type ErrorLine, type ErrorScan, type LogLine, type ScanCursors } from './reader';
export { LogRotator, type DeletedLog, type RotatedLog } from './rotation';
