/** Types for parse-prometheus-text-format 1.1.1 (it ships none): prom2json's shape, values as text. */
declare module 'parse-prometheus-text-format' {
  export interface Sample {
    value?: string;
    labels?: Record<string, string>;
    /** histograms: cumulative count per upper bound ('+Inf' included) */
    buckets?: Record<string, string>;
    /** summaries: value per quantile */
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface MetricFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: Sample[];
  }
  /** Parses the Prometheus text exposition format; throws on a malformed line. */
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
