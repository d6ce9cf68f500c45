/**
 * GET and HEAD read: their transactions run read-only, an API key needs `<resource>:read` for them, and their
 * bodies are not read. Every other method writes. One definition, for every rule that tells the two apart.
 */
export const isRead = (method: string) => method === "GET" || method === "HEAD";
