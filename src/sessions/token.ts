/** A token names a folder on disk, so only a safe, short alphabet is allowed. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export const isValidToken = (token: unknown): token is string => typeof token === 'string' && TOKEN_PATTERN.test(token)

export const TOKEN_RULE = '1-64 characters: letters, digits, "-" or "_"'
