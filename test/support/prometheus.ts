import parsePrometheusTextFormat, { MetricFamily, Sample } from 'parse-prometheus-text-format';

/** A parsed /metrics text, read by metric name and labels. */
export interface Scrape {
  families: MetricFamily[];
  /** The family, or an Error naming it when it is missing. */
  family(name: string): MetricFamily;
  /** The value of the one sample of `name` whose labels include `labels` (0 when there is none: a counter not yet moved). */
  value(name: string, labels?: Record<string, string>): number;
  /** An unlabelled histogram's observation count (the parser, 1.1.1, merges the label sets of a labelled one). */
  count(name: string): number;
}

/** Parses the text with a real Prometheus text-format parser (not regexes). */
export function parseScrape(text: string): Scrape {
  const families = parsePrometheusTextFormat(text);
  const family = (name: string): MetricFamily => {
    const found = families.find((f) => f.name === name);
    if (!found) throw new Error(`no metric ${name} in the scrape (${families.map((f) => f.name).join(', ')})`);
    return found;
  };
  const sample = (name: string, labels: Record<string, string>): Sample | undefined => {
    const matching = family(name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    if (matching.length > 1) throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return matching[0];
  };
  return {
    families,
    family,
    value: (name, labels = {}) => Number(sample(name, labels)?.value ?? 0),
    count: (name) => Number(family(name).metrics[0]?.count ?? 0),
  };
}

/** GETs /metrics with the admin token and parses it. */
export async function scrape(baseUrl: string, adminToken: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
  return parseScrape(await res.text());
}
