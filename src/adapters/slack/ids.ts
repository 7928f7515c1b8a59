/** A Slack channel id (C…, G…, D…): a capital letter, then capitals and digits. */
export const isSlackChannelId = (id: string): boolean => /^[A-Z][A-Z0-9]{5,20}$/.test(id);
