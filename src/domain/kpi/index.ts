export * from './distribution.ts';
export * from './figures.ts';
export * from './groups.ts';
export * from './report.ts';
export * from './targets.ts';
