/** An error whose message is safe to show a client, with the HTTP status it maps to. */
export class AppError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

export const notFound = (message: string) => new AppError(404, message)
export const conflict = (message: string) => new AppError(409, message)
export const badRequest = (message: string) => new AppError(400, message)
export const tooMany = (message: string) => new AppError(429, message)
