/** The `/ping` slash command as registered with Discord (raw API JSON, so the fake sees exactly this). */

/** Option names, as interaction payloads carry them whatever the user's language. */
export const OPTION_CLIENT = 'client';
export const OPTION_PACKETS = 'packets';
export const COMMAND_NAME = 'ping';
export const NOC_COMMAND = 'noc';
/** `/noc` option names (target and scope autocomplete). */
export const NOC_TARGET = 'target';
export const NOC_SCOPE = 'scope';

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
  {
    type: 1,
    name: NOC_COMMAND,
    description: 'The NOC watcher: status, watch lists, silences',
    description_localizations: es('El vigilante NOC: estado, listas de vigilancia, silencios'),
    contexts: [0],
    integration_types: [0],
    options: [
      { type: 1, name: 'status', description: 'Open incidents, what is watched, the sweep plan and the budget in use' },
      {
        type: 2,
        name: 'watch',
        description: 'The watch list',
        options: [
          {
            type: 1,
            name: 'add',
            description: 'Watch a client, a router, a zone or all (admins)',
            options: [
              { type: 3, name: NOC_TARGET, description: 'A client id, router:N, zone:N or all', required: true, autocomplete: true, max_length: 100 },
              { type: 3, name: 'every', description: 'How often, e.g. 5m', required: false, max_length: 20 },
              { type: 7, name: 'channel', description: 'Where its alerts go (default: the NOC channel)', required: false, channel_types: [0, 5] },
            ],
          },
          {
            type: 1,
            name: 'remove',
            description: 'Stop watching it (admins)',
            options: [{ type: 3, name: NOC_TARGET, description: 'A client id, router:N, zone:N or all', required: true, autocomplete: true, max_length: 100 }],
          },
          { type: 1, name: 'list', description: 'The watch list and running silences' },
        ],
      },
      {
        type: 1,
        name: 'silence',
        description: 'No new alerts for a scope for a while (admins)',
        options: [
          { type: 3, name: NOC_SCOPE, description: 'client:N, router:N, zone:N or all', required: true, autocomplete: true, max_length: 100 },
          { type: 3, name: 'duration', description: 'How long, e.g. 2h (at most 30d)', required: true, max_length: 20 },
          { type: 3, name: 'reason', description: 'Why (shown with the silence)', required: false, max_length: 200 },
        ],
      },
      {
        type: 1,
        name: 'unsilence',
        description: 'Lift a silence before it ends (admins)',
        options: [{ type: 3, name: NOC_SCOPE, description: 'client:N, router:N, zone:N or all', required: true, autocomplete: true, max_length: 100 }],
      },
    ],
  },
] as const;
