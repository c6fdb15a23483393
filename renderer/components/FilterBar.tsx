// The display filter box: green when the expression parses, red with the error underlined and
// explained when it does not, Enter applies, a history of applied filters, a clear button.
import { useEffect, useMemo, useState } from 'react';
import { parseFilter } from '../../common/filter';
import { loadHistory, pushHistory, saveHistory } from '../logic/history';

const storage = typeof localStorage === 'undefined' ? null : localStorage;

export function FilterBar(props: { applied: string; onApply(filter: string): void; serverError: string | null }) {
  const [text, setText] = useState(props.applied);
  // A filter applied from elsewhere (a reopened session's) shows in the box.
  useEffect(() => setText(props.applied), [props.applied]);
  const [history, setHistory] = useState<string[]>(() => loadHistory(storage));
  const [showHistory, setShowHistory] = useState(false);
  const parsed = useMemo(() => parseFilter(text), [text]);
  const state = text.trim() === '' ? 'empty' : parsed.ok ? 'valid' : 'invalid';

  const apply = (value: string) => {
    const r = parseFilter(value);
    if (!r.ok) return;
    setText(value);
    props.onApply(value.trim());
    if (value.trim()) {
      const h = pushHistory(history, value);
      setHistory(h);
      saveHistory(storage, h);
    }
    setShowHistory(false);
  };

  return (
    <div className="filterbar">
      <div className={`filter-input ${state}`} data-testid="filter-box" data-state={state}>
        <input
          aria-label="Display filter"
          data-testid="filter-input"
          spellCheck={false}
          placeholder='Display filter, e.g. ip.src == 10.42.0.5 && vxlan.vni == 1   ·   pod == "web-0"   ·   outer.udp.dstport == 8472'
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') apply(text);
            if (e.key === 'Escape') setShowHistory(false);
            if (e.key === 'ArrowDown' && history.length) setShowHistory(true);
          }}
        />
        <button
          className="icon"
          title="Filter history"
          aria-label="Filter history"
          onClick={() => setShowHistory((s) => !s)}
          disabled={!history.length}
        >
          ▾
        </button>
        {showHistory && history.length > 0 && (
          <ul className="history" role="listbox" data-testid="filter-history">
            {history.map((h) => (
              <li key={h} role="option" aria-selected={h === props.applied} onMouseDown={() => apply(h)}>
                {h}
              </li>
            ))}
          </ul>
        )}
      </div>
      <button data-testid="filter-apply" onClick={() => apply(text)} disabled={state === 'invalid'}>
        Apply
      </button>
      <button
        data-testid="filter-clear"
        onClick={() => {
          setText('');
          props.onApply('');
        }}
        disabled={!text && !props.applied}
      >
        Clear
      </button>
      {!parsed.ok && (
        <div className="filter-error" role="alert" data-testid="filter-error">
          <span className="filter-echo">
            {text.slice(0, parsed.error.start)}
            <mark>{text.slice(parsed.error.start, parsed.error.end) || ' '}</mark>
            {text.slice(parsed.error.end)}
          </span>
          <span>{parsed.error.message}</span>
        </div>
      )}
      {parsed.ok && props.serverError && (
        <div className="filter-error" role="alert" data-testid="filter-server-error">
          <span>{props.serverError}</span>
        </div>
      )}
    </div>
  );
}
