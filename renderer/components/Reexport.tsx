// A correction or "decode as" on a Parquet dataset: the dataset cannot be read or analysed again in
// place, so the backend answers with why and the exact command that exports it again with the
// change (main/dataset/reexport.ts). Shown here with the command apart, selectable and copyable.
import { useState } from 'react';

/** Splits the backend's answer into its explanation and the command (the line that starts with `tunnelvision export`). */
export function splitReexport(text: string): { why: string; command: string | null } {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('tunnelvision export '));
  if (at < 0) return { why: text, command: null };
  return { why: [...lines.slice(0, at), ...lines.slice(at + 1)].join('\n'), command: lines[at] };
}

export function ReexportCommand(props: { text: string }) {
  const { why, command } = splitReexport(props.text);
  const [copied, setCopied] = useState(false);
  return (
    <div className="reexport" role="status" data-testid="reexport">
      <p>{why}</p>
      {command && (
        <>
          <pre data-testid="reexport-command">{command}</pre>
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard?.writeText(command).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? 'Copied' : 'Copy the command'}
          </button>
        </>
      )}
    </div>
  );
}
