// Reports: per-period figures per campaign and per agent (service level,
// answered, abandoned, wait and handling time, customer ratings) from the
// queue-entry history the interactions module records. Its routes are
// registered by app.ts; no other module needs anything from it.
export {};
