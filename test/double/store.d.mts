// Types for the unit tests that run the double's data path in-process.
export class Store {
  constructor(options: { dataDir: string; apiserverLog: string });
  loadAll(): void;
  get(kind: string, name: string): any;
  list(kind: string): { name: string; obj: any }[];
}
