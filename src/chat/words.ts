import type { Locale } from '../present/locale.js';
import type { Refusal } from './access.js';

/** Sentences the conversation engine says, the same on every surface (the check itself is worded by src/present). */
export interface EngineWords {
  cancelRefused: (name: string) => string;
  alreadyFinished: string;
  restarting: string;
  /** A request in hand when the process stops: kept in the store, run at the next start or by another replica. */
  restartingKept: string;
  notAllowedHere: (channels: string) => string;
  slowDown: (seconds: number) => string;
  elsewhere: string;
  failed: string;
}

const en: EngineWords = {
  cancelRefused: (name) => `Only ${name}, who started this check, or a pingops admin can cancel it.`,
  alreadyFinished: 'This check has already finished; use Re-run to start a new one.',
  restarting: 'pingops is restarting; try again in a minute.',
  restartingKept: 'pingops is restarting: your request is kept and runs as soon as pingops is back (if that takes more than 10 minutes, ask again).',
  notAllowedHere: (channels) => `pingops does not answer here. Use it in: ${channels}.`,
  slowDown: (s) => `Slow down: you asked for many checks in the last minute. Try again in ${s} s.`,
  elsewhere: 'pingops does not answer in this workspace or server: it serves only the one it is set up for.',
  failed: 'Something went wrong on our side. Please try again.',
};

const es: EngineWords = {
  cancelRefused: (name) => `Solo ${name}, quien inició esta prueba, o un administrador de pingops puede cancelarla.`,
  alreadyFinished: 'Esta prueba ya terminó; usa Repetir para iniciar otra.',
  restarting: 'pingops se está reiniciando; inténtalo de nuevo en un minuto.',
  restartingKept: 'pingops se está reiniciando: tu solicitud queda guardada y se ejecuta en cuanto pingops vuelva (si tarda más de 10 minutos, pídela de nuevo).',
  notAllowedHere: (channels) => `pingops no responde aquí. Úsalo en: ${channels}.`,
  slowDown: (s) => `Más despacio: pediste muchas pruebas en el último minuto. Inténtalo de nuevo en ${s} s.`,
  elsewhere: 'pingops no responde en este espacio de trabajo o servidor: solo atiende al que tiene configurado.',
  failed: 'Algo salió mal de nuestro lado. Inténtalo de nuevo.',
};

/** The engine's sentences in `locale`. */
export function engineWords(locale: Locale): EngineWords {
  return locale === 'es' ? es : en;
}

/** What a person is told when the access rules refuse them, privately. */
export function refusalText(r: Refusal, locale: Locale): string {
  const w = engineWords(locale);
  switch (r.kind) {
    case 'elsewhere':
      return w.elsewhere;
    case 'channel':
      return w.notAllowedHere(r.allowed.join(', '));
    case 'rate':
      return w.slowDown(Math.ceil(r.retryInMs / 1000));
  }
}
