import type { Locale } from '../../present/locale.js';

/** Sentences only the Slack surface says (the check itself is worded by src/present). */
export interface SlackWords {
  rootRunning: string;
  notInChannel: string;
  cancelRefused: string;
  alreadyFinished: string;
  shuttingDown: string;
  postFailed: string;
}

const WORDS: Record<Locale, SlackWords> = {
  en: {
    rootRunning: 'Checking… live status in the thread.',
    notInChannel:
      "I can't post in this channel. Invite @pingops to it (`/invite @pingops`), or use /ping in a channel where it is a member, then try again.",
    cancelRefused: 'Only the person who started this check, or a workspace admin, can cancel it.',
    alreadyFinished: 'This check has already finished.',
    shuttingDown: 'pingops is restarting; try again in a minute.',
    postFailed: 'I could not post the check to this channel; please try again.',
  },
  es: {
    rootRunning: 'Comprobando… estado en vivo en el hilo.',
    notInChannel:
      'No puedo publicar en este canal. Invita a @pingops (`/invite @pingops`), o usa /ping en un canal donde esté, y vuelve a intentarlo.',
    cancelRefused: 'Solo quien inició esta prueba, o un administrador del espacio de trabajo, puede cancelarla.',
    alreadyFinished: 'Esta prueba ya terminó.',
    shuttingDown: 'pingops se está reiniciando; vuelve a intentarlo en un minuto.',
    postFailed: 'No pude publicar la prueba en este canal; vuelve a intentarlo.',
  },
};

/** The Slack surface's own sentences in `locale`. */
export function slackWords(locale: Locale): SlackWords {
  return WORDS[locale];
}
