// @moe/native: nothing is exported until it is implemented (see the open issues).
export * from './compile';
export * from './addon';
export * from './reference';
export * from './runner';
