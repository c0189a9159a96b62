import { useQuery } from '@tanstack/react-query';
import { reportSchema, type ReportPreset } from '@postdesk/contracts';
import { apiRequest, withQuery } from '../../app/api.ts';

/** What the screen asks for: a preset, or custom local dates, and optionally one campaign. */
export interface ReportParams {
  preset: ReportPreset;
  from: string;
  to: string;
  campaignId: string | null;
}

const query = (p: ReportParams): Record<string, string | null> => ({
  preset: p.preset,
  from: p.preset === 'custom' ? p.from : null,
  to: p.preset === 'custom' ? p.to : null,
  campaignId: p.campaignId,
});

/** The period's report; not asked while a custom period lacks a date. */
export function useReport(p: ReportParams) {
  return useQuery({
    queryKey: ['reports', p] as const,
    queryFn: ({ signal }) => apiRequest(withQuery('/api/reports', query(p)), reportSchema, { signal }),
    enabled: p.preset !== 'custom' || (!!p.from && !!p.to),
  });
}

/** Downloads the report as CSV under a dated name. */
export async function downloadReportCsv(p: ReportParams): Promise<void> {
  const res = await fetch(withQuery('/api/reports/export', query(p)), { credentials: 'same-origin', headers: { Accept: 'text/csv' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `report-${p.preset === 'custom' ? `${p.from}-${p.to}` : `${p.preset}-${new Date().toISOString().slice(0, 10)}`}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
