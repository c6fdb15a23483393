// Settings: what reading one capture set may cost (decompressed bytes, packets, memory). The
// backend remembers them for this user and reads with them from the next open; "Save and read
// again" applies them to the open set at once. Values are typed as on the command line: 4G, 512M, 5M.
import { useEffect, useState } from 'react';
import type { LimitsState, LimitsView } from '../../common/contract';
import { countText, parseCount, parseSize, sizeText } from '../../common/limits';
import { api } from '../api';
import { Alert } from './Alert';
import { errorText } from '../logic/format';

type Key = keyof LimitsView;
const FIELDS: readonly { key: Key; label: string; hint: string; count: boolean }[] = [
  { key: 'maxBytes', label: 'Bytes read', hint: 'after decompression (a gzip bomb stops here), e.g. 32G', count: false },
  { key: 'maxPackets', label: 'Packets', hint: 'over the whole set, e.g. 20M or 500k', count: true },
  { key: 'maxMemoryBytes', label: 'Memory', hint: 'resident memory of the reader, e.g. 6G or 512M', count: false },
];
const show = (f: (typeof FIELDS)[number], n: number) => (f.count ? countText(n) : sizeText(n));
const textOf = (v: LimitsView) => Object.fromEntries(FIELDS.map((f) => [f.key, show(f, v[f.key])])) as Record<Key, string>;
const parse = (f: (typeof FIELDS)[number], text: string) => (f.count ? parseCount(text) : parseSize(text));

export function SettingsPanel(props: { canReload: boolean; onClose(): void }) {
  const [limits, setLimits] = useState<LimitsState | null>(null);
  const [text, setText] = useState<Record<Key, string> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.getLimits().then(
      (l) => {
        setLimits(l);
        setText(textOf(l.current));
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, []);
  const values = text && FIELDS.map((f) => parse(f, text[f.key]));
  const [maxBytes, maxPackets, maxMemoryBytes] = values ?? [];
  const valid = maxBytes != null && maxPackets != null && maxMemoryBytes != null;
  const save = (reload: boolean) => {
    if (!valid) return;
    api.setLimits({ maxBytes, maxPackets, maxMemoryBytes, reload }).then(
      () => props.onClose(),
      (err: unknown) => setError(errorText(err)),
    );
  };
  return (
    <form
      className="decode-as settings"
      data-testid="settings"
      onSubmit={(e) => {
        e.preventDefault();
        save(false);
      }}
    >
      <strong>Read limits</strong>
      <span className="muted">
        {' '}
        per capture set: past one, reading stops with a message and what was read stays usable. They apply from the next open.
      </span>
      {limits && text && (
        <table>
          <tbody>
            {FIELDS.map((f, i) => (
              <tr key={f.key}>
                <td>
                  <label htmlFor={`limit-${f.key}`}>{f.label}</label>
                </td>
                <td>
                  <input
                    id={`limit-${f.key}`}
                    data-testid={`limit-${f.key}`}
                    className={values?.[i] === null ? 'invalid' : ''}
                    value={text[f.key]}
                    size={8}
                    onChange={(e) => setText((t) => t && { ...t, [f.key]: e.target.value })}
                  />
                </td>
                <td className="muted">
                  default {show(f, limits.defaults[f.key])} · {f.hint}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button type="button" data-testid="limits-defaults" disabled={!limits} onClick={() => limits && setText(textOf(limits.defaults))}>
          Defaults
        </button>
        <span className="spacer" />
        <button type="submit" data-testid="limits-save" disabled={!valid}>
          Save
        </button>
        <button type="button" data-testid="limits-reload" disabled={!valid || !props.canReload} onClick={() => save(true)}>
          Save and read again
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
      <Alert message={error} />
    </form>
  );
}
