import { useEffect, useMemo, useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent, type RefObject } from 'react';
import { renderCanned } from '../../../src/domain/canned/render.ts';
import { MAX_OUTBOUND_ATTACHMENTS } from '../../../src/domain/outbound-attachments.ts';
import { api, messageOf, type CannedResponse, type Channel, type Conversation, type Identity, type Session, type UploadedFile } from '../api.ts';
import { identityName } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import type { Act } from '../pages/Conversation.tsx';
import { fileSize } from './Attachments.tsx';
import { Failure } from './Failure.tsx';

/** What the API shows in place of a sealed field whose key an erasure destroyed. */
const ERASED_TEXT = '[erased]';

/** A file for the reply: uploading (`uploaded` null), then stored, its key ready for the reply. */
interface Chip {
  id: number;
  name: string;
  size: number;
  uploaded: UploadedFile | null;
}

const carriesFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes('Files');

const key = (i: { channel: string; handle: string }) => `${i.channel}\n${i.handle}`;

/** The `/word` the caret stands at the end of, with where it starts; null when there is none. */
function slashWordAt(text: string, caret: number): { start: number; word: string } | null {
  const before = text.slice(0, caret);
  const found = /(^|\s)\/([a-z0-9_-]*)$/.exec(before);
  return found ? { start: caret - found[2]!.length - 1, word: found[2]! } : null;
}

/**
 * The reply and note composer. A reply goes to the identity the customer last wrote from, shown and
 * changeable among the customer's identities. Canned responses: type `/` and the shortcut, then Tab
 * (or pick one from the list); placeholders are filled in as it is inserted. Ctrl+Enter sends.
 * Files (the attach button, or dropped onto the composer) are uploaded at once and go with the
 * reply; whether the reply's channel takes them is the server's word, shown as its refusal.
 */
export function Composer({
  id,
  session,
  conversation,
  identities,
  act,
  busy,
  textarea,
}: {
  id: string;
  session: Session;
  conversation: Conversation;
  identities: Identity[];
  act: Act;
  busy: string | null;
  textarea: RefObject<HTMLTextAreaElement | null>;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [to, setTo] = useState<string>('');
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [caret, setCaret] = useState(0);
  const [pick, setPick] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [chips, setChips] = useState<Chip[]>([]);
  const [dropping, setDropping] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const attachButton = useRef<HTMLButtonElement>(null);
  const chipIds = useRef(0);

  useEffect(() => {
    let current = true;
    api.canned().then(
      (r) => current && setCanned(r.responses),
      () => undefined, // Without canned responses the composer still writes.
    );
    return () => {
      current = false;
    };
  }, []);

  const resolved = conversation.status === 'resolved';
  const replyTo = conversation.replyTo;
  const chosen = to || (replyTo ? key(replyTo) : '');
  const options = useMemo(() => {
    const all = identities.map((i) => ({ value: key(i), label: identityName(i), identity: i }));
    if (replyTo && !all.some((o) => o.value === key(replyTo))) all.unshift({ value: key(replyTo), label: identityName(replyTo), identity: { ...replyTo, firstSeenAt: '' } });
    return all;
  }, [identities, replyTo]);

  // An erased customer's addresses read "[erased]": there is nobody to send a reply to (the API refuses it too).
  const erased = options.find((o) => o.value === chosen)?.identity.handle === ERASED_TEXT;

  const slash = slashWordAt(text, caret);
  const suggestions = slash ? canned.filter((c) => c.shortcut.startsWith(slash.word)).slice(0, 6) : [];
  const open = suggestions.length > 0;

  const fill = (response: CannedResponse) =>
    renderCanned(response.text, {
      customerName: null,
      customerHandle: replyTo?.handle ?? null,
      agentName: session.account?.name ?? null,
      conversationId: conversation.id,
    });

  const insert = (response: CannedResponse) => {
    const filled = fill(response);
    // Typed as /shortcut: the word is replaced; picked from the list: inserted at the caret.
    const start = slash ? slash.start : Math.max(0, caret);
    const end = Math.max(start, caret);
    const next = text.slice(0, start) + filled + text.slice(end);
    setText(next);
    setPick(0);
    const position = start + filled.length;
    window.requestAnimationFrame(() => {
      textarea.current?.focus();
      textarea.current?.setSelectionRange(position, position);
      setCaret(position);
    });
  };

  /** Uploads each file at once (a chip while it goes); a refused upload says why, naming the file. */
  const attach = (files: FileList | File[]) => {
    const list = Array.from(files);
    if (list.length === 0) return;
    if (chips.length + list.length > MAX_OUTBOUND_ATTACHMENTS) {
      setError(t('composer.tooManyFiles', { max: MAX_OUTBOUND_ATTACHMENTS }));
      return;
    }
    setError(null);
    for (const file of list) {
      const chipId = ++chipIds.current;
      setChips((all) => [...all, { id: chipId, name: file.name, size: file.size, uploaded: null }]);
      api.upload(file).then(
        (uploaded) => setChips((all) => all.map((chip) => (chip.id === chipId ? { ...chip, uploaded } : chip))),
        (err: unknown) => {
          setChips((all) => all.filter((chip) => chip.id !== chipId));
          setError(t('composer.uploadFailed', { name: file.name, reason: messageOf(err) }));
        },
      );
    }
  };

  const remove = (chipId: number) => {
    setChips((all) => all.filter((chip) => chip.id !== chipId));
    // The chip's own button is gone: keyboard focus goes back to where files are added.
    attachButton.current?.focus();
  };

  const send = async (kind: 'reply' | 'note') => {
    const body = text.trim();
    // Files go with replies only (a note is never delivered); a reply of files alone needs no text.
    const files = kind === 'reply' ? chips.flatMap((chip) => (chip.uploaded ? [chip.uploaded] : [])) : [];
    if (kind === 'reply' && files.length < chips.length) {
      setError(t('composer.stillUploading'));
      return;
    }
    if (!body && files.length === 0) {
      setError(kind === 'reply' ? t('composer.writeReply') : t('composer.writeNote'));
      return;
    }
    setError(null);
    const target = options.find((o) => o.value === chosen)?.identity;
    const other = target && replyTo && key(target) !== key(replyTo) ? { channel: target.channel as Channel, handle: target.handle } : undefined;
    const ok = await act(
      kind,
      () => (kind === 'reply' ? api.reply(id, body, other, files) : api.note(id, body)),
      (v, eventId) => v.transcript.some((e) => e.eventId === eventId),
      kind === 'reply' ? t('composer.sent') : t('composer.noted'),
    );
    if (ok) {
      setText('');
      if (kind === 'reply') setChips([]);
    }
  };

  const onDragOver = (event: DragEvent<HTMLElement>) => {
    if (!carriesFiles(event) || resolved) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDropping(true);
  };
  const onDragLeave = (event: DragEvent<HTMLElement>) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDropping(false);
  };
  const onDrop = (event: DragEvent<HTMLElement>) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    setDropping(false);
    if (!resolved) attach(event.dataTransfer.files);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!erased) void send('reply');
      return;
    }
    if (!open) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setPick((p) => (p + (event.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
    } else if (event.key === 'Tab' || (event.key === 'Enter' && !event.shiftKey)) {
      event.preventDefault();
      insert(suggestions[Math.min(pick, suggestions.length - 1)]!);
    } else if (event.key === 'Escape') {
      setCaret(-1);
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!erased) void send('reply');
  };

  return (
    <section className={`panel composer${dropping ? ' composer-dropping' : ''}`} aria-labelledby="composer-title" onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={onDrop}>
      <h2 id="composer-title">{t('composer.title')}</h2>
      <form onSubmit={submit}>
        <Failure message={error} />
        <div className="composer-to">
          <span className="filter">
            <label htmlFor="reply-to">{t('composer.to')}</label>
            <select id="reply-to" value={chosen} onChange={(e) => setTo(e.target.value)} disabled={options.length === 0 || resolved}>
              {options.length === 0 && <option value="">{t('composer.noAddress')}</option>}
              {options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                  {replyTo && o.value === key(replyTo) ? ` (${t('composer.lastUsed')})` : ''}
                </option>
              ))}
            </select>
          </span>
          {canned.length > 0 && (
            <span className="filter">
              <label htmlFor="canned-pick">{t('composer.canned')}</label>
              <select
                id="canned-pick"
                value=""
                onChange={(e) => {
                  const response = canned.find((c) => c.id === e.target.value);
                  if (response) insert(response);
                }}
              >
                <option value="">{t('composer.cannedPick')}</option>
                {canned.map((c) => (
                  <option key={c.id} value={c.id}>
                    /{c.shortcut} — {c.title}
                  </option>
                ))}
              </select>
            </span>
          )}
        </div>
        <label htmlFor="composer-text">{t('composer.label')}</label>
        <div className="composer-field">
          <textarea
            id="composer-text"
            ref={textarea}
            rows={4}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setCaret(e.target.selectionStart);
              setPick(0);
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
            onKeyDown={onKeyDown}
            aria-describedby="composer-hint"
            aria-autocomplete="list"
            aria-controls={open ? 'canned-suggestions' : undefined}
            aria-activedescendant={open ? `canned-${suggestions[pick]?.id}` : undefined}
          />
          {open && (
            <ul id="canned-suggestions" role="listbox" className="suggestions" aria-label={t('composer.canned')}>
              {suggestions.map((c, i) => (
                <li
                  key={c.id}
                  id={`canned-${c.id}`}
                  role="option"
                  aria-selected={i === pick}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    insert(c);
                  }}
                >
                  <strong>/{c.shortcut}</strong> {c.title}
                </li>
              ))}
            </ul>
          )}
        </div>
        <p id="composer-hint" className="hint">
          {t('composer.hint')}
        </p>
        {erased && (
          <p id="composer-erased" className="hint">
            {t('composer.erased')}
          </p>
        )}
        <div className="composer-files">
          <button type="button" ref={attachButton} className="quiet" onClick={() => fileInput.current?.click()} disabled={resolved} aria-describedby="composer-attach-hint">
            {t('composer.attach')}
          </button>
          {/* Opened by the button: the button is what keyboards and screen readers meet. */}
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            tabIndex={-1}
            onChange={(e) => {
              if (e.target.files) attach(e.target.files);
              // Cleared, so choosing the same file again (after removing its chip) is a change.
              e.target.value = '';
            }}
          />
          <span id="composer-attach-hint" className="hint">
            {dropping ? t('composer.dropHere') : t('composer.attachHint')}
          </span>
          {chips.length > 0 && (
            <ul className="chips" aria-label={t('composer.files')} aria-live="polite" aria-busy={chips.some((chip) => !chip.uploaded)}>
              {chips.map((chip) => (
                <li key={chip.id} className="chip" data-state={chip.uploaded ? 'uploaded' : 'uploading'}>
                  <span className="chip-name">{chip.name}</span>
                  <span className="hint">{chip.uploaded ? fileSize(chip.uploaded.size) : t('composer.uploading', { size: fileSize(chip.size) })}</span>
                  <button type="button" className="chip-remove" aria-label={t('composer.remove', { name: chip.name })} onClick={() => remove(chip.id)}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="composer-actions">
          <button type="submit" className="primary" disabled={busy !== null || resolved || erased} aria-describedby={erased ? 'composer-erased' : undefined} aria-keyshortcuts="Control+Enter">
            {busy === 'reply' ? t('composer.sending') : t('composer.send')}
          </button>
          <button type="button" className="note-button" disabled={busy !== null} onClick={() => void send('note')}>
            {busy === 'note' ? t('composer.adding') : t('composer.addNote')}
          </button>
        </div>
      </form>
    </section>
  );
}

