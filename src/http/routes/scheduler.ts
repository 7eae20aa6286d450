// Scheduler (the seed's routes): list, add, stop (= delete), plus update and run-now. `data` is
// checked by the same validators as the matching send endpoint before anything is written.
import { body } from 'express-validator'
import type { Scheduler } from '../../scheduler/scheduler.js'
import type { JobDraft } from '../../scheduler/types.js'
import { JOB_ID_RULE, isJobId } from '../../scheduler/validate.js'
import { AppError } from '../../errors.js'
import { isPlainObject } from '../../util/plain-object.js'
import { defineRoutes } from '../route.js'
import { tokenIn } from '../validators.js'

const idIn = () =>
  body('id').exists({ values: 'null' }).withMessage('is required').bail()
    .custom(isJobId).withMessage(`must be ${JOB_ID_RULE}`)

const jobFields = () => [
  tokenIn(),
  idIn(),
  body('type').isString().withMessage('is required: a send action name such as sendText or sendMedia'),
  body('data').custom(isPlainObject)
    .withMessage('is required: an object with the body of the matching send endpoint (without token)'),
  body('time').isString().withMessage('is required: a cron expression such as "0 9 * * 1-5"').bail()
    .isLength({ min: 1, max: 200 }).withMessage('must be 1-200 characters'),
  body('timezone').optional({ values: 'null' }).isString().withMessage('must be an IANA time zone name such as Asia/Jakarta'),
]

const draftOf = (b: Record<string, unknown>): JobDraft => ({
  id: b.id as string | number,
  token: String(b.token),
  type: String(b.type),
  data: b.data as Record<string, unknown>,
  time: String(b.time),
  ...(typeof b.timezone === 'string' ? { timezone: b.timezone } : {}),
})

export function schedulerRoutes(scheduler: Scheduler) {
  return defineRoutes([
    {
      method: 'post',
      path: '/whatsapp/scheduler',
      tag: 'Scheduler',
      summary: 'The token\'s scheduled jobs [{id, type, data, time, timezone, active, nextRun, lastRun}]',
      validators: [tokenIn()],
      handler: (req) => scheduler.list(String(req.body.token)),
    },
    {
      method: 'post',
      path: '/whatsapp/scheduler/add-scheduler',
      largeBody: true, // a sendMedia job may carry base64
      tag: 'Scheduler',
      summary: 'Add a job {id, token, type, data, time, timezone?}; 409 when the id exists; answers the token\'s jobs',
      validators: jobFields(),
      handler: (req) => scheduler.add(draftOf(req.body as Record<string, unknown>)),
    },
    {
      method: 'post',
      path: '/whatsapp/scheduler/update-scheduler',
      largeBody: true,
      tag: 'Scheduler',
      summary: 'Replace the job with the same id (404 when there is none); answers the token\'s jobs',
      validators: jobFields(),
      handler: (req) => scheduler.update(draftOf(req.body as Record<string, unknown>)),
    },
    {
      method: 'post',
      path: '/whatsapp/scheduler/stop-scheduler',
      tag: 'Scheduler',
      summary: 'Stop the job and delete it from scheduler.json',
      validators: [tokenIn(), idIn()],
      handler: async (req) => {
        const job = await scheduler.remove(String(req.body.token), req.body.id as string | number)
        return { status: true, message: `scheduler ${JSON.stringify(job.id)} stopped and deleted` }
      },
    },
    {
      method: 'post',
      path: '/whatsapp/scheduler/run-now',
      tag: 'Scheduler',
      summary: 'Run the job once now (also reported as a scheduler-run event); answers the send result',
      validators: [tokenIn(), idIn()],
      handler: async (req) => {
        const { token, id } = req.body as { token: string; id: string | number }
        try {
          return { id, ok: true, result: await scheduler.runNow(token, id) }
        } catch (err) {
          // The send path throws AppErrors; anything else is WhatsApp failing, not the caller.
          throw err instanceof AppError ? err : new AppError(502, `the job did not send: ${(err as Error).message}`)
        }
      },
    },
  ])
}
