// What a fraud hit carries: its own file, so the alert logic (alerting.ts) and the mail text
// (describe.ts) need not import the detectors, and the detectors, which read the partition
// state's types, form no cycle with the state through the alerts.

/** The figures behind one hit: plain JSON values, so the evidence column stays readable. */
export type Evidence = Record<string, string | number | boolean | null | string[]>;
