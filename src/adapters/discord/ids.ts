/** A Discord channel id: a numeric snowflake. */
export const isDiscordChannelId = (id: string): boolean => /^\d{5,25}$/.test(id);
