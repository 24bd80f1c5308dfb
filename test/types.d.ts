// Modules the tests use without type declarations of their own.
declare module 'mute-stream';
