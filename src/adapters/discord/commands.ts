/** The `/ping` slash command as registered with Discord (raw API JSON, so the fake sees exactly this). */

/** Option names, as interaction payloads carry them whatever the user's language. */
export const OPTION_CLIENT = 'client';
export const OPTION_PACKETS = 'packets';
export const COMMAND_NAME = 'ping';

/** Packet bounds, as the Ping API and PING_PACKETS accept them. */
export const MIN_PACKETS = 1;
export const MAX_PACKETS = 20;

const es = (text: string) => ({ 'es-ES': text, 'es-419': text });

/** The application commands pingops owns; registration replaces the whole set (PUT). */
export const COMMANDS = [
  {
    type: 1,
    name: COMMAND_NAME,
    description: "Ping a client's line and watch the verdict live",
    description_localizations: es('Hace ping a la línea de un cliente y muestra el veredicto en vivo'),
    // Guild text channels only: the status message, threads and the channel fallback need one.
    contexts: [0],
    integration_types: [0],
    options: [
      {
        type: 3,
        name: OPTION_CLIENT,
        name_localizations: es('cliente'),
        description: 'Name, phone, document or service id',
        description_localizations: es('Nombre, teléfono, documento o id de servicio'),
        required: true,
        autocomplete: true,
        max_length: 100,
      },
      {
        type: 4,
        name: OPTION_PACKETS,
        name_localizations: es('paquetes'),
        description: `ICMP packets to send (${MIN_PACKETS}-${MAX_PACKETS})`,
        description_localizations: es(`Paquetes ICMP a enviar (${MIN_PACKETS}-${MAX_PACKETS})`),
        required: false,
        min_value: MIN_PACKETS,
        max_value: MAX_PACKETS,
      },
    ],
  },
] as const;
