/** The one HTTP error envelope (http/errors.ts): its shape, and how a thrown error becomes a status and a body. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { NodeError } from '../src/common/errors.ts'
import { BudgetExhaustedError, UnknownGatewayChannelError } from '../src/gateway/errors.ts'
import { errorBody, errorResponse, sendError } from '../src/http/errors.ts'

describe('http error envelope', () => {
  it('is OpenAI-shaped: code, message, type, and the extra fields', () => {
    expect(errorBody('MODEL_NOT_FOUND', 'no such model', { param: 'model' })).toEqual({
      error: { code: 'MODEL_NOT_FOUND', message: 'no such model', type: 'invalid_request_error', param: 'model' },
    })
    expect(errorBody('PAYMENT_REQUIRED', 'pay').error.type).toBe('payment_required')
  })

  it('maps a NodeError with a status to it, and anything else to a 500 that leaks nothing', () => {
    expect(errorResponse(new BudgetExhaustedError(5n), 'gateway')).toEqual({
      status: 402,
      body: errorBody(
        'BUDGET_EXHAUSTED',
        "The gateway's budget of 5 token units is committed to channels; raise gatewayBudget or close channels.",
      ),
    })
    expect(errorResponse(new NodeError('BUDGET_EXHAUSTED', 'spent')).status).toBe(402)
    // A `status` field is not an HTTP status to answer with (here: what a remote miner answered a validator).
    const remote = Object.assign(new NodeError('VALIDATOR_MINER_REQUEST_FAILED', 'miner said 404'), { status: 404 })
    expect(errorResponse(remote, 'node').status).toBe(500)
    for (const error of [new UnknownGatewayChannelError(1n), new Error('secret detail at /home/x'), 'thrown text']) {
      expect(errorResponse(error, 'miner')).toEqual({
        status: 500,
        body: errorBody('INTERNAL', 'The miner failed to handle this request; see its log.'),
      })
    }
  })

  it('answers a request with the envelope and the status', async () => {
    const app = new Hono()
    app.get('/x', (c) => sendError(c, 404, 'NOT_FOUND', 'nothing here', { param: null }))
    const response = await app.request('/x')
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'nothing here', type: 'invalid_request_error', param: null },
    })
  })
})
