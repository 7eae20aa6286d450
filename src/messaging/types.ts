// The contract between the send path and its callers (HTTP routes, the scheduler, the sandbox):
// every send goes through one registry of actions, validated by the same chains everywhere.
import type { ValidationChain } from 'express-validator'

export interface SendAction {
  /** The scheduler's `type` name, e.g. 'sendText', 'sendMedia', 'sendButtonMessage'. */
  name: string
  /** Route path under /api, e.g. '/whatsapp/send-text'. */
  path: string
  summary: string
  /** Chains for the request body (token, number, and the action's own fields). */
  validators: ValidationChain[]
}

export interface SendExecutor {
  /**
   * Runs an action with an already validated body. A single `number` resolves with the sent
   * message (WAMessage JSON); an array starts a bulk batch and resolves with {batchId, total}.
   */
  execute(action: string, body: Record<string, unknown>): Promise<unknown>
}
