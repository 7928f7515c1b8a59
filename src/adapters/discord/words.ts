import type { Locale } from '../../present/locale.js';

/** The few sentences only the Discord surface says (the check itself is worded by present/). */
export interface DiscordWords {
  notRequester: (name: string) => string;
  notRunning: string;
  unknownButton: string;
  stopping: string;
  failed: string;
}

const en: DiscordWords = {
  notRequester: (name) => `Only ${name}, who started this check, can cancel it.`,
  notRunning: 'This check has already finished; use Re-run to start a new one.',
  unknownButton: 'This button is no longer valid. Run /ping again.',
  stopping: 'pingops is restarting; try again in a minute.',
  failed: 'Something went wrong on our side. Please try again.',
};

const es: DiscordWords = {
  notRequester: (name) => `Solo ${name}, quien inició esta prueba, puede cancelarla.`,
  notRunning: 'Esta prueba ya terminó; usa Repetir para iniciar otra.',
  unknownButton: 'Este botón ya no es válido. Ejecuta /ping de nuevo.',
  stopping: 'pingops se está reiniciando; inténtalo de nuevo en un minuto.',
  failed: 'Algo salió mal de nuestro lado. Inténtalo de nuevo.',
};

/** The Discord surface's sentences in one locale. */
export function discordWords(locale: Locale): DiscordWords {
  return locale === 'es' ? es : en;
}
