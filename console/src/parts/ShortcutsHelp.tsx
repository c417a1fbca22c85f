import { useRef } from 'react';
import { useTranslation } from '../i18n.ts';
import { useKeys } from '../keys.ts';

/** The keyboard shortcuts, listed in a dialog that `?` opens (Escape closes it, as any dialog). */
export function ShortcutsHelp() {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  useKeys({ '?': () => dialog.current?.showModal() });
  const keys: Array<[string, string]> = [
    ['j / ↓', t('keys.next')],
    ['k / ↑', t('keys.previous')],
    ['Enter', t('keys.open')],
    ['/', t('keys.search')],
    ['r', t('keys.reply')],
    ['Ctrl+Enter', t('keys.send')],
    ['/shortcut + Tab', t('keys.canned')],
    ['a', t('keys.take')],
    ['e', t('keys.resolve')],
    ['u', t('keys.back')],
    ['?', t('keys.help')],
  ];
  return (
    <dialog ref={dialog} className="panel shortcuts" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">{t('keys.title')}</h2>
      <dl>
        {keys.map(([key, what]) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog">
        <button type="submit">{t('common.close')}</button>
      </form>
    </dialog>
  );
}
