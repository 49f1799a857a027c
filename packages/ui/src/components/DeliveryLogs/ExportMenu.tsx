import type { ExportFormat } from '@segment-webhook/core/contract';
import { useState } from 'react';
import type { DeliveriesExportQuery } from '../../api/client';
import { Button, ChevronDownIcon, Menu, MenuContent, MenuItem, MenuTrigger } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider';

/** Props of {@link ExportMenu}. */
export interface ExportMenuProps {
  /** The webhook whose deliveries to export. */
  webhookId: string;
  /** The filters of the list: the export holds every delivery they match. */
  query: DeliveriesExportQuery;
  /** Reports progress and the outcome (a sentence for a status line; `error` for failures). */
  onStatus?: (message: string, tone: 'progress' | 'done' | 'error') => void;
}

/** Hands a file to the browser as a download (an object URL on a temporary `<a download>`). */
export function saveFile(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/**
 * The **Export** menu of the Logs tab: every delivery matching the list's filters as CSV or NDJSON.
 *
 * The file is fetched through the client (`api.exportDeliveries`), not linked to: the host may give the
 * client headers (e.g. `Authorization`, or the demo's account header) or its own fetch, which a plain link
 * cannot carry. The server streams it; the browser holds it as a Blob until it is saved. Hosts that
 * authenticate with cookies and export very large ranges can link to `api.exportDeliveriesUrl(…)` instead.
 */
export function ExportMenu({ webhookId, query, onStatus }: ExportMenuProps) {
  const m = useMessages();
  const api = useSegmentWebhookApi();
  const [pending, setPending] = useState(false);

  async function download(format: ExportFormat) {
    if (pending) return;
    setPending(true);
    onStatus?.(m.logsExporting, 'progress');
    try {
      const { blob, filename } = await api.exportDeliveries(webhookId, query, format);
      saveFile(blob, filename);
      onStatus?.(m.logsExported(filename), 'done');
    } catch (error) {
      onStatus?.(`${m.logsExportError} ${error instanceof Error ? error.message : ''}`.trim(), 'error');
    } finally {
      setPending(false);
    }
  }

  return (
    <Menu>
      <MenuTrigger asChild>
        <Button disabled={pending} loading={pending}>
          {m.logsExport}
          <ChevronDownIcon />
        </Button>
      </MenuTrigger>
      <MenuContent>
        <MenuItem onSelect={() => void download('csv')}>{m.logsExportCsv}</MenuItem>
        <MenuItem onSelect={() => void download('ndjson')}>{m.logsExportNdjson}</MenuItem>
      </MenuContent>
    </Menu>
  );
}
